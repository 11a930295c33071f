"""The credentials of a client app that are not secrets: federated identity credentials and a
certificate. Made by `ClientApp` as its own children; here so that module keeps to its app.

Facts (docs/design/callers-without-secrets.md, section 1): `azuread.ApplicationFederatedIdentityCredential
{application_id, display_name, issuer, subject, audiences}` replaces on a new `display_name` and
updates issuer, subject and audiences in place; `azuread.ApplicationCertificate {application_id, type,
encoding, value, start_date, end_date, key_id}` replaces on any change, and draws a random `key_id`
when none is given (hashicorp/terraform-provider-azuread `docs/resources/`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pulumi
import pulumi_azuread as azuread

_KEY_IDS = uuid.UUID("3c9e5a71-2d4b-4f86-a0c1-7e8f9b2d4a63")
"""Certificate key IDs are uuid5 names under this (stable across runs; a random one would differ)."""


@dataclass(frozen=True)
class FederatedTrust:
    """One federated identity credential, as the configuration resolved it."""

    key: str
    """Resource-name suffix, distinct per client: `<client>-fic-<key>`."""
    name: str
    """The credential's name in Entra (immutable there)."""
    issuer: str
    subject: str
    audience: str
    description: str | None = None


@dataclass(frozen=True)
class CertificateCredential:
    """The client's public certificate, as Entra keeps it."""

    base64_der: str
    """The certificate alone, DER in base64 (the provider's `encoding = "base64"`)."""
    sha256: str
    """Its SHA-256 fingerprint (hex): names its key ID."""
    start_date: str
    """RFC 3339: the certificate's own start of validity."""
    end_date: str
    """RFC 3339: the certificate's own end of validity."""


def certificate_key_id(client: str, sha256: str) -> str:
    """The key ID of `client`'s certificate with fingerprint `sha256`: a new certificate, a new ID."""
    return str(uuid.uuid5(_KEY_IDS, f"{client}|{sha256.lower()}"))


def federated_credentials(
    name: str, application_id: pulumi.Input[str], trusts: tuple[FederatedTrust, ...], parent: pulumi.Resource
) -> dict[str, azuread.ApplicationFederatedIdentityCredential]:
    """One credential per trust, children of `parent` (the client app's component)."""
    return {
        t.key: azuread.ApplicationFederatedIdentityCredential(
            f"{name}-fic-{t.key}",
            azuread.ApplicationFederatedIdentityCredentialArgs(
                application_id=application_id,
                display_name=t.name,
                issuer=t.issuer,
                subject=t.subject,
                audiences=[t.audience],
                description=t.description,
            ),
            opts=pulumi.ResourceOptions(parent=parent),
        )
        for t in trusts
    }


def certificate_credential(
    name: str, application_id: pulumi.Input[str], certificate: CertificateCredential, parent: pulumi.Resource
) -> azuread.ApplicationCertificate:
    """The certificate credential, a child of `parent`. Only the certificate goes (base64 DER): a PEM
    value would be sent whole, key and all."""
    return azuread.ApplicationCertificate(
        f"{name}-cert",
        azuread.ApplicationCertificateArgs(
            application_id=application_id,
            type="AsymmetricX509Cert",
            encoding="base64",
            value=certificate.base64_der,
            start_date=certificate.start_date,
            end_date=certificate.end_date,
            key_id=certificate_key_id(name, certificate.sha256),
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )
