"""What a token policy checks: frozen models that `rendering` turns into the XML the gateway runs.

The models trust their values: the configuration (`apim_oauth.config`) has already refused every
value that could not reach policy XML safely (`apim_oauth.policies.values`), and `selection` builds
the models from it. What each field becomes in the XML is shown in `rendering`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from apim_oauth.azure.clouds import Cloud, TokenVersion
from apim_oauth.azure.token_audience import token_audience
from apim_oauth.config.types import Match

DEFAULT_FAILED_MESSAGE = (
    "Unauthorized. Send a valid, unexpired access token issued for this API: "
    "check that your client requested a token for this API's scope and was granted access to it."
)
"""Tells a caller what to fix; names no tenant, audience or issuer (the gateway adds its own reason)."""


@dataclass(frozen=True)
class ClaimRequirement:
    """A `<claim>` of `<required-claims>`: the token's claim `name` must hold `values`."""

    name: str
    """`roles`, `scp`, or any other claim."""
    values: tuple[str, ...]
    """The values looked for; at least one."""
    match: Match = "all"
    """`all`: every value must be present; `any`: one is enough."""
    separator: str | None = None
    """Splits a string claim into values: `" "` for `scp`; unset for `roles`, which is an array."""

    @classmethod
    def roles(cls, values: Iterable[str], match: Match = "all") -> ClaimRequirement:
        """App roles (application permissions; what client-credentials tokens carry). `roles` is a
        JSON array in the token: each element is a value, no separator (docs/sources.md#token-policies)."""
        return cls("roles", tuple(values), match)

    @classmethod
    def scopes(cls, values: Iterable[str], match: Match = "all") -> ClaimRequirement:
        """Delegated scopes (`scp`, one space-separated string; user tokens only, never client
        credentials)."""
        return cls("scp", tuple(values), match, separator=" ")


@dataclass(frozen=True)
class JwtPolicy:
    """What `<validate-jwt>` checks."""

    cloud: Cloud
    tenant_id: str
    """The tenant's GUID, lowercase: the issuer in every Entra token carries it so, never a domain."""
    token_version: TokenVersion
    """The version the backend app's `requestedAccessTokenVersion` makes Entra issue."""
    audiences: tuple[str, ...]
    """Accepted `aud` values (any one matches); see `audiences_for`."""
    required_claims: tuple[ClaimRequirement, ...] = ()
    """At most one requirement per claim name: how APIM combines two `<claim>` of one name is not
    documented."""
    clock_skew_seconds: int = 60
    """Tolerance on `exp`/`nbf`."""
    failed_message: str = DEFAULT_FAILED_MESSAGE


@dataclass(frozen=True)
class AzureAdTokenPolicy:
    """What `<validate-azure-ad-token>` checks."""

    cloud: Cloud
    tenant_id: str
    """The tenant's GUID (APIM resolves the metadata itself)."""
    client_application_ids: tuple[str, ...]
    """Application (client) IDs of the callers allowed: the token's `appid`/`azp`; at least one,
    or the validator admits no one."""
    audiences: tuple[str, ...]
    required_claims: tuple[ClaimRequirement, ...] = ()
    failed_message: str = DEFAULT_FAILED_MESSAGE


TokenPolicy = JwtPolicy | AzureAdTokenPolicy
"""A validator a policy document runs in `<inbound>`."""


@dataclass(frozen=True)
class ManagedIdentityAuth:
    """`<authentication-managed-identity>`: the gateway asks Entra for a token for `resource` with its
    system-assigned identity and sets it as the request's `Authorization: Bearer ...` header, in place
    of the caller's (azure-docs `authentication-managed-identity-policy.md`, ms.date 07/23/2024)."""

    resource: str
    """What the token is for: the backend app's client ID or one of its identifier URIs."""


def audiences_for(token_version: TokenVersion, client_id: str, app_id_uri: str) -> tuple[str, ...]:
    """The `aud` values a policy accepts for a backend's tokens: the one `token_audience` names and,
    since a v1 token's `aud` "can be the client ID or the resource URI used in the request" (access
    token claims reference, see `token_audience`), the client ID too."""
    requested = token_audience(token_version, client_id=client_id, app_id_uri=app_id_uri)
    return tuple(dict.fromkeys((requested, client_id)))
