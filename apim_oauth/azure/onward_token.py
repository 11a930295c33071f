"""The token a backend receives from the gateway's managed identity, and what the backend must check.

Facts (entra-docs `access-token-claims-reference.md`; docs/sources.md#entra-access-tokens, docs/sources.md#clouds):
the API's app decides the version (`requestedAccessTokenVersion`), whatever endpoint issued it; `iss`
is `https://{v1-issuer-host}/{tid}/` in v1 tokens and `https://{login-host}/{tid}/v2.0` in v2; `aud`
is always the client ID in v2, and "can be the client ID or the resource URI used in the request" in
v1; `oid` is "the verified identity of the user or service principal", for a managed identity the
object ID ARM reports as `identity.principalId`; `roles` holds the app roles assigned to it.

Open question: which of the two v1 audiences a managed-identity token carries is not documented; we
read it as the resource the policy asked for (`v1_audience_is_resource`, one line to change).
"""

from __future__ import annotations

from dataclasses import dataclass

from apim_oauth.azure.clouds import Cloud, TokenVersion
from apim_oauth.azure.token_audience import token_audience

v1_audience_is_resource = True
"""Our reading of the v1 `aud` of a token requested for `resource` (see the module docstring)."""


@dataclass(frozen=True)
class BackendCheck:
    """What the backend's own token validation must accept for the gateway's calls."""

    issuer: str
    audience: str
    token_version: TokenVersion


def backend_check(
    cloud: Cloud, tenant_id: str, token_version: TokenVersion, *, resource: str, client_id: str
) -> BackendCheck:
    """The `iss` and `aud` of the token the gateway obtains for `resource` (the backend app's client
    ID `client_id`, or one of its identifier URIs)."""
    audience = (
        token_audience(token_version, client_id=client_id, app_id_uri=resource)
        if v1_audience_is_resource
        else client_id
    )
    return BackendCheck(cloud.issuer(tenant_id, token_version), audience, token_version)
