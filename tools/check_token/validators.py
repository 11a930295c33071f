"""Lifetime, audience and issuer, as Microsoft.IdentityModel's Validators.cs checks them (version in
fidelity.py). Each check returns the one failure the library would raise (it throws at the first),
or None; hints and open questions go to the Evaluation record.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence

from apim_oauth.azure.clouds import CLOUDS
from tools.check_token import fidelity
from tools.check_token.claims import duration, listing, when
from tools.check_token.issuers import describe_issuer, token_version
from tools.check_token.jws import Token
from tools.check_token.metadata import OpenIdConfiguration
from tools.check_token.policy import ValidateAzureAdToken, ValidateJwt
from tools.check_token.verdict import Evaluation, Reason

MAX_SECONDS = 253402300799
"""9999-12-31T23:59:59Z, DateTime.MaxValue: EpochTime.cs `DateTime` caps larger values there."""


def clock_skew(run: Evaluation, exp: int | None, nbf: int | None) -> int:
    """The skew applied; for validate-azure-ad-token the open question is reported when the other
    reading (the library's 300 s) would judge the token's exp or nbf differently."""
    policy = run.policy
    if isinstance(policy, ValidateJwt):
        return policy.clock_skew  # validate-jwt-policy.md: `clock-skew`, default 0 seconds
    applied = fidelity.AZURE_AD_TOKEN_CLOCK_SKEW_SECONDS
    late = exp is not None and applied < run.now - exp <= 300
    early = nbf is not None and applied < nbf - run.now <= 300
    if late or early:
        run.ask("azure-ad-token-clock-skew")
    return applied


def lifetime(run: Evaluation, token: Token) -> Reason | None:
    """ValidatorUtilities.cs `ValidateLifetime`, in its order: exp required (IDX10225), nbf after exp
    (IDX10224), not yet valid (IDX10222), expired (IDX10223). Only expiry has a reason code of its
    own (TokenExpired); the others are the gateway's "other validation failures", JwtInvalid."""
    policy = run.policy
    require_exp = policy.require_expiration_time if isinstance(policy, ValidateJwt) else True
    # EpochTime.cs `DateTime`: zero or less is the epoch; beyond DateTime.MaxValue is capped.
    exp = min(max(token.times["exp"], 0), MAX_SECONDS) if "exp" in token.times else None
    nbf = min(max(token.times["nbf"], 0), MAX_SECONDS) if "nbf" in token.times else None
    skew = clock_skew(run, exp, nbf)
    now = run.now
    if exp is None and require_exp:
        return Reason(
            "JwtInvalid", "The token has no expiration time (exp); the policy requires one (IDX10225)."
        )
    if nbf is not None and exp is not None and nbf > exp:
        return Reason(
            "JwtInvalid", f"The token's nbf ({when(nbf)}) is after its exp ({when(exp)}) (IDX10224)."
        )
    if nbf is not None and nbf > now + skew:
        run.hint("A token valid only in the future: check the clocks (or --now) of issuer and checker.")
        return Reason(
            "JwtInvalid",
            f"The token is not valid before {when(nbf)}, {duration(nbf - now)} after the time of the check "
            f"(clock-skew {skew} s; IDX10222).",
        )
    if exp is not None and exp < now - skew:
        ago = now - exp
        run.hint(
            f"Expired {duration(ago)} ago. Entra access tokens live 60-90 minutes: request a new one "
            "(clients should renew before exp, not after a 401)."
        )
        return Reason(
            "TokenExpired",
            f"The token expired at {when(exp)}, {duration(ago)} before the time of the check "
            f"(clock-skew {skew} s; IDX10223).",
        )
    return None


def allowed_audiences(run: Evaluation) -> tuple[str, ...]:
    policy = run.policy
    allowed = policy.audiences or ()
    if isinstance(policy, ValidateAzureAdToken):
        allowed = allowed + policy.backend_application_ids
    return allowed


def _audiences_match(token_audience: str, valid: str) -> bool:
    """Validators.cs `AudiencesMatch`: ordinal, and `IgnoreTrailingSlashWhenValidatingAudience`
    (TokenValidationParameters default true) lets one trailing `/` differ."""
    if len(token_audience) == len(valid):
        return token_audience == valid
    longer, shorter = (token_audience, valid) if len(token_audience) > len(valid) else (valid, token_audience)
    return len(longer) == len(shorter) + 1 and longer.endswith("/") and longer[:-1] == shorter


def audience(run: Evaluation, token: Token) -> Reason | None:
    """Validators.cs `ValidateAudience`: no audience to compare with (IDX10208), the token has none
    (IDX10206), none matches (IDX10214); whitespace-only values are skipped (`AudienceIsValid`)."""
    policy = run.policy
    allowed = allowed_audiences(run)
    if not allowed:
        if any(claim.name == "aud" for claim in policy.required_claims):
            return None  # the audience is checked as a required claim
        run.ask("no-audiences")
        if fidelity.NO_AUDIENCES_SKIPS_CHECK:
            return None
        return Reason(
            "TokenAudienceNotAllowed", "The policy lists no audience, so none can be allowed (IDX10208)."
        )
    if not token.audiences:
        return Reason("TokenAudienceNotAllowed", "The token has no audience (aud) (IDX10206).")
    candidates = [value for value in token.audiences if value.strip()]
    if any(_audiences_match(mine, theirs) for mine in candidates for theirs in allowed if theirs.strip()):
        return None
    _audience_hints(run, token, allowed)
    return Reason(
        "TokenAudienceNotAllowed",
        f"Audience {listing(token.audiences)} is not allowed; the policy accepts {listing(allowed)} (IDX10214).",
    )


def _audience_hints(run: Evaluation, token: Token, allowed: Sequence[str]) -> None:
    if any(mine.lower() == theirs.lower() for mine in token.audiences for theirs in allowed):
        run.hint("The audience differs only in letter case: the gateway compares it exactly.")
    version = token_version(token.claims)
    for mine in token.audiences:
        for theirs in allowed:
            if mine.startswith("api://") and theirs in mine and version != 1:
                run.hint(
                    f"The token's audience is the App ID URI {mine}; v2 tokens carry the client ID, so the "
                    "audience to list for a v2 token is the client ID."
                )
            if theirs.startswith("api://") and mine in theirs and version == 2:
                run.hint(
                    f"v2 tokens always carry the client ID ({mine}) as audience, never the App ID URI "
                    f"{theirs}: list the client ID in <audiences>."
                )


def issuer(run: Evaluation, token: Token, configurations: Sequence[OpenIdConfiguration]) -> Reason | None:
    """validate-jwt: Validators.cs `ValidateIssuerAsync` - the configuration's issuer, or any of
    `ValidIssuers` (the two add up), compared ordinally; no issuer in the token is IDX10211, nothing
    to compare with IDX10204. validate-azure-ad-token: see `_entra_issuer`."""
    policy = run.policy
    iss = token.claims.get("iss")
    if isinstance(policy, ValidateAzureAdToken):
        return _entra_issuer(run, token, configurations)
    discovered = tuple(config.issuer for config in configurations)
    allowed = tuple(dict.fromkeys((*(policy.issuers or ()), *discovered)))
    run.allowed_issuers = allowed
    if not isinstance(iss, str) or not iss.strip():
        return Reason("TokenIssuerNotAllowed", "The token has no issuer (iss) (IDX10211).")
    if not [value for value in allowed if value]:
        run.ask("no-issuer-source")
        if fidelity.NO_ISSUER_SOURCE_SKIPS_CHECK:
            return None
        return Reason(
            "TokenIssuerNotAllowed",
            "The policy has neither <issuers> nor an openid-config, so no issuer can be allowed (IDX10204).",
        )
    if iss in allowed:
        return None
    if any("{tenantid}" in candidate for candidate in allowed):
        run.hint(
            "The openid-config is a multi-tenant one ('common' or 'organizations'): its issuer is a template "
            "that validate-jwt compares literally. List the accepted issuers in <issuers>."
        )
    return Reason(
        "TokenIssuerNotAllowed",
        f"Issuer {iss} is not allowed; the policy accepts {listing(allowed)} (IDX10205).",
    )


def _token_tenant(token: Token) -> str | None:
    """AadIssuerValidator.cs `GetTenantIdFromToken`: `tid`, else `tenantid`, else the issuer's path
    when it has exactly two segments (`{host}/{tid}/v2.0`)."""
    for name in ("tid", "tenantid"):
        value = token.claims.get(name)
        if isinstance(value, str):
            return value
    iss = token.claims.get("iss")
    if isinstance(iss, str):
        # System.Uri.Segments of the path: `/{tid}/v2.0` has three ("/", "{tid}/", "v2.0"), a v1
        # issuer's `/{tid}/` only two, so a v1 token without `tid` names no tenant.
        segments = urllib.parse.urlsplit(iss).path.split("/")
        if segments[-1] == "":
            segments = segments[:-1]
        if len(segments) == 3 and segments[1]:
            return segments[1]
    return None


def _template_match(template: str, tenant: str, iss: str) -> bool:
    """AadIssuerValidator.cs `IsValidIssuer`: `{tenantid}` stands for the token's tenant, ordinal."""
    return template.replace("{tenantid}", tenant) == iss if "{tenantid}" in template else template == iss


def _entra_issuer(
    run: Evaluation, token: Token, configurations: Sequence[OpenIdConfiguration]
) -> Reason | None:
    """validate-azure-ad-token, read as Microsoft.IdentityModel.Validators AadIssuerValidator.cs
    `ValidateAsync` (fidelity.AZURE_AD_TOKEN_ISSUER_AS_AAD_VALIDATOR): the token's tenant must be
    known (IDX40003), and `iss` must be the issuer of the tenant's metadata for the token's own
    version (v2 `.../v2.0`, else v1, `GetTokenIssuerVersion`)."""
    iss = token.claims.get("iss")
    tenant = _token_tenant(token)
    templates: list[str] = []
    for config in configurations:
        templates.append(config.issuer)
        info = describe_issuer(config.issuer.replace("{tenantid}", tenant or "{tenantid}"))
        if info is not None and info.version == 2:
            # The v1 metadata of the same tenant and cloud names the v1 issuer (sts host).
            templates.extend(CLOUDS[name].issuer(info.tenant, 1) for name in info.clouds)
    run.allowed_issuers = tuple(
        t.replace("{tenantid}", tenant) if tenant else t for t in dict.fromkeys(templates)
    )
    if not isinstance(iss, str) or not iss:
        return Reason("TokenIssuerNotAllowed", "The token has no issuer (iss).")
    if not tenant or not tenant.strip():
        run.ask("azure-ad-token-issuer")
        return Reason("TokenIssuerNotAllowed", "The token names no tenant (tid) (IDX40003).")
    if any(_template_match(template, tenant, iss) for template in templates):
        if not any(_template_match(config.issuer, tenant, iss) for config in configurations):
            run.ask("azure-ad-token-issuer")  # accepted only as AadIssuerValidator reads v1 tokens
        return None
    return Reason(
        "TokenIssuerNotAllowed",
        f"Issuer {iss} is not allowed; the policy accepts {listing(run.allowed_issuers)} (IDX40001).",
    )
