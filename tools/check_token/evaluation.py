"""Would the APIM gateway accept this JWT under this policy, and if not, why.

Pure apart from the metadata it is handed: `evaluate` checks a token against a policy (see
`policy_xml.parse_policy`) and returns a `Verdict` with the gateway's reason codes, hints for the
known traps, warnings for policies that weaken the check, and the open questions that bear on it.
The rules follow Microsoft.IdentityModel, which the gateway runs (fidelity.py names the version),
and API Management's policy pages for what the gateway adds.

The gateway stops at its first failure; this reports every failure it finds, in the library's order,
so the first reason is the one the gateway would log: JsonWebTokenHandler.ValidateToken.cs
`ValidateJWSAsync` checks the signature first (`ValidateSignatureAndIssuerSecurityKey`), then
`ValidateTokenPayloadAsync` the lifetime, audience and issuer, in that order; when the token names a
`kid` no key has, `ValidateSignature` first runs InternalValidators.cs `ValidateAfterSignatureFailed`
(lifetime, issuer, audience) and reports their failure before the missing key. API Management's own
checks (callers, required claims) follow.
"""

from __future__ import annotations

import re

from tools.check_token.apim_rules import callers, required_claims
from tools.check_token.claims import token_facts
from tools.check_token.hints import origin_hints
from tools.check_token.jws import MAX_TOKEN_CHARS, MalformedTokenError, read_token
from tools.check_token.metadata import MetadataSource, OpenIdConfiguration, SigningKey
from tools.check_token.policy import Policy, ValidateJwt
from tools.check_token.signature import check_signature
from tools.check_token.validators import audience, issuer, lifetime
from tools.check_token.verdict import Evaluation, EvaluationError, Reason, Verdict
from tools.check_token.weakening import policy_warnings

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
    found = locate(run, presented)
    if found is None:
        return run.verdict()
    try:
        token = read_token(found)
    except MalformedTokenError as malformed:
        if malformed.encrypted and policy.decryption:
            raise EvaluationError(
                "the token is encrypted; decrypting it needs the policy's decryption keys"
            ) from None
        # JsonWebTokenHandler.ReadToken failures are the gateway's "other validation failures".
        run.reject("JwtInvalid", f"The token is not a valid JWT: {malformed}.")
        return run.verdict()
    signing_keys, configurations = keys(policy, metadata)
    for warning in policy_warnings(policy, configurations):
        run.warn(warning)
    require_signed = policy.require_signed_tokens if isinstance(policy, ValidateJwt) else True
    signature = check_signature(token, signing_keys, require_signed)
    for key in signature.open_questions:
        run.ask(key)
    for text in signature.hints:
        run.hint(text)
    if signature.code is not None and isinstance(policy, ValidateJwt) and policy.certificate_ids:
        # A certificate stored in APIM (`<key certificate-id>`) might verify it: "rejected" would be a guess.
        raise EvaluationError(
            "no key available offline verifies the token, and the policy also trusts certificate(s) "
            f"{', '.join(policy.certificate_ids)} stored in API Management, which this check cannot read"
        )
    timing = lifetime(run, token)
    audience_failure = audience(run, token)
    issuer_failure = issuer(run, token, configurations)
    signature_failure = Reason(signature.code, signature.message) if signature.code is not None else None
    if signature.kid_unmatched:
        ordered = [timing, issuer_failure, audience_failure, signature_failure]
    else:
        ordered = [signature_failure, timing, audience_failure, issuer_failure]
    for reason in ordered:
        if reason is not None:
            run.reject(reason.code, reason.message)
    for reason in (*callers(run, token.claims), *required_claims(run, token.claims)):
        run.reject(reason.code, reason.message)
    origin_hints(run, token.claims)
    if signature.unsigned_accepted:
        outcome = "ACCEPTED WITHOUT A SIGNATURE" if not run.reasons else "SIGNATURE NOT CHECKED"
        run.warn(
            f'{outcome}: the policy sets require-signed-tokens="false", so the gateway skips the signature of '
            "this unsigned token (empty signature part, JsonWebTokenHandler `ValidateSignature`): anyone can "
            "write such a token. Remove the attribute."
        )
    return run.verdict(token_facts(token.claims, now))


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
    # validate-jwt-policy.md: "When using a custom header (header-name), the configured required scheme
    # (require-scheme) will be ignored": the value there is the token, prefix and all.
    if not location.is_authorization_header:
        run.hint(
            f"The token is read from the {location.describe()}, where the raw token is expected: "
            f"send it without the {scheme!r} prefix."
        )
        return value
    # require-scheme: "the policy will ensure that specified scheme is present in the Authorization
    # header value". Without it, the page's own Entra examples take "Bearer <token>"; any other scheme
    # is an open question (fidelity.OPEN_QUESTIONS["other-scheme"]).
    required = location.require_scheme or "Bearer"
    if location.require_scheme is None and scheme.lower() != "bearer":
        run.ask("other-scheme")
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
    """The keys in the order the library resolves them: the metadata's (`configuration.SigningKeys`),
    then the policy's own (`TokenValidationParameters.IssuerSigningKeys`)."""
    if isinstance(policy, ValidateJwt):
        configurations = tuple(metadata.openid_configuration(url) for url in policy.openid_config_urls)
        inline = policy.signing_keys
    else:
        configurations = (metadata.openid_configuration(policy.openid_config_url),)
        inline = ()
    fetched = tuple(key for config in configurations for key in metadata.signing_keys(config.jwks_uri))
    return fetched + inline, configurations
