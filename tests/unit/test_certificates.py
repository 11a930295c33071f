"""A client's certificate file: only a public certificate goes on, with its own validity."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from apim_oauth.azure.certificates import CertificateError, parse_certificate, read_certificate

NOT_BEFORE = dt.datetime(2026, 9, 1, 8, 30, tzinfo=dt.UTC)
NOT_AFTER = dt.datetime(2027, 9, 1, 8, 30, tzinfo=dt.UTC)


def _key_and_certificate() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "report-job")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


KEY, CERTIFICATE = _key_and_certificate()
PEM = CERTIFICATE.public_bytes(serialization.Encoding.PEM)
DER = CERTIFICATE.public_bytes(serialization.Encoding.DER)
KEY_PEM = KEY.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
)
KEY_DER = KEY.private_bytes(
    serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
)


@pytest.mark.parametrize("data", [PEM, DER], ids=["pem", "der"])
def test_pem_and_der_give_the_same_credential(data: bytes) -> None:
    cert = parse_certificate(data)
    assert cert.der == DER
    assert base64.b64decode(cert.base64_der) == DER
    # The credential's dates are the certificate's own validity.
    assert cert.start_date == "2026-09-01T08:30:00Z"
    assert cert.end_date == "2027-09-01T08:30:00Z"
    assert cert.sha256 == CERTIFICATE.fingerprint(hashes.SHA256()).hex()
    assert cert.subject == "CN=report-job"


@pytest.mark.parametrize(
    "data",
    [
        PEM + KEY_PEM,
        KEY_PEM + PEM,
        KEY_PEM,
        KEY_DER,
        KEY.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.BestAvailableEncryption(b"pass"),
        ),
        KEY.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"pass"),
        ),
    ],
    ids=["cert-then-key", "key-then-cert", "pem-key", "der-key", "encrypted-pem-key", "encrypted-der-key"],
)
def test_a_private_key_is_refused(data: bytes) -> None:
    with pytest.raises(CertificateError, match="private key"):
        parse_certificate(data)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "neither"),
        (b"hello", "neither"),
        (PEM + PEM, "exactly one"),
        (b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n", "not a readable"),
        (b"\x30\x03\x02\x01\x01", "not a DER certificate"),
    ],
)
def test_anything_else_is_refused(data: bytes, words: str) -> None:
    with pytest.raises(CertificateError, match=words):
        parse_certificate(data)


def test_read_certificate_names_an_unreadable_file(tmp_path: Path) -> None:
    (tmp_path / "client.pem").write_bytes(PEM)
    assert read_certificate(tmp_path / "client.pem").der == DER
    with pytest.raises(CertificateError, match="cannot be read"):
        read_certificate(tmp_path / "missing.pem")
