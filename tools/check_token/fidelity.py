"""Whose behaviour the check applies, and the questions its sources leave open.

The gateway's `validate-jwt` and `validate-azure-ad-token` run Microsoft.IdentityModel: the
error-handling page (MicrosoftDocs/azure-docs, articles/api-management/
api-management-error-handling-policies.md, "Predefined errors for policies") gives their messages as
"<message from jwt library>". Every rule in this package cites the library file and member it follows,
read at the commit below; API Management's own additions (token location, required claims, client
application IDs, the reason codes) cite its policy pages.

Where neither source settles a question, the check applies one reading (a constant here, one line to
change) and reports the other outcome with the verdict (`Verdict.open_questions`, `--json`
`open_questions`), so nobody mistakes a reading for a fact.
"""

from __future__ import annotations

from dataclasses import dataclass

LIBRARY_NAME = "Microsoft.IdentityModel"
LIBRARY_VERSION = "8.2.0"
"""build/version.props `MicrosoftIdentityModelCurrentVersion` at the commit read."""
LIBRARY_SOURCE = "AzureAD/azure-activedirectory-identitymodel-extensions-for-dotnet"
LIBRARY_COMMIT = "c6b3b6a432e91bae209e2b31a20d8934c7eb025d"
"""2024-10-24, the newest snapshot read; which version API Management ships is not published."""

DOCS_SOURCE = "MicrosoftDocs/azure-docs articles/api-management"
DOCS_READ = (
    "validate-jwt-policy.md (ms.date 02/25/2026), validate-azure-ad-token-policy.md (commit 71789b1a), "
    "api-management-error-handling-policies.md"
)


def library_json() -> dict[str, str]:
    """The `library` member of `--json`: whose behaviour the verdict follows."""
    return {
        "name": LIBRARY_NAME,
        "version": LIBRARY_VERSION,
        "source": f"{LIBRARY_SOURCE}@{LIBRARY_COMMIT[:12]}",
        "documentation": f"{DOCS_SOURCE}: {DOCS_READ}",
    }


@dataclass(frozen=True)
class OpenQuestion:
    """A question the sources leave open, the reading applied, and what the other reading gives."""

    key: str
    question: str
    applied: str
    otherwise: str

    def to_json(self) -> dict[str, str]:
        return {"question": self.question, "applied": self.applied, "otherwise": self.otherwise}


# --- readings (each one line to change; each is reported when it decides a verdict) ---------------

ALGORITHMS_AS_DOCUMENTED = True
"""validate-jwt-policy.md "Usage notes" lists PS256, RS256, RS512, ES256 (and HS256/384/512 with an
inline key); SupportedAlgorithms.cs verifies RS384, PS384, PS512, ES384 and ES512 too. Whether the
gateway restricts the library (`TokenValidationParameters.ValidAlgorithms`) is not published."""

KEY_NOT_FOUND_WITHOUT_KID_IS_OWN_REASON = True
"""JsonWebTokenHandler.ValidateToken.cs `ValidateSignature`: a token without `kid` that no key
verifies ends in IDX10517, a SecurityTokenSignatureKeyNotFoundException (a subclass of
SecurityTokenInvalidSignatureException). Taken to map to TokenSignatureKeyNotFound (the most derived
type); a gateway testing for the base type first would log TokenSignatureInvalid."""

AZURE_AD_TOKEN_CLOCK_SKEW_SECONDS = 0
"""validate-azure-ad-token has no clock-skew attribute. Taken as 0 s, the default API Management
documents for validate-jwt's attribute; TokenValidationParameters.DefaultClockSkew is 300 s."""

NO_AUDIENCES_SKIPS_CHECK = True
"""A validator with no audience at all: taken as `ValidateAudience = false` (the check is skipped,
as an element documented "Required: No" suggests); with `ValidateAudience = true` and nothing to
compare with, Validators.ValidateAudience throws IDX10208 (TokenAudienceNotAllowed)."""

NO_ISSUER_SOURCE_SKIPS_CHECK = False
"""A validate-jwt with neither <issuers> nor openid-config: taken as `ValidateIssuer = true` (the
library default), so Validators.ValidateIssuerAsync throws IDX10204 (TokenIssuerNotAllowed); the
gateway might instead turn the check off."""

AZURE_AD_TOKEN_ISSUER_AS_AAD_VALIDATOR = True
"""validate-azure-ad-token is taken to check `iss` as Microsoft.IdentityModel.Validators
AadIssuerValidator does (the tenant's issuer for the token's version, `{tenantid}` filled with the
token's `tid`); its implementation is not published."""

OPEN_QUESTIONS = {
    question.key: question
    for question in (
        OpenQuestion(
            "algorithms",
            "Does the gateway verify algorithms the library supports but the policy page does not list "
            "(RS384, PS384, PS512, ES384, ES512)?",
            "no: only the documented PS256, RS256, RS512, ES256 (and HS256/384/512 with an inline key)",
            "yes: a valid signature with those algorithms is accepted",
        ),
        OpenQuestion(
            "key-not-found-without-kid",
            "Which reason does the gateway log for a token without kid that no key verifies "
            "(library IDX10517, SecurityTokenSignatureKeyNotFoundException)?",
            "TokenSignatureKeyNotFound",
            "TokenSignatureInvalid",
        ),
        OpenQuestion(
            "azure-ad-token-clock-skew",
            "What clock skew does validate-azure-ad-token allow (it has no attribute)?",
            "0 seconds",
            "300 seconds (the library's default): a token up to 5 minutes past exp, or before nbf, is accepted",
        ),
        OpenQuestion(
            "no-audiences",
            "Does a validator without any audience skip the audience check?",
            "yes: no audience is checked (the policy is weakened)",
            "no: every token is rejected with TokenAudienceNotAllowed (library IDX10208)",
        ),
        OpenQuestion(
            "no-issuer-source",
            "Does a validate-jwt without <issuers> or openid-config skip the issuer check?",
            "no: every token is rejected with TokenIssuerNotAllowed (library IDX10204)",
            "yes: no issuer is checked",
        ),
        OpenQuestion(
            "other-scheme",
            "Without require-scheme, what does the gateway make of an Authorization header with a scheme "
            "other than Bearer?",
            "no token is present: TokenNotPresent",
            "the whole value is read as the token: JwtInvalid",
        ),
        OpenQuestion(
            "azure-ad-token-issuer",
            "Does validate-azure-ad-token check iss as the library's AadIssuerValidator does?",
            "yes: the tenant's v2 or v1 issuer (the token's version), {tenantid} filled with the token's tid",
            "if it compared with the v2 issuer only, v1 tokens would be rejected with TokenIssuerNotAllowed",
        ),
    )
}
