"""`apim-oauth:clients`: the callers of the APIs, their secrets, and how they sign users in.

A client's mode is not written: it is the mode of its products (a client of `apim-managed` products
is registered by APIM). So the file's shape is `ClientConfig`, and the cross-section rules
(`rules.clients`) resolve each one into `EntraAppClientSettings` or `ApimManagedClientSettings`,
which is what the components receive.

A client without `signIn` is a daemon (client credentials). The platform decides the flow Entra
allows (entra-docs `v2-oauth2-auth-code-flow.md`): `web` redeems the code on a server with its
secret, `spa` in the browser with PKCE and no secret, `public` on a device (custom schemes,
device code). Redirect URIs are checked as Entra and the azuread provider check them
(`apim_oauth.azure.redirect_uris`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from apim_oauth.azure.redirect_uris import MAX_PER_APP, Platform, redirect_uri_problem
from apim_oauth.config.credentials import Certificate, CredentialKind, FederatedCredentials, ManagedIdentity
from apim_oauth.config.errors import fail
from apim_oauth.config.requirements import Roles, Scopes
from apim_oauth.config.types import (
    SLUG,
    SLUG_HINT,
    Between,
    Date,
    Flag,
    Model,
    Name,
    ObjectId,
    Text,
    distinct,
)


@dataclass(frozen=True)
class SecretSlotSettings:
    """One client secret; bump its date to replace it while the other slot stays valid."""

    name: Literal["blue", "green"]
    rotated: dt.date


class SecretSlots(Model):
    """The rotation date of each secret slot in use."""

    blue: Date | None = None
    green: Date | None = None

    @model_validator(mode="after")
    def _one(self) -> Self:
        if self.blue is None and self.green is None:
            raise fail("", "must name at least one slot (blue or green) with its rotation date")
        return self


class SecretSettings(Model):
    """The client's secrets: two slots so one can be replaced while the other stays valid."""

    validity_days: Annotated[int, Between(1, 730)] = 180
    """Days each secret stays valid from its rotation date (Entra's portal offers at most 24 months)."""
    slot_dates: SecretSlots = Field(alias="slots")
    readers: tuple[ObjectId, ...] = ()
    """With `apim-oauth:keyVault`: principals (object IDs) granted Key Vault Secrets User on this
    client's secrets, besides the vault's own `readers`."""

    @model_validator(mode="after")
    def _ends_in_range(self) -> Self:
        # A secret's end date goes to Microsoft Graph as passwordCredential `endDateTime`, a
        # DateTimeOffset (https://learn.microsoft.com/graph/api/resources/passwordcredential), which
        # ends at 9999-12-31 (https://learn.microsoft.com/dotnet/api/system.datetimeoffset.maxvalue).
        for name, rotated in (("blue", self.slot_dates.blue), ("green", self.slot_dates.green)):
            if rotated is not None and (dt.date.max - rotated).days < self.validity_days:
                raise fail(
                    f"slots.{name}",
                    f"{rotated.isoformat()} plus validityDays {self.validity_days} ends after 9999-12-31, the "
                    "last date Microsoft Graph takes as a secret's endDateTime",
                )
        return self

    @property
    def slots(self) -> tuple[SecretSlotSettings, ...]:
        dates: tuple[tuple[Literal["blue", "green"], dt.date | None], ...] = (
            ("blue", self.slot_dates.blue),
            ("green", self.slot_dates.green),
        )
        return tuple(SecretSlotSettings(name, rotated) for name, rotated in dates if rotated is not None)

    @property
    def active(self) -> SecretSlotSettings:
        """The newest slot: the one callers should use."""
        return max(self.slots, key=lambda s: (s.rotated, s.name))


RedirectUri = Annotated[str, Text(4096)]
"""Length is Entra's rule, checked with the others (the message then says whose limit it is)."""


class ClientSignIn(Model):
    """The client's Entra platform and the redirect URIs registered under it."""

    platform: Platform
    """`web` (server-side, confidential: needs `secret`), `spa` (PKCE in the browser, no secret) or
    `public` (mobile and desktop apps, no secret)."""
    redirect_uris: Annotated[
        tuple[RedirectUri, ...], Field(max_length=MAX_PER_APP), distinct("redirect URI")
    ] = ()
    """Exactly as the app sends them (Entra compares case-sensitively)."""
    implicit_id_tokens: Flag = False
    """web only: let the app get ID tokens from the authorize endpoint (implicit or hybrid flow);
    off unless an app still needs it (entra-docs: AADSTS700054 when it is off and asked for)."""

    @model_validator(mode="after")
    def _rules(self) -> Self:
        if self.implicit_id_tokens and self.platform != "web":
            raise fail("implicitIdTokens", f"applies to the web platform only, not {self.platform}")
        if not self.redirect_uris and self.platform != "public":
            # A public client may sign in with the device code flow, which needs no redirect URI.
            raise fail("redirectUris", f"a {self.platform} client needs at least one redirect URI")
        for index, uri in enumerate(self.redirect_uris):
            if problem := redirect_uri_problem(uri, self.platform):
                raise fail(f"redirectUris[{index}]", f"{uri!r} {problem}")
        return self


class ClientConfig(Model):
    """A client as the stack file gives it; which keys apply depends on its products' mode."""

    name: Annotated[str, Text(40, SLUG, SLUG_HINT)]
    display_name: Annotated[str, Text(120)]
    products: Annotated[tuple[Name, ...], distinct("product")] = ()
    """Names of the products (`apim-oauth:products[].name`) the client may call, all of one mode."""
    roles: Roles = ()
    """entra-app: backend app roles granted as application permissions (admin consent given)."""
    scopes: Scopes = ()
    """entra-app: backend scopes granted as delegated permissions (admin consent given)."""
    secret: SecretSettings | None = None
    """entra-app: the client's secrets and their rotation."""
    owner: Name | None = None
    """apim-managed: the APIM user that owns the client; defaults to its products' owner."""
    sign_in: ClientSignIn | None = None
    """entra-app: how the client signs users in (platform, redirect URIs); unset for a daemon."""
    federated: FederatedCredentials | None = None
    """entra-app: federated identity credentials (GitHub Actions, Kubernetes, another OIDC issuer):
    external tokens the client exchanges for its own, no secret."""
    certificate: Certificate | None = None
    """entra-app: the path of the client's public certificate (PEM or DER) in the project."""
    managed_identity: ManagedIdentity | None = None
    """entra-app: an existing Azure managed identity is the caller; no app registration is made."""

    @property
    def credential_kind(self) -> CredentialKind:
        """How the client proves itself: the key naming its credential (`secret` only when alone)."""
        if self.managed_identity is not None:
            return "managedIdentity"
        if self.federated is not None:
            return "federated"
        if self.certificate is not None:
            return "certificate"
        return "secret" if self.secret is not None else "none"

    @model_validator(mode="after")
    def _one_credential(self) -> Self:
        # One way to prove itself; a secret may stay beside federated credentials or a certificate
        # while callers move off it (docs/design/callers-without-secrets.md, section 2).
        given = [
            k for k, v in (("federated", self.federated), ("certificate", self.certificate)) if v is not None
        ]
        given += ["managedIdentity"] if self.managed_identity is not None else []
        if len(given) > 1:
            raise fail(
                given[1], f"give one of federated, certificate or managedIdentity, not also {given[0]}"
            )
        if self.managed_identity is None:
            return self
        for key, value in (("secret", self.secret), ("signIn", self.sign_in)):
            if value is not None:
                raise fail(key, "does not apply to a managed identity: it has no app registration of its own")
        if self.scopes:
            raise fail(
                "scopes", "a managed identity signs in no user: it holds app roles, not delegated scopes"
            )
        return self
