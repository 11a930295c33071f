"""Would the APIM gateway accept this JWT under this policy, and if not, why.

Pure apart from the metadata it is handed: `evaluate` checks a token against a policy (see
`policy_xml.parse_policy`) and returns a `Verdict` with the gateway's reason codes and hints for the
known traps. Semantics follow shared/reference/entra-apim.md, sections 3-6; signatures are verified
by pyjwt, never by hand.

The gateway stops at its first failure; this reports every failure it finds, in the gateway's order
(token, signature, lifetime, audience, issuer, callers, claims), so the first reason is the one the
gateway would log. Where the reference is unsure, the reading that accepts fewer tokens is taken:
each such choice is one constant below, named for what it decides.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from apim_oauth.azure.clouds import CLOUDS
from tools.check_token.claims import duration, listing, number, same_id, strings, token_facts, when
from tools.check_token.hints import claim_hints, origin_hints
from tools.check_token.issuers import describe_issuer, token_version
from tools.check_token.jws import MAX_TOKEN_CHARS, MalformedTokenError, read_token
from tools.check_token.metadata import MetadataSource, OpenIdConfiguration, SigningKey
from tools.check_token.policy import Policy, ValidateAzureAdToken, ValidateJwt
from tools.check_token.signature import check_signature
from tools.check_token.verdict import Evaluation, EvaluationError, Verdict

# --- readings of what the reference leaves unsure (each takes the one that accepts fewer tokens) ---

EXPLICIT_ISSUERS_REPLACE_DISCOVERED = True
"""With `<issuers>`, only those are accepted, not also the openid-config issuer."""
AUDIENCE_MATCH_CASE_SENSITIVE = True
NO_AUDIENCES_REJECTS = True
"""A validator with no `<audiences>` (and no required `aud` claim) is taken to reject every token:
the gateway may instead skip the check, which would accept tokens minted for any app."""
NO_ISSUER_SOURCE_REJECTS = True
"""A validate-jwt with neither `<issuers>` nor `openid-config` has nothing to check `iss` against."""
AZURE_AD_TOKEN_CLOCK_SKEW_SECONDS = 0
"""validate-azure-ad-token has no clock-skew attribute; no tolerance is assumed."""
# Not-yet-valid and missing `exp` have no reason code of their own in the gateway's list; they are
# reported as JwtInvalid (the catch-all), not as TokenExpired.

_SCHEME = re.compile(r"[A-Za-z]{1,16}")
"""An HTTP authentication scheme as callers write them (Bearer, Basic, DPoP): safe to quote."""


def evaluate(presented: str, policy: Policy, metadata: MetadataSource, now: float) -> Verdict:
    """Would the gateway accept `presented` (the token, or the header value with its scheme)?

    Raises MetadataError when keys or issuers cannot be had, EvaluationError when the answer depends
    on something only API Management has; a bad token is never an exception, always a Verdict.
    """
    run = Evaluation(policy, now)
    for note in policy.notes:
        run.hint(note)
    token = locate(run, presented)
    if token is None:
        return run.verdict()
    try:
        read = read_token(token)
    except MalformedTokenError as malformed:
        if malformed.encrypted and policy.decryption:
            raise EvaluationError(
                "the token is encrypted; decrypting it needs the policy's decryption keys"
            ) from None
        run.reject("JwtInvalid", f"The token is not a valid JWT: {malformed}.")
        return run.verdict()
    signing_keys, configurations = keys(policy, metadata)
    check_signature(run, read, signing_keys)
    claims = read.claims
    lifetime(run, claims)
    audience(run, claims)
    issuer(run, claims, configurations)
    callers(run, claims)
    required_claims(run, claims)
    origin_hints(run, claims)
    return run.verdict(token_facts(claims, now))


def locate(run: Evaluation, presented: str) -> str | None:
    location = run.policy.location
    value = presented.strip()
    if not value:
        run.reject("TokenNotPresent", f"JWT not present: the {location.describe()} is empty.")
        return None
    if len(value) > MAX_TOKEN_CHARS:
        return value  # reported by the reader, without splitting megabytes first
    words = value.split(None, 1)
    if len(words) == 1 or not _SCHEME.fullmatch(words[0]) or words[0].startswith("eyJ"):
        # The bare token (the client is assumed to add the scheme the policy requires), or text
        # that is no scheme: either way the reader judges it, and nothing of it is quoted here.
        return value
    scheme, rest = words
    if not location.is_authorization_header:
        run.hint(
            f"The token is read from the {location.describe()}, where the raw token is expected: "
            f"send it without the {scheme!r} prefix."
        )
        return value
    required = location.require_scheme or "Bearer"
    if scheme.lower() != required.lower():
        run.reject(
            "TokenNotPresent",
            f"JWT not present: the Authorization header uses scheme {scheme!r}, the policy requires "
            f"{required!r}.",
        )
        return None
    return rest.strip()


def keys(
    policy: Policy, metadata: MetadataSource
) -> tuple[tuple[SigningKey, ...], tuple[OpenIdConfiguration, ...]]:
    if isinstance(policy, ValidateJwt):
        configurations = tuple(metadata.openid_configuration(url) for url in policy.openid_config_urls)
        inline = policy.signing_keys
    else:
        configurations = (metadata.openid_configuration(policy.openid_config_url),)
        inline = ()
    fetched = tuple(key for config in configurations for key in metadata.signing_keys(config.jwks_uri))
    return inline + fetched, configurations


def lifetime(run: Evaluation, claims: Mapping[str, object]) -> None:
    policy = run.policy
    skew = policy.clock_skew if isinstance(policy, ValidateJwt) else AZURE_AD_TOKEN_CLOCK_SKEW_SECONDS
    require_exp = policy.require_expiration_time if isinstance(policy, ValidateJwt) else True
    expires, not_before = claims.get("exp"), claims.get("nbf")
    if expires is None:
        if require_exp:
            run.reject("JwtInvalid", "The token has no expiration time (exp); the policy requires one.")
    elif (exp := number(expires)) is None:
        run.reject("JwtInvalid", "The token's exp is not a number.")
    elif run.now > exp + skew:
        ago = run.now - exp
        run.reject(
            "TokenExpired",
            f"The token expired at {when(exp)}, {duration(ago)} before the time of the check "
            f"(clock-skew {skew} s).",
        )
        run.hint(
            f"Expired {duration(ago)} ago. Entra access tokens live 60-90 minutes: request a new one "
            "(clients should renew before exp, not after a 401)."
        )
    if not_before is not None:
        nbf = number(not_before)
        if nbf is None:
            run.reject("JwtInvalid", "The token's nbf is not a number.")
        elif nbf > run.now + skew:
            run.reject(
                "JwtInvalid",
                f"The token is not valid before {when(nbf)}, {duration(nbf - run.now)} after the time "
                f"of the check (clock-skew {skew} s).",
            )
            run.hint("A token valid only in the future: check the clocks (or --now) of issuer and checker.")


def audience(run: Evaluation, claims: Mapping[str, object]) -> None:
    policy = run.policy
    allowed = policy.audiences or ()
    if isinstance(policy, ValidateAzureAdToken):
        allowed = allowed + policy.backend_application_ids
    if not allowed:
        if any(claim.name == "aud" for claim in policy.required_claims):
            return  # the audience is checked as a required claim
        if NO_AUDIENCES_REJECTS:
            run.reject(
                "TokenAudienceNotAllowed",
                "The policy lists no audience, so no token's aud can be allowed.",
            )
            run.hint(
                "Add <audiences> with the backend app's client ID (v2 tokens) or App ID URI (v1): "
                "without it the gateway may not check aud at all, accepting tokens issued for any app."
            )
        return
    token_audiences = strings(claims["aud"]) if "aud" in claims else ()
    if not token_audiences:
        run.reject("TokenAudienceNotAllowed", "The token has no audience (aud).")
        return

    def equal(left: str, right: str) -> bool:
        return left == right if AUDIENCE_MATCH_CASE_SENSITIVE else left.lower() == right.lower()

    if any(equal(mine, theirs) for mine in token_audiences for theirs in allowed):
        return
    run.reject(
        "TokenAudienceNotAllowed",
        f"Audience {listing(token_audiences)} is not allowed; the policy accepts {listing(allowed)}.",
    )
    if any(mine.lower() == theirs.lower() for mine in token_audiences for theirs in allowed):
        run.hint("The audience differs only in letter case: the gateway compares it exactly.")
    for mine in token_audiences:
        for theirs in allowed:
            if mine.startswith("api://") and theirs in mine and token_version(claims) != 1:
                run.hint(
                    f"The token's audience is the App ID URI {mine}; v2 tokens carry the client ID, so "
                    "the audience to list for a v2 token is the client ID."
                )
            if theirs.startswith("api://") and mine in theirs and token_version(claims) == 2:
                run.hint(
                    f"v2 tokens always carry the client ID ({mine}) as audience, never the App ID URI "
                    f"{theirs}: list the client ID in <audiences>."
                )


def issuer(
    run: Evaluation, claims: Mapping[str, object], configurations: Sequence[OpenIdConfiguration]
) -> None:
    issuer = claims.get("iss")
    tenant = claims.get("tid")
    allowed = _allowed_issuers(run.policy, configurations, tenant if isinstance(tenant, str) else None)
    run.allowed_issuers = allowed
    if not allowed:
        if NO_ISSUER_SOURCE_REJECTS:
            run.reject(
                "TokenIssuerNotAllowed",
                "The policy has neither <issuers> nor an openid-config, so no issuer can be allowed.",
            )
        return
    if not isinstance(issuer, str) or not issuer:
        run.reject("TokenIssuerNotAllowed", "The token has no issuer (iss).")
        return
    if issuer in allowed:
        return
    run.reject(
        "TokenIssuerNotAllowed",
        f"Issuer {issuer} is not allowed; the policy accepts {listing(allowed)}.",
    )
    if any("{tenantid}" in candidate for candidate in allowed):
        run.hint(
            "The openid-config is a multi-tenant one ('common' or 'organizations'): its issuer is a "
            "template that validate-jwt compares literally. List the accepted issuers in <issuers>."
        )


def _allowed_issuers(
    policy: Policy, configurations: Sequence[OpenIdConfiguration], token_tenant: str | None
) -> tuple[str, ...]:
    discovered = tuple(config.issuer for config in configurations)
    if isinstance(policy, ValidateJwt):
        if policy.issuers is not None and (EXPLICIT_ISSUERS_REPLACE_DISCOVERED or not discovered):
            return policy.issuers
        return (policy.issuers or ()) + discovered
    # validate-azure-ad-token: Entra's own validator takes the tenant's issuer, with the
    # multi-tenant template filled with the token's tenant, as Microsoft.IdentityModel's AAD
    # issuer validator does. Both token versions are Entra's: the v1 issuer of the same tenant
    # in the same cloud is accepted too.
    allowed: list[str] = []
    for issuer in discovered:
        if "{tenantid}" in issuer:
            if token_tenant is None:
                continue
            issuer = issuer.replace("{tenantid}", token_tenant)
        allowed.append(issuer)
        info = describe_issuer(issuer)
        if info is not None and info.version == 2:
            for name in info.clouds:
                allowed.append(CLOUDS[name].issuer(info.tenant, 1))
    return tuple(dict.fromkeys(allowed))


def callers(run: Evaluation, claims: Mapping[str, object]) -> None:
    policy = run.policy
    if not isinstance(policy, ValidateAzureAdToken):
        return
    name = "azp" if "azp" in claims else "appid"
    if name not in claims:
        run.reject(
            "TokenClaimNotFound",
            "JWT token is missing the following claims: azp (v2) or appid (v1), the calling application. "
            "Access denied.",
        )
        return
    caller = strings(claims[name])
    if any(same_id(value, allowed) for value in caller for allowed in policy.client_application_ids):
        return
    run.reject(
        "TokenClaimValueNotAllowed",
        f"Claim {name} value of {listing(caller)} is not allowed. Access denied. "
        f"(client-application-ids: {listing(policy.client_application_ids)})",
    )
    run.hint(
        f"The caller {listing(caller)} is not one of the policy's client-application-ids: add its "
        "application (client) ID there, or call with an allowed client."
    )


def required_claims(run: Evaluation, claims: Mapping[str, object]) -> None:
    missing: list[str] = []
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
        run.reject(
            "TokenClaimValueNotAllowed",
            f"Claim {rule.name} value of {listing(present)} is not allowed. Access denied. "
            f"(the policy requires {wanted}: {listing(rule.values)})",
        )
    if missing:
        run.reject(
            "TokenClaimNotFound",
            f"JWT token is missing the following claims: {', '.join(missing)}. Access denied.",
        )
    claim_hints(run, claims, missing)
