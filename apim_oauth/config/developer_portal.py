"""`apim-oauth:developerPortal`: the portal's host, and developer sign-in with Entra ID; and
`apis[].testConsole`: OAuth 2.0 for the portal's test console on one API.

The test console is the portal steps of azure-docs `api-management-howto-oauth2.md` (2024-04-01) as
configuration: an APIM authorization server for the stack's cloud, the API's authentication settings
naming it, and an Entra app for the console with exactly the redirect URI the portal sends.

The file's shapes are named `...Config`; `rules.people` resolves them into the `...Settings` the
components receive. Their schema titles keep the names the stack file schema always had.
"""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import ConfigDict, Field, model_validator

from apim_oauth.azure.developer_portal import ConsoleGrant
from apim_oauth.config.clients import SecretSettings
from apim_oauth.config.errors import fail
from apim_oauth.config.types import GUID, Flag, Model, Text, distinct

HOST = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+"
HOST_HINT = "a lower-case DNS name such as developer.contoso.example (no scheme, port or path)"
TENANT = rf"{GUID}|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
TenantRef = Annotated[
    str, Text(256, TENANT, "a tenant ID (GUID) or a verified domain such as contoso.onmicrosoft.com")
]
MAX_ALLOWED_TENANTS = 32
"""`allowedTenants` holds at most 32 (bicep-types-az 2024-05-01, IdentityProvider contract)."""

# ARM allows 1-80 characters without `* # & + : < > ?` (bicep-types-az 2024-05-01); the name is also a
# path segment of the redirect URI, so we keep to URL-safe characters.
SERVER_NAME = r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}"
SERVER_NAME_HINT = "1-80 letters, digits, '.', '_' and '-', starting with a letter or digit"


class PortalSignInConfig(Model):
    """Developer sign-in with Entra ID: the `aad` identity provider and its app."""

    model_config = ConfigDict(title="PortalSignIn")

    display_name: Annotated[str, Text(120)]
    """Display name of the portal's Entra app."""
    allowed_tenants: Annotated[
        tuple[TenantRef, ...], Field(max_length=MAX_ALLOWED_TENANTS), distinct("tenant", str.lower)
    ] = ()
    """Tenants whose users may sign in; default: the stack's `tenantId`. More than one makes the app
    multitenant."""
    signin_tenant: TenantRef | None = None
    """The tenant the portal signs in with (instead of `common`); default: the first allowed tenant."""
    secret: SecretSettings
    """The app's secrets: the identity provider requires one."""


class DeveloperPortalConfig(Model):
    """The managed developer portal."""

    model_config = ConfigDict(title="DeveloperPortal")

    host: Annotated[str, Text(253, HOST, HOST_HINT)] | None = None
    """The portal's custom domain, if it has one; default: `<apim.name>.developer.azure-api.net` (`.us`, `.cn`)."""
    sign_in: PortalSignInConfig | None = None
    cors_proxy: Flag = False
    """The portal's test consoles send through the portal's CORS proxy (its backend calls the gateway),
    so the portal's origin is left out of the APIs' cors. Turn the proxy on in the portal too
    (Operation: Details widget, "Use CORS proxy"); it must reach the gateway (docs/cors.md)."""


class TestConsoleConfig(Model):
    """The test console's authorization server and Entra app for one API."""

    model_config = ConfigDict(title="TestConsole")

    grant: ConsoleGrant = "authorizationCodeWithPkce"
    """`authorizationCodeWithPkce` (the browser redeems the code: SPA redirect, no secret) or
    `authorizationCode` (the portal's backend redeems it with the app's secret: Web redirect)."""
    server_name: Annotated[str, Text(80, SERVER_NAME, SERVER_NAME_HINT)] | None = None
    """The authorization server's name in APIM, part of the redirect URI; default: the API's name."""
    display_name: Annotated[str, Text(50)] | None = None
    """What the portal shows (at most 50 characters); default: `<API display name> test console`, cut to 50."""
    secret: SecretSettings | None = None
    """`authorizationCode` only: the console app's secrets, which APIM keeps."""

    @model_validator(mode="after")
    def _rules(self) -> Self:
        if self.grant == "authorizationCode" and self.secret is None:
            raise fail(
                "secret", "is required with grant authorizationCode: the portal redeems the code with it"
            )
        if self.grant == "authorizationCodeWithPkce" and self.secret is not None:
            raise fail("secret", "does not apply with PKCE: the browser redeems the code without a secret")
        if (
            self.grant == "authorizationCodeWithPkce"
            and self.server_name is not None
            and self.server_name != self.server_name.lower()
        ):
            # oauthService.ts lower-cases the redirect URI in the authorize request but not in the
            # token request: with capitals the two differ and Entra refuses the code.
            raise fail(
                "serverName",
                f"{self.server_name!r} has capitals: with PKCE the portal sends the redirect URI lower-cased "
                "to authorize and as is to redeem the code, so Entra would refuse it; use lower case",
            )
        return self
