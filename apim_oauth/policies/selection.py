"""Which token policy each product, API and operation gets: configuration -> policy model (pure)."""

from __future__ import annotations

from apim_oauth.azure.clouds import Cloud, TokenVersion
from apim_oauth.config.products import EntraAppProductSettings
from apim_oauth.config.requirements import TokenRequirements
from apim_oauth.policies.limits import CallerLimits
from apim_oauth.policies.model import (
    AzureAdTokenPolicy,
    ClaimRequirement,
    JwtPolicy,
    TokenPolicy,
    audiences_for,
)


def token_policy(
    requirements: TokenRequirements,
    *,
    cloud: Cloud,
    tenant_id: str,
    token_version: TokenVersion,
    audience_client_id: str,
    audience_app_id_uri: str,
    client_application_ids: tuple[str, ...] = (),
) -> TokenPolicy:
    """The validator that admits exactly the tokens `requirements` describe, for the app whose
    client ID and App ID URI are given (the `aud` a token for it carries)."""
    claims: list[ClaimRequirement] = []
    if requirements.roles:
        claims.append(ClaimRequirement.roles(requirements.roles, match=requirements.roles_match))
    if requirements.scopes:
        claims.append(ClaimRequirement.scopes(requirements.scopes, match=requirements.scopes_match))
    audiences = audiences_for(token_version, audience_client_id, audience_app_id_uri)
    if requirements.validator == "validate-azure-ad-token":
        return AzureAdTokenPolicy(
            cloud=cloud,
            tenant_id=tenant_id,
            client_application_ids=client_application_ids,
            audiences=audiences,
            required_claims=tuple(claims),
        )
    return JwtPolicy(
        cloud=cloud,
        tenant_id=tenant_id,
        token_version=token_version,
        audiences=audiences,
        required_claims=tuple(claims),
        clock_skew_seconds=requirements.clock_skew_seconds,
    )


def caller_limits(product: EntraAppProductSettings, token_version: TokenVersion) -> CallerLimits | None:
    """The product's per-caller limits (`products[].limits`), keyed on the claim that names the
    calling application in tokens of `token_version`, the one its validator admits."""
    limits = product.limits
    if limits is None:
        return None
    return CallerLimits(
        prefix=product.name,
        token_version=token_version,
        calls=limits.calls,
        period_seconds=limits.period,
        quota_calls=limits.quota,
        quota_period_seconds=limits.quota_period,
    )
