"""A client's public certificate, read from a file in the repository (PEM or DER).

Entra keeps a certificate credential as the certificate's raw data (entra-docs
`identity-platform/certificate-credentials.md`); the caller signs with the private key, which must
never leave it. The azuread provider sends a PEM value as given, whole (terraform-provider-azuread
`internal/helpers/credentials/credentials.go`), so a file with a key in it would put the key in
Entra: such a file is refused, and the certificate goes to the provider as base64 DER only. Its start
and end dates are the certificate's own validity, so configuration can never claim more.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization

_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----")
# DER: an ASN.1 SEQUENCE. A bare private key in DER (PKCS#1, PKCS#8) starts with one too, so a file
# that is not a certificate is reported as such, never passed on.
_DER_SEQUENCE = 0x30


_PRIVATE_KEY = (
    "holds a private key: give only the public certificate (the key stays with the caller, never in the "
    "repository or Entra)"
)


class CertificateError(ValueError):
    """A certificate file this program will not give to Entra."""


@dataclass(frozen=True)
class PublicCertificate:
    """The public certificate of a client, as Entra will keep it."""

    der: bytes
    not_before: dt.datetime
    """Start of validity, UTC."""
    not_after: dt.datetime
    """End of validity, UTC: the credential's end date."""
    sha256: str
    """Lowercase hex SHA-256 fingerprint of the DER (`x5t#S256` of client assertions, base64url)."""
    subject: str
    """RFC 4514 subject, for plans and messages."""

    @property
    def base64_der(self) -> str:
        """The value for `azuread.ApplicationCertificate` with `encoding="base64"`."""
        return base64.b64encode(self.der).decode("ascii")

    @property
    def start_date(self) -> str:
        """RFC 3339 start date (`start_date` of the credential)."""
        return _rfc3339(self.not_before)

    @property
    def end_date(self) -> str:
        """RFC 3339 end date (`end_date` of the credential)."""
        return _rfc3339(self.not_after)


def _rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_certificate(data: bytes) -> PublicCertificate:
    """The one certificate in `data` (PEM with one CERTIFICATE block, or DER); a private key anywhere
    in it, more than one certificate, or anything else is a `CertificateError`."""
    blocks = [m.group(1).decode("ascii") for m in _PEM_BLOCK.finditer(data)]
    if any("PRIVATE KEY" in block for block in blocks):
        raise CertificateError(_PRIVATE_KEY)
    if blocks:
        if blocks != ["CERTIFICATE"]:
            raise CertificateError(f"must hold exactly one PEM CERTIFICATE block, not {', '.join(blocks)}")
        try:
            certificate = x509.load_pem_x509_certificate(data)
        except ValueError as error:
            raise CertificateError(f"is not a readable PEM certificate ({error})") from None
    else:
        if not data or data[0] != _DER_SEQUENCE:
            raise CertificateError("is neither a PEM certificate nor a DER certificate")
        if _is_der_private_key(data):
            raise CertificateError(_PRIVATE_KEY)
        try:
            certificate = x509.load_der_x509_certificate(data)
        except ValueError:
            raise CertificateError("is not a DER certificate") from None
    der = certificate.public_bytes(serialization.Encoding.DER)
    return PublicCertificate(
        der=der,
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        sha256=certificate.fingerprint(hashes.SHA256()).hex(),
        subject=certificate.subject.rfc4514_string(),
    )


def _is_der_private_key(data: bytes) -> bool:
    """A DER private key (PKCS#1 or PKCS#8, encrypted or not)."""
    try:
        serialization.load_der_private_key(data, password=None)
    except (TypeError, UnsupportedAlgorithm):
        return True  # encrypted, or of a kind this build cannot load: a key all the same
    except ValueError:
        return False
    return True


def read_certificate(path: Path) -> PublicCertificate:
    """`parse_certificate` of a file; an unreadable file is a `CertificateError` too."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CertificateError(f"cannot be read ({error.strerror or error})") from None
    return parse_certificate(data)
