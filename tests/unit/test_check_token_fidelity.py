"""Edge-case tokens, each with the verdict and first reason code Microsoft.IdentityModel gives, and
the source that says so (AzureAD/azure-activedirectory-identitymodel-extensions-for-dotnet at
c6b3b6a4, version 8.2.0; API Management's policy pages where the gateway adds its own rules).

Every key is made at test time (tests/token_fixtures.py); every token is signed or forged here.
"""

from __future__ import annotations

import base64
import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from jwt.algorithms import HMACAlgorithm, RSAAlgorithm

from tests.token_fixtures import (
    APP_ID_URI,
    BACKEND_ID,
    NOW,
    OTHER_TENANT,
    RSA_KID,
    TENANT,
    UNPUBLISHED_KID,
    app_claims,
    b64url,
    entra_metadata,
    hand_policy,
    issuer,
    jwt_policy_xml,
    key_material,
    no_network,
    segment,
    sign,
)
from tools.check_token.evaluation import evaluate
from tools.check_token.metadata import MetadataProvider
from tools.check_token.policy_xml import parse_policy
from tools.check_token.verdict import Verdict

OPENID = f'<openid-config url="https://login.microsoftonline.com/{TENANT}/v2.0/.well-known/openid-configuration" />'
AUDIENCE = f"<audiences><audience>{BACKEND_ID}</audience></audiences>"
SECRET16 = b"sixteen-byte-key"


def signed_raw(header: bytes, payload: bytes, *, key: rsa.RSAPrivateKey | None = None) -> str:
    """A valid RS256 signature over segments made from raw bytes (pyjwt would rewrite them)."""
    signing_input = f"{b64url(header)}.{b64url(payload)}"
    signature = RSAAlgorithm(RSAAlgorithm.SHA256).sign(signing_input.encode(), key or key_material().rsa)
    return f"{signing_input}.{b64url(signature)}"


def rs256(header: dict[str, object], claims: dict[str, object]) -> str:
    return signed_raw(json.dumps(header).encode(), json.dumps(claims).encode())


def hmac(claims: dict[str, object], secret: bytes, algorithm: str = "HS256", kid: str | None = None) -> str:
    header: dict[str, object] = {"alg": algorithm, **({"kid": kid} if kid else {})}
    signing_input = f"{segment(header)}.{segment(claims)}".encode()
    hashes = {"HS256": HMACAlgorithm.SHA256, "HS384": HMACAlgorithm.SHA384, "HS512": HMACAlgorithm.SHA512}
    return f"{signing_input.decode()}.{b64url(HMACAlgorithm(hashes[algorithm]).sign(signing_input, secret))}"


def inline_key_policy(secret: bytes) -> str:
    return hand_policy(
        f"<issuer-signing-keys><key>{base64.b64encode(secret).decode()}</key></issuer-signing-keys>"
        f"{AUDIENCE}<issuers><issuer>{issuer()}</issuer></issuers>"
    )


def signed_text(header: str, payload: str, spell: Callable[[str], str]) -> str:
    """A token whose segments are spelled by `spell`, signed over that spelling (the signature covers
    the text as sent: JsonWebTokenHandler `ValidateSignature` verifies `EncodedToken` up to Dot2)."""
    signing_input = f"{spell(header)}.{spell(payload)}"
    signature = RSAAlgorithm(RSAAlgorithm.SHA256).sign(signing_input.encode(), key_material().rsa)
    return f"{signing_input}.{spell(b64url(signature))}"


def padded(part: str) -> str:
    return part + "=" * (-len(part) % 4)


def standard_alphabet(part: str) -> str:
    return part.replace("-", "+").replace("_", "/")


HEADER = segment({"alg": "RS256", "kid": RSA_KID})


def jwks_with(**changes: object) -> dict[str, bytes]:
    jwks = key_material().jwks(include_ec=False)
    jwks["keys"][0].update(changes)
    return entra_metadata(jwks=jwks)


def certificate_jwks() -> dict[str, bytes]:
    """The published RSA key with an `x5c` (a self-signed certificate made now), as Entra publishes it."""
    key = key_material().rsa
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-only")])
    start = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    der = certificate.public_bytes(serialization.Encoding.DER)
    return jwks_with(x5c=[base64.b64encode(der).decode()])


def small_rsa_jwks() -> tuple[rsa.RSAPrivateKey, dict[str, bytes]]:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - the library's minimum
    jwk = {**json.loads(RSAAlgorithm.to_jwk(small.public_key())), "kid": "small-1"}
    return small, entra_metadata(jwks={"keys": [jwk]})


@dataclass(frozen=True)
class Case:
    name: str
    token: Callable[[], str]
    accepted: bool
    first: str | None
    """The first reason code (the one the gateway logs), when rejected."""
    source: str
    policy: Callable[[], str] = lambda: jwt_policy_xml(2)
    served: Callable[[], dict[str, bytes]] = entra_metadata
    warning: str | None = None
    question: str | None = None
    extra: dict[str, object] = field(default_factory=lambda: dict[str, object]())


CASES = [
    # --- reading the token: JsonWebToken.cs ReadToken, Base64UrlEncoding.cs, *ClaimSet.cs ---
    Case(
        "padding '=' is read",
        lambda: signed_text(HEADER, segment(app_claims(padding="xx")), padded),
        True,
        None,
        "Base64UrlEncoding.cs Decode: `else if (cur == IntEq) continue;`",
    ),
    Case(
        "the standard +/ alphabet is read",
        lambda: signed_text(HEADER, segment(app_claims(padding="?>?>")), standard_alphabet),
        True,
        None,
        "Base64UrlEncoding.cs Decode: `cur == IntPlus || cur == IntMinus` -> 62, `IntSlash || IntUnderscore` -> 63",
    ),
    Case(
        "a segment of 4n+1 characters is malformed",
        lambda: "e30AA.e30.",
        False,
        "JwtInvalid",
        "Base64UrlEncoding.cs ValidateAndGetOutputSize: `if (length % 4 == 1)` throws IDX10400",
    ),
    Case(
        "a duplicate claim keeps its last value",
        lambda: signed_raw(segment_json({"alg": "RS256", "kid": RSA_KID}), duplicate_aud_payload()),
        True,
        None,
        "JsonWebToken.PayloadClaimSet.cs ReadPayloadValue: `claims[...] = ...` (last one wins)",
    ),
    Case(
        "bytes after the payload's JSON object are not read",
        lambda: signed_raw(
            segment_json({"alg": "RS256", "kid": RSA_KID}), json.dumps(app_claims()).encode() + b" trailing"
        ),
        True,
        None,
        "JsonWebToken.PayloadClaimSet.cs CreatePayloadClaimSet: the loop breaks at the object's EndObject",
    ),
    Case(
        "crit naming an unknown extension is not interpreted",
        lambda: rs256(
            {"alg": "RS256", "kid": RSA_KID, "crit": ["urn:unknown"], "urn:unknown": 1}, app_claims()
        ),
        True,
        None,
        "JsonWebToken.HeaderClaimSet.cs: `crit` is an ordinary header member, never checked",
    ),
    Case(
        "b64 false is not interpreted",
        lambda: rs256({"alg": "RS256", "kid": RSA_KID, "b64": False, "crit": ["b64"]}, app_claims()),
        True,
        None,
        "JsonWebToken.HeaderClaimSet.cs: `b64` is an ordinary header member",
    ),
    Case(
        "exp given as a numeric string",
        lambda: rs256({"alg": "RS256", "kid": RSA_KID}, app_claims(exp=str(NOW + 600))),
        True,
        None,
        "JsonSerializerPrimitives.cs ReadLong: `JsonTokenType.String` -> long.TryParse",
    ),
    Case(
        "exp with a fraction",
        lambda: rs256({"alg": "RS256", "kid": RSA_KID}, app_claims(exp=NOW + 600.5)),
        True,
        None,
        "JsonSerializerPrimitives.cs ReadLong: TryGetDouble -> Convert.ToInt64",
    ),
    Case(
        "exp null is malformed",
        lambda: rs256({"alg": "RS256", "kid": RSA_KID}, {**app_claims(), "exp": None}),
        False,
        "JwtInvalid",
        "JsonSerializerPrimitives.cs ReadLong: a Null token throws",
    ),
    Case(
        "a numeric kid is malformed",
        lambda: rs256({"alg": "RS256", "kid": 7}, app_claims()),
        False,
        "JwtInvalid",
        "JsonWebToken.HeaderClaimSet.cs: kid is read with ReadString",
    ),
    Case(
        "a numeric iss is malformed",
        lambda: rs256({"alg": "RS256", "kid": RSA_KID}, app_claims(iss=7)),
        False,
        "JwtInvalid",
        "JsonWebToken.PayloadClaimSet.cs: iss is read with ReadString",
    ),
    Case(
        "a token of 40,000 characters is read",
        lambda: sign(app_claims(groups=["g" * 36] * 800)),
        True,
        None,
        "TokenValidationParameters.cs DefaultMaximumTokenSizeInBytes = 1024 * 250",
    ),
    # --- signature: JsonWebTokenHandler.ValidateToken.cs ValidateSignature ---
    Case(
        "alg none with an empty signature is unsigned",
        lambda: f"{segment({'alg': 'none'})}.{segment(app_claims())}.",
        False,
        "TokenSignatureInvalid",
        "JsonWebToken.cs `IsSigned = !(Dot2 + 1 == length)`; ValidateSignature IDX10504",
    ),
    Case(
        "an unsigned RS256 token passes require-signed-tokens=false",
        lambda: f"{segment({'alg': 'RS256'})}.{segment(app_claims())}.",
        True,
        None,
        "ValidateSignature: `if (!jwtToken.IsSigned) ... else return jwtToken;`",
        policy=lambda: hand_policy(OPENID + AUDIENCE, **{"require-signed-tokens": "false"}),
        warning="ACCEPTED WITHOUT A SIGNATURE",
    ),
    Case(
        "alg none with a signature and a known kid",
        lambda: f"{segment({'alg': 'none', 'kid': RSA_KID})}.{segment(app_claims())}.c2ln",
        False,
        "TokenSignatureInvalid",
        "ValidateSignature: kid resolved, IsSupportedAlgorithm false -> IDX10511",
    ),
    Case(
        "no alg, no kid: no key can verify",
        lambda: f"{segment({'typ': 'JWT'})}.{segment(app_claims())}.c2ln",
        False,
        "TokenSignatureKeyNotFound",
        "ValidateSignature: keys tried, no kid -> IDX10517",
        question="key-not-found-without-kid",
    ),
    Case(
        "HS256 forged with the public key, known kid",
        lambda: hmac(app_claims(), key_material().rsa_public_pem(), kid=RSA_KID),
        False,
        "TokenSignatureInvalid",
        "SupportedAlgorithms.cs IsSupportedAlgorithm: RsaSecurityKey, HS256 -> false; kid matched -> IDX10511",
    ),
    Case(
        "HS256 forged with the public key, no kid",
        lambda: hmac(app_claims(), key_material().rsa_public_pem()),
        False,
        "TokenSignatureKeyNotFound",
        "ValidateSignature: no key supports HS256, no kid -> IDX10517",
    ),
    Case(
        "unknown kid and expired: expiry is reported first",
        lambda: sign(app_claims(exp=NOW - 3600), key=key_material().unpublished, kid=UNPUBLISHED_KID),
        False,
        "TokenExpired",
        "ValidateSignature -> InternalValidators.cs ValidateAfterSignatureFailed (lifetime first)",
    ),
    Case(
        "unknown kid, wrong issuer and audience: issuer first",
        lambda: sign(
            app_claims(aud="other", iss=issuer(2, OTHER_TENANT)),
            key=key_material().unpublished,
            kid=UNPUBLISHED_KID,
        ),
        False,
        "TokenIssuerNotAllowed",
        "InternalValidators.cs ValidateAfterSignatureFailed: ValidateLifetime, ValidateIssuer, ValidateAudience",
    ),
    Case(
        "known kid, wrong key, expired: the signature is reported first",
        lambda: sign(app_claims(exp=NOW - 3600), key=key_material().unpublished),
        False,
        "TokenSignatureInvalid",
        "ValidateJWSAsync: ValidateSignatureAndIssuerSecurityKey before ValidateTokenPayloadAsync",
    ),
    Case(
        "valid signature, wrong issuer and audience: audience first",
        lambda: sign(app_claims(aud="other", iss=issuer(2, OTHER_TENANT))),
        False,
        "TokenAudienceNotAllowed",
        "ValidateTokenPayloadAsync: ValidateLifetime, ValidateAudience, ValidateIssuerAsync",
    ),
    Case(
        "a 1024-bit RSA key verifies RS256",
        lambda: sign(app_claims(), key=SMALL[0], kid="small-1"),
        True,
        None,
        "AsymmetricSignatureProvider.cs DefaultMinimumAsymmetricKeySizeInBitsForVerifyingMap: RsaSha256 1024",
        served=lambda: SMALL[1],
    ),
    Case(
        "a 128-bit inline key verifies HS256",
        lambda: hmac(app_claims(), SECRET16),
        True,
        None,
        "SymmetricSignatureProvider.cs DefaultMinimumSymmetricKeySizeInBits = 128",
        policy=lambda: inline_key_policy(SECRET16),
    ),
    Case(
        "a 120-bit inline key is too short",
        lambda: hmac(app_claims(), SECRET16[:15]),
        False,
        "TokenSignatureKeyNotFound",
        "SymmetricSignatureProvider.cs: KeySize < 128 throws IDX10653 (caught per key)",
        policy=lambda: inline_key_policy(SECRET16[:15]),
    ),
    Case(
        "HS512 with an inline key",
        lambda: hmac(app_claims(), SECRET16 * 4, "HS512"),
        True,
        None,
        "SupportedAlgorithms.cs SymmetricSigningAlgorithms; validate-jwt-policy.md (HS512)",
        policy=lambda: inline_key_policy(SECRET16 * 4),
    ),
    Case(
        "RS384 is not among the documented algorithms",
        lambda: sign(app_claims(), algorithm="RS384"),
        False,
        "TokenSignatureInvalid",
        "validate-jwt-policy.md Usage notes: PS256, RS256, RS512, ES256",
        question="algorithms",
    ),
    Case(
        "a JWK's alg does not restrict the key",
        lambda: sign(app_claims(), algorithm="PS256"),
        True,
        None,
        "JsonWebKeyConverter.cs: an RsaSecurityKey keeps only the key id",
        served=lambda: jwks_with(alg="RS256"),
    ),
    Case(
        "a JWK with use '' is a signing key",
        lambda: sign(app_claims()),
        True,
        None,
        "JsonWebKeySet.cs GetSigningKeys: skipped only when `use` is not empty and not 'sig'",
        served=lambda: jwks_with(use=""),
    ),
    Case(
        "a JWK with use 'enc' is skipped",
        lambda: sign(app_claims()),
        False,
        "TokenSignatureKeyNotFound",
        "JsonWebKeySet.cs GetSigningKeys: `use` not 'sig' -> skipped (IDX10808)",
        served=lambda: jwks_with(use="enc"),
    ),
    Case(
        "kid in another letter case resolves a certificate key",
        lambda: sign(app_claims(exp=NOW - 3600), key=key_material().unpublished, kid=RSA_KID.upper()),
        False,
        "TokenSignatureInvalid",
        "JwtTokenUtilities.cs ResolveTokenSigningKey: X509SecurityKey kid compared OrdinalIgnoreCase -> IDX10511",
        served=certificate_jwks,
    ),
    Case(
        "kid in another letter case does not resolve a bare RSA key",
        lambda: sign(app_claims(exp=NOW - 3600), key=key_material().unpublished, kid=RSA_KID.upper()),
        False,
        "TokenExpired",
        "ResolveTokenSigningKey: RsaSecurityKey kid compared ordinally -> unmatched -> ValidateAfterSignatureFailed",
    ),
    # --- lifetime: ValidatorUtilities.cs ValidateLifetime ---
    Case(
        "nbf after exp",
        lambda: sign(app_claims(nbf=NOW + 100, exp=NOW + 50)),
        False,
        "JwtInvalid",
        "ValidatorUtilities.cs: `notBefore.Value > expires.Value` -> IDX10224",
    ),
    Case(
        "expired exactly clock-skew seconds ago",
        lambda: sign(app_claims(exp=NOW - 60)),
        True,
        None,
        "ValidatorUtilities.cs: expired only when `expires < utcNow - ClockSkew`",
    ),
    Case(
        "expired one second more",
        lambda: sign(app_claims(exp=NOW - 61)),
        False,
        "TokenExpired",
        "ValidatorUtilities.cs: SecurityTokenExpiredException IDX10223",
    ),
    # --- audience: Validators.cs ValidateAudience ---
    Case(
        "an audience with a trailing slash",
        lambda: sign(app_claims(aud=BACKEND_ID + "/")),
        True,
        None,
        "Validators.cs AudiencesMatchIgnoringTrailingSlash; IgnoreTrailingSlashWhenValidatingAudience = true",
    ),
    Case(
        "an audience in another letter case",
        lambda: sign(app_claims(aud=BACKEND_ID.upper())),
        False,
        "TokenAudienceNotAllowed",
        "Validators.cs AudiencesMatch: string.Equals (ordinal)",
    ),
    Case(
        "null entries in aud are skipped",
        lambda: sign(app_claims(aud=[None, BACKEND_ID])),
        True,
        None,
        "JsonSerializerPrimitives.cs ReadStringsSkipNulls",
    ),
    Case(
        "no aud",
        lambda: sign(app_claims(aud=None)),
        False,
        "TokenAudienceNotAllowed",
        "Validators.cs ValidateAudience: `!audiences.Any()` -> IDX10206",
    ),
    Case(
        "a policy with no audience",
        lambda: sign(app_claims(aud="anything")),
        True,
        None,
        "validate-jwt-policy.md: <audiences> Required: No",
        policy=lambda: hand_policy(OPENID),
        warning="no audience",
        question="no-audiences",
    ),
    # --- issuer: Validators.cs ValidateIssuerAsync ---
    Case(
        "<issuers> add to the openid-config issuer",
        lambda: sign(app_claims()),
        True,
        None,
        "Validators.cs ValidateIssuerAsync: configuration.Issuer, then ValidIssuer, then ValidIssuers",
        policy=lambda: hand_policy(
            OPENID + AUDIENCE + "<issuers><issuer>https://elsewhere/</issuer></issuers>"
        ),
    ),
    # --- validate-azure-ad-token ---
    Case(
        "audiences without client-application-ids",
        lambda: sign(app_claims(azp="any-client")),
        True,
        None,
        "validate-azure-ad-token-policy.md (71789b1a): client-application-ids Required: No",
        policy=lambda: azure_without_clients(),
    ),
    Case(
        "a v1 token without tid names no tenant",
        lambda: sign(app_claims(1, tid=None)),
        False,
        "TokenIssuerNotAllowed",
        "AadIssuerValidator.cs GetTenantIdFromIss: a v1 issuer has 2 Uri segments -> IDX40003",
        policy=lambda: azure_without_clients(),
        question="azure-ad-token-issuer",
    ),
    Case(
        "a v2 token without tid takes its tenant from iss",
        lambda: sign(app_claims(tid=None)),
        True,
        None,
        "AadIssuerValidator.cs GetTenantIdFromIss: `uri.Segments.Length == 3`",
        policy=lambda: azure_without_clients(),
    ),
    Case(
        "validate-azure-ad-token for any organisation",
        lambda: sign(app_claims(iss=issuer(2, OTHER_TENANT), tid=OTHER_TENANT)),
        True,
        None,
        "AadIssuerValidator.cs IsValidIssuer: {tenantid} filled with the token's tid",
        policy=lambda: azure_without_clients().replace(TENANT, "organizations"),
        served=lambda: organizations_metadata(),
        warning="ANY Entra tenant",
    ),
    Case(
        "multi-tenant openid-config without <issuers>",
        lambda: sign(app_claims(iss=issuer(2, OTHER_TENANT), tid=OTHER_TENANT)),
        False,
        "TokenIssuerNotAllowed",
        "Validators.cs ValidateIssuerAsync: the configuration's issuer (a template) compared ordinally",
        policy=lambda: hand_policy(
            '<openid-config url="https://login.microsoftonline.com/organizations/v2.0/.well-known/openid-configuration" />'
            + AUDIENCE
        ),
        served=lambda: organizations_metadata(),
        warning="multi-tenant openid-config",
    ),
    Case(
        "validate-azure-ad-token, expired 100 s ago",
        lambda: sign(app_claims(exp=NOW - 100)),
        False,
        "TokenExpired",
        "no clock-skew attribute: 0 s applied; TokenValidationParameters.DefaultClockSkew (300 s) would accept",
        policy=lambda: azure_without_clients(),
        question="azure-ad-token-clock-skew",
    ),
    Case(
        "validate-azure-ad-token, a v1 token",
        lambda: sign(app_claims(1)),
        True,
        None,
        "AadIssuerValidator.cs GetTokenIssuerVersion: a v1 issuer is checked against the v1 metadata's",
        policy=lambda: azure_without_clients(),
        question="azure-ad-token-issuer",
    ),
    # --- token location: validate-jwt-policy.md, require-scheme ---
    Case(
        "Bearer without require-scheme",
        lambda: "Bearer " + sign(app_claims()),
        True,
        None,
        "validate-jwt-policy.md: the Entra examples set no require-scheme and take 'Bearer <token>'",
        policy=lambda: hand_policy(OPENID + AUDIENCE, **{"require-scheme": ""}),
    ),
    Case(
        "another scheme without require-scheme",
        lambda: "Basic " + sign(app_claims()),
        False,
        "TokenNotPresent",
        "not published: reported as an open question",
        policy=lambda: hand_policy(OPENID + AUDIENCE, **{"require-scheme": ""}),
        question="other-scheme",
    ),
    # --- warnings for weakening policies ---
    Case(
        "clock skew above five minutes",
        lambda: sign(app_claims(exp=NOW - 500)),
        True,
        None,
        "TokenValidationParameters.cs DefaultClockSkew (300 s) as the yardstick",
        policy=lambda: hand_policy(OPENID + AUDIENCE, **{"clock-skew": "600"}),
        warning="clock-skew=600",
    ),
]


def segment_json(value: object) -> bytes:
    return json.dumps(value).encode()


def duplicate_aud_payload() -> bytes:
    body = json.dumps(app_claims())
    return ('{"aud": "someone-else", ' + body[1:]).encode()


def azure_without_clients() -> str:
    return (
        f'<validate-azure-ad-token tenant-id="{TENANT}"><audiences><audience>{BACKEND_ID}</audience>'
        f"<audience>{APP_ID_URI}</audience></audiences></validate-azure-ad-token>"
    )


SMALL = small_rsa_jwks()


def organizations_metadata() -> dict[str, bytes]:
    base = "https://login.microsoftonline.com/organizations"
    return {
        f"{base}/v2.0/.well-known/openid-configuration": json.dumps(
            {
                "issuer": "https://login.microsoftonline.com/{tenantid}/v2.0",
                "jwks_uri": f"{base}/discovery/v2.0/keys",
            }
        ).encode(),
        f"{base}/discovery/v2.0/keys": json.dumps(key_material().jwks()).encode(),
    }


def run(case: Case) -> Verdict:
    provider = MetadataProvider(case.served(), fetch=no_network)
    return evaluate(case.token(), parse_policy(case.policy()), provider, NOW)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_library_gives_this_verdict(case: Case) -> None:
    verdict = run(case)
    assert verdict.accepted is case.accepted, (case.source, verdict.reasons)
    if case.first is not None:
        assert verdict.reasons[0].code == case.first, (case.source, verdict.reasons)
    if case.warning is not None:
        assert any(case.warning in warning for warning in verdict.warnings), verdict.warnings
    if case.question is not None:
        assert case.question in verdict.open_questions


def test_unknown_kid_and_expired_lists_every_failure_in_the_librarys_order() -> None:
    token = sign(
        app_claims(exp=NOW - 7200, aud="someone-else", roles=None),
        key=key_material().unpublished,
        kid=UNPUBLISHED_KID,
    )
    verdict = run(Case("", lambda: token, False, None, ""))
    assert [reason.code for reason in verdict.reasons] == [
        "TokenExpired",
        "TokenAudienceNotAllowed",
        "TokenSignatureKeyNotFound",
        "TokenClaimNotFound",
    ]
