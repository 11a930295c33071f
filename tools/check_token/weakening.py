"""Policies that weaken the check: said loudly with every verdict, accepted or not, because a reviewer
must not miss them (and "accepted" under such a policy proves less than it seems)."""

from __future__ import annotations

from collections.abc import Sequence

from tools.check_token.metadata import OpenIdConfiguration
from tools.check_token.policy import Policy, ValidateAzureAdToken, ValidateJwt

MAX_REASONABLE_SKEW_SECONDS = 300
"""TokenValidationParameters.cs `DefaultClockSkew`: five minutes is the library's own tolerance."""
MULTI_TENANT = ("common", "organizations", "consumers")


def policy_warnings(policy: Policy, configurations: Sequence[OpenIdConfiguration]) -> list[str]:
    warnings: list[str] = []
    if isinstance(policy, ValidateJwt):
        if not policy.require_signed_tokens:
            warnings.append(
                'WEAKENED: require-signed-tokens="false" - the gateway accepts tokens with an empty signature, '
                "which anyone can write (any issuer, audience and claims they like)."
            )
        if policy.clock_skew > MAX_REASONABLE_SKEW_SECONDS:
            warnings.append(
                f"WEAKENED: clock-skew={policy.clock_skew} s - tokens stay valid {policy.clock_skew // 60} min past "
                f"their exp (the library's own default is {MAX_REASONABLE_SKEW_SECONDS} s)."
            )
        templated = [config.url for config in configurations if "{tenantid}" in config.issuer]
        if any("{tenantid}" in value for value in policy.issuers or ()):
            warnings.append(
                "WEAKENED OR BROKEN: an <issuer> holds the {tenantid} template, which validate-jwt compares "
                "literally (Validators.cs `ValidateIssuerAsync`): list each tenant's issuer instead."
            )
        if templated and not policy.issuers:
            warnings.append(
                f"WEAKENED: multi-tenant openid-config ({', '.join(templated)}) without <issuers>: its keys sign for "
                "every tenant, and only the literal issuer template stands between them and this API."
            )
    elif policy.tenant_id.lower() in MULTI_TENANT:
        warnings.append(
            f"WEAKENED: tenant-id={policy.tenant_id!r} - validate-azure-ad-token accepts tokens of ANY Entra "
            "tenant ({tenantid} issuer template); only the audience and claims limit who gets in."
        )
    if not _has_audience(policy):
        warnings.append(
            "WEAKENED: no audience - tokens issued for any application may be accepted; list the API's "
            "client ID (v2) or App ID URI (v1) in <audiences>."
        )
    return warnings


def _has_audience(policy: Policy) -> bool:
    if policy.audiences or any(claim.name == "aud" and claim.values for claim in policy.required_claims):
        return True
    return isinstance(policy, ValidateAzureAdToken) and bool(policy.backend_application_ids)
