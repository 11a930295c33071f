"""The checks API Management adds to the library's: the calling application of
validate-azure-ad-token and the required claims of both policies. Their messages are the gateway's
own (api-management-error-handling-policies.md, "Predefined errors for policies"); they run after
the library has accepted the token.
"""

from __future__ import annotations

from collections.abc import Mapping

from tools.check_token.claims import listing, same_id, strings
from tools.check_token.hints import claim_hints
from tools.check_token.policy import ValidateAzureAdToken
from tools.check_token.verdict import Evaluation, Reason


def callers(run: Evaluation, claims: Mapping[str, object]) -> list[Reason]:
    """validate-azure-ad-token-policy.md, `client-application-ids`: the caller's `azp` (v2) or `appid`
    (v1) must be one of them. Optional in the current page ("If a client application ID isn't
    provided, one or more audience claims should be specified"): without it, no caller is checked."""
    policy = run.policy
    if not isinstance(policy, ValidateAzureAdToken) or not policy.client_application_ids:
        return []
    name = "azp" if "azp" in claims else "appid"
    if name not in claims:
        return [
            Reason(
                "TokenClaimNotFound",
                "JWT token is missing the following claims: azp (v2) or appid (v1), the calling application. "
                "Access denied.",
            )
        ]
    caller = strings(claims[name])
    if any(same_id(value, allowed) for value in caller for allowed in policy.client_application_ids):
        return []
    run.hint(
        f"The caller {listing(caller)} is not one of the policy's client-application-ids: add its "
        "application (client) ID there, or call with an allowed client."
    )
    return [
        Reason(
            "TokenClaimValueNotAllowed",
            f"Claim {name} value of {listing(caller)} is not allowed. Access denied. "
            f"(client-application-ids: {listing(policy.client_application_ids)})",
        )
    ]


def required_claims(run: Evaluation, claims: Mapping[str, object]) -> list[Reason]:
    """`<required-claims>`: the missing claims first, all in one message ("JWT token is missing the
    following claims: <c1>, <c2>, ..."), then each value mismatch ("Claim {name} value of {value} is
    not allowed")."""
    missing: list[str] = []
    mismatched: list[Reason] = []
    for rule in run.policy.required_claims:
        if rule.name not in claims or claims[rule.name] is None:
            missing.append(rule.name)
            continue
        present = strings(claims[rule.name])
        if rule.separator is not None:
            present = tuple(part for value in present for part in value.split(rule.separator) if part)
        if not rule.values:
            continue
        found = [value for value in rule.values if value in present]
        if (rule.match == "all" and len(found) == len(rule.values)) or (rule.match == "any" and found):
            continue
        wanted = "all of" if rule.match == "all" else "one of"
        mismatched.append(
            Reason(
                "TokenClaimValueNotAllowed",
                f"Claim {rule.name} value of {listing(present)} is not allowed. Access denied. "
                f"(the policy requires {wanted}: {listing(rule.values)})",
            )
        )
    claim_hints(run, claims, missing)
    if missing:
        missing_reason = Reason(
            "TokenClaimNotFound",
            f"JWT token is missing the following claims: {', '.join(missing)}. Access denied.",
        )
        return [missing_reason, *mismatched]
    return mismatched
