"""`apim-oauth:developerPortal`: the portal's host, and developer sign-in with Entra ID."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from apim_oauth.config.clients import SecretSettings
from apim_oauth.config.types import GUID, Model, Text, distinct

HOST = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+"
HOST_HINT = "a lower-case DNS name such as developer.contoso.example (no scheme, port or path)"
TENANT = rf"{GUID}|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
TenantRef = Annotated[
    str, Text(256, TENANT, "a tenant ID (GUID) or a verified domain such as contoso.onmicrosoft.com")
]
MAX_ALLOWED_TENANTS = 32
"""`allowedTenants` holds at most 32 (bicep-types-az 2024-05-01, IdentityProvider contract)."""


class PortalSignIn(Model):
    """Developer sign-in with Entra ID: the `aad` identity provider and its app."""

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


class DeveloperPortal(Model):
    """The managed developer portal."""

    host: Annotated[str, Text(253, HOST, HOST_HINT)] | None = None
    """The portal's custom domain, if it has one; default: `<apim.name>.developer.azure-api.net` (`.us`, `.cn`)."""
    sign_in: PortalSignIn | None = None
