"""The API Management developer portal as Entra sees it: its host, the redirect URIs it sends, and
the values it reads from its configuration.

All pure functions of configuration: the portal's URLs are built from the configured service name
and cloud (or a configured custom portal host), never from the service's outputs, so the Entra apps
that list them are created while APIM is still provisioning.

Source of the paths: Azure/api-management-developer-portal (HEAD 5472ceb, 2025-07-24)
`src/services/oauthService.ts` (`authenticate*`) and `src/constants.ts` (`pageUrlSignIn`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, Literal

from apim_oauth.azure.product_template import TEMPLATE_SCHEMA

ConsoleGrant = Literal["authorizationCode", "authorizationCodeWithPkce"]
"""The grant a test console uses, as APIM's `grantTypes` spells it.

`authorizationCodeWithPkce` is not in the 2024-05-01 spec's enum (an extensible string there); the
portal maps exactly this string to "authorization_code (PKCE)" (`src/models/authorizationServer.ts`,
`convertGrantTypes`), and the SDK's type is `Union[str, GrantType]`. Whether ARM 2024-05-01 accepts
it is not documented (unsure; azure-rest-api-specs issue #34711)."""

AAD_CLIENT_LIBRARY = "MSAL-2"
"""`clientLibrary` of the `aad` identity provider: the portal uses MSAL 2 (auth code + PKCE in a popup)
only for exactly this value (`src/constants.ts` `AadClientLibraryV2`); anything else is MSAL 1."""

SIGN_IN_PATH = "/signin"
"""The portal's sign-in page, where MSAL 2 returns (`src/constants.ts` `pageUrlSignIn`; azure-docs
`developer-portal-deprecated-migration.md`: `/signin-aad` became `/signin`)."""


def portal_host(service_name: str, portal_suffix: str, custom_host: str | None) -> str:
    """The developer portal's host name: the configured custom domain, else `{service}.{suffix}`.

    Lower-case: browsers report `location.hostname` in lower case, which is what the portal builds its
    redirect URIs from when no `backendUrl` is set (`oauthService.ts` `authenticate`)."""
    return (custom_host or f"{service_name}.{portal_suffix}").lower()


def portal_base_url(host: str) -> str:
    """`https://{host}`: the `{base}` of every redirect URI the portal sends."""
    return f"https://{host}"


def console_redirect_uri(base_url: str, grant: ConsoleGrant, server_name: str) -> str:
    """The exact redirect URI the portal's test console sends for `grant` and authorization server `server_name`.

    Code grant: `{base}/signin-oauth/code/callback/{server}`, lower-cased as a whole before it is sent
    (`authenticateCode`). PKCE: `{base}/signin-oauth/code-pkce/callback/{server}`, lower-cased in the
    authorize request but sent as is in the token request (`authenticateCodeWithPkce`), so the two
    match only when the server name and host are lower-case (config refuses capitals there)."""
    if grant == "authorizationCode":
        return f"{base_url}/signin-oauth/code/callback/{server_name}".lower()
    return f"{base_url}/signin-oauth/code-pkce/callback/{server_name}".lower()


def sign_in_redirect_uri(base_url: str) -> str:
    """The SPA redirect URI of the portal's Entra sign-in app (MSAL 2 on the sign-in page)."""
    return f"{base_url}{SIGN_IN_PATH}"


def revision_name(baked_in: Mapping[str, object]) -> str:
    """The name of the portal revision that publishes `baked_in`: the same for the same values.

    The published portal keeps what it read at publishing time (`src/publishing/aadConfigPublisher.ts`;
    azure-docs `api-management-howto-oauth2.md`: republish after OAuth changes), so a new revision is
    needed exactly when these values change. A stable name makes an unchanged stack publish nothing.
    Canonical JSON (sorted keys, no spaces), then SHA-256: 16 hex digits (64 bits) are plenty to tell
    one stack's successive configurations apart."""
    canonical = json.dumps(baked_in, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return "apim-oauth-" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


PORTAL_REVISION_TYPE = "Microsoft.ApiManagement/service/portalRevisions"
PORTAL_REVISION_API_VERSION = "2024-05-01"
"""The stable version whose contract is azure-rest-api-specs `apimportalrevisions.json`."""
PORTAL_REVISION_DESCRIPTION = (
    "Published by apim-oauth: developer-portal sign-in or test console settings changed."
)


def portal_revision_template(service_name: str, revision: str) -> dict[str, Any]:
    """An ARM template whose one resource is a current portal revision: PUT with `isCurrent` "creates a
    new developer portal's revision by running the portal's publishing" (apimportalrevisions.json,
    PortalRevision_CreateOrUpdate). No `location`: a revision has none (why a template and not the
    generic resource: docs/azure-contract.md, section 1)."""
    return {
        "$schema": TEMPLATE_SCHEMA,
        "contentVersion": "1.0.0.0",
        "resources": [
            {
                "type": PORTAL_REVISION_TYPE,
                "apiVersion": PORTAL_REVISION_API_VERSION,
                "name": f"{service_name}/{revision}",
                "properties": {"description": PORTAL_REVISION_DESCRIPTION, "isCurrent": True},
            }
        ],
    }


def portal_deployment_name(service_name: str) -> str:
    """The template deployment's name in the resource group: one per service. The `.` keeps it apart
    from every product deployment (`apim-oauth-<product>-<digest>`: product names have no `.`)."""
    digest = hashlib.sha256(service_name.encode()).hexdigest()[:8]
    return f"apim-oauth.developer-portal-{digest}"
