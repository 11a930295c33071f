"""The token evaluator: verdicts and reason codes for real tokens against the project's policies."""

from __future__ import annotations

import base64
import contextlib
import json
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jwt.algorithms import HMACAlgorithm, RSAAlgorithm

from apim_oauth.azure.clouds import CLOUDS
from apim_oauth.policies.model import ClaimRequirement
from tests.token_fixtures import (
    APP_ID_URI,
    BACKEND_ID,
    CALLER_ID,
    EC_KID,
    NOW,
    OTHER_CALLER_ID,
    OTHER_TENANT,
    ROLE,
    RSA_KID,
    SCOPE,
    TENANT,
    UNPUBLISHED_KID,
    app_claims,
    assemble,
    azure_ad_policy_xml,
    b64url,
    entra_metadata,
    hand_policy,
    issuer,
    jwt_policy_xml,
    key_material,
    no_network,
    segment,
    sign,
    sign_payload,
    user_claims,
)
from tools.check_token.evaluation import evaluate
from tools.check_token.issuers import describe_issuer
from tools.check_token.jws import MAX_TOKEN_CHARS
from tools.check_token.metadata import MetadataProvider
from tools.check_token.policy import Policy, ValidateAzureAdToken, ValidateJwt
from tools.check_token.policy_xml import parse_policy
from tools.check_token.verdict import EvaluationError, Verdict
from tools.policy_xml.document import PolicyError

V2_ROLE_POLICY = parse_policy(jwt_policy_xml(2))
V2_SCOPE_POLICY = parse_policy(jwt_policy_xml(2, claims=(ClaimRequirement.scopes([SCOPE]),)))
V1_ROLE_POLICY = parse_policy(jwt_policy_xml(1))


def check(
    token: str, policy: Policy | str = V2_ROLE_POLICY, now: float = NOW, /, **metadata: bytes
) -> Verdict:
    """Evaluate with Entra's metadata served from memory; the network is never touched."""
    parsed = parse_policy(policy) if isinstance(policy, str) else policy
    served = {**entra_metadata(), **entra_metadata(OTHER_TENANT), **metadata}
    return evaluate(token, parsed, MetadataProvider(served, fetch=no_network), now)


def codes(verdict: Verdict) -> list[str]:
    return [reason.code for reason in verdict.reasons]


def hints(verdict: Verdict) -> str:
    return "\n".join(verdict.hints)


# --- what must be accepted ----------------------------------------------------------------------


def test_v2_client_credentials_token_with_the_role_is_accepted() -> None:
    verdict = check(sign(app_claims()))
    assert verdict.accepted, verdict.reasons
    assert verdict.reasons == ()
    assert ("caller (azp)", CALLER_ID) in verdict.token_facts


def test_delegated_token_with_the_scope_is_accepted() -> None:
    verdict = check(sign(user_claims()), V2_SCOPE_POLICY)
    assert verdict.accepted, verdict.reasons


def test_v1_token_is_accepted_where_the_policy_allows_v1() -> None:
    # v1: sts.windows.net issuer, App ID URI audience, appid caller, v1 discovery document and JWKS.
    verdict = check(sign(app_claims(1)), V1_ROLE_POLICY)
    assert verdict.accepted, verdict.reasons


def test_v1_policy_also_accepts_the_client_id_as_audience() -> None:
    assert check(sign(app_claims(1, aud=BACKEND_ID)), V1_ROLE_POLICY).accepted


def test_token_in_a_bearer_header_value_is_accepted() -> None:
    assert check("Bearer " + sign(app_claims())).accepted


def test_validator_inside_choose_when_is_found_with_its_condition() -> None:
    policy = parse_policy(jwt_policy_xml(2, subscription_key_alternative=True))
    assert isinstance(policy, ValidateJwt)
    assert policy.condition == "@(context.Subscription == null)"
    assert check(sign(app_claims()), policy).accepted


@pytest.mark.parametrize("algorithm", ["RS256", "RS512", "PS256"])
def test_rsa_algorithms_the_gateway_accepts(algorithm: str) -> None:
    assert check(sign(app_claims(), algorithm=algorithm)).accepted


def test_es256_token_verified_with_the_ec_key_of_the_jwks() -> None:
    assert check(sign(app_claims(), algorithm="ES256", kid=EC_KID)).accepted


def test_unknown_kid_is_accepted_when_a_published_key_verifies_it() -> None:
    # The try-all rule: a kid that matches no key makes the gateway try every key.
    assert check(sign(app_claims(), kid="rotated-away")).accepted


def test_token_without_kid_is_verified_by_trying_every_key() -> None:
    assert check(sign(app_claims(), kid=None)).accepted


def test_clock_skew_tolerates_a_token_that_just_expired() -> None:
    token = sign(app_claims(exp=NOW - 59))
    assert check(token).accepted  # rendered policy: clock-skew 60
    assert codes(check(sign(app_claims(exp=NOW - 61)))) == ["TokenExpired"]


# --- signatures ---------------------------------------------------------------------------------


def test_alg_none_is_rejected_as_unsigned() -> None:
    token = assemble({"alg": "none", "typ": "JWT"}, app_claims())
    verdict = check(token)
    assert codes(verdict) == ["TokenSignatureInvalid"]
    assert "unsigned" in verdict.reasons[0].message


@pytest.mark.parametrize("alg", ["None", "NONE"])
def test_alg_none_in_any_letter_case_is_rejected(alg: str) -> None:
    assert codes(check(assemble({"alg": alg}, app_claims()))) == ["TokenSignatureInvalid"]


def test_unknown_kid_signed_by_an_unpublished_key_is_key_not_found() -> None:
    token = sign(app_claims(), key=key_material().unpublished, kid=UNPUBLISHED_KID)
    verdict = check(token)
    assert codes(verdict) == ["TokenSignatureKeyNotFound"]
    assert UNPUBLISHED_KID in verdict.reasons[0].message
    assert "stale" in hints(verdict)


def test_known_kid_with_a_signature_of_another_key_is_signature_invalid() -> None:
    token = sign(app_claims(), key=key_material().unpublished, kid=RSA_KID)
    assert codes(check(token)) == ["TokenSignatureInvalid"]


def test_tampered_payload_is_rejected() -> None:
    header, _, signature = sign(app_claims()).split(".")
    forged = segment(app_claims(roles=["Product.Admin.All", ROLE]))
    assert codes(check(f"{header}.{forged}.{signature}")) == ["TokenSignatureInvalid"]


def test_tampered_signature_is_rejected() -> None:
    header, payload, signature = sign(app_claims()).split(".")
    middle = len(signature) // 2
    flipped = "A" if signature[middle] != "A" else "B"
    tampered = signature[:middle] + flipped + signature[middle + 1 :]
    assert codes(check(f"{header}.{payload}.{tampered}")) == ["TokenSignatureInvalid"]


def test_algorithm_the_gateway_does_not_accept_is_rejected() -> None:
    verdict = check(sign(app_claims(), algorithm="RS384"))
    assert codes(verdict) == ["TokenSignatureInvalid"]
    assert "RS384" in verdict.reasons[0].message


def test_inline_symmetric_key_verifies_hs256_and_a_wrong_secret_does_not() -> None:
    secret = b"an-inline-256-bit-secret-for-tests!"
    policy = hand_policy(
        f"<issuer-signing-keys><key>{base64.b64encode(secret).decode()}</key></issuer-signing-keys>"
        f"<audiences><audience>{BACKEND_ID}</audience></audiences>"
        f"<issuers><issuer>{issuer()}</issuer></issuers>"
    )
    assert check(sign(app_claims(), algorithm="HS256", key=secret, kid=None), policy).accepted
    wrong = sign(app_claims(), algorithm="HS256", key=b"x" * 40, kid=None)
    # No kid and no key verifies: JsonWebTokenHandler.ValidateToken.cs `ValidateSignature`, IDX10517.
    assert codes(check(wrong, policy)) == ["TokenSignatureKeyNotFound"]


def test_inline_rsa_modulus_and_exponent_verify_rs256() -> None:
    numbers = key_material().rsa.public_key().public_numbers()
    n = b64url(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big"))
    policy = hand_policy(
        f'<issuer-signing-keys><key id="inline-1" n="{n}" e="AQAB" /></issuer-signing-keys>'
        f"<audiences><audience>{BACKEND_ID}</audience></audiences>"
        f"<issuers><issuer>{issuer()}</issuer></issuers>"
    )
    assert check(sign(app_claims(), kid="inline-1"), policy).accepted
    other = sign(app_claims(), key=key_material().unpublished, kid="inline-1")
    assert codes(check(other, policy)) == ["TokenSignatureInvalid"]


def test_certificate_keys_make_an_unverifiable_token_inconclusive() -> None:
    policy = hand_policy(
        '<issuer-signing-keys><key certificate-id="partner-cert" /></issuer-signing-keys>'
        f"<audiences><audience>{BACKEND_ID}</audience></audiences>"
    )
    with pytest.raises(EvaluationError, match="partner-cert"):
        check(sign(app_claims()), policy)


# --- lifetime -----------------------------------------------------------------------------------


def test_expired_token_says_by_how_much() -> None:
    verdict = check(sign(app_claims(exp=NOW - 2 * 3600 - 5 * 60)))
    assert codes(verdict) == ["TokenExpired"]
    assert "2 h 5 min" in verdict.reasons[0].message
    assert "Expired 2 h 5 min ago" in hints(verdict)


def test_not_yet_valid_token_is_rejected() -> None:
    verdict = check(sign(app_claims(nbf=NOW + 600)))
    assert codes(verdict) == ["JwtInvalid"]
    assert "not valid before" in verdict.reasons[0].message


def test_missing_exp_is_rejected_unless_the_policy_waives_it() -> None:
    token = sign(app_claims(exp=None))
    assert codes(check(token)) == ["JwtInvalid"]
    lenient = hand_policy(
        f'<openid-config url="{CLOUDS["global"].openid_config_url(TENANT, 2)}" />'
        f"<audiences><audience>{BACKEND_ID}</audience></audiences>",
        **{"require-expiration-time": "false"},
    )
    assert check(token, lenient).accepted


def test_non_numeric_exp_is_rejected() -> None:
    assert codes(check(sign(app_claims(exp="tomorrow")))) == ["JwtInvalid"]


# --- audience and issuer ------------------------------------------------------------------------


def test_wrong_audience_is_rejected() -> None:
    verdict = check(sign(app_claims(aud="00000003-0000-0000-c000-000000000000")))
    assert codes(verdict) == ["TokenAudienceNotAllowed"]
    assert BACKEND_ID in verdict.reasons[0].message


def test_audience_in_another_letter_case_is_rejected() -> None:
    verdict = check(sign(app_claims(aud=BACKEND_ID.upper())))
    assert codes(verdict) == ["TokenAudienceNotAllowed"]
    assert "letter case" in hints(verdict)


def test_token_from_another_tenant_is_rejected_with_a_tenant_hint() -> None:
    token = sign(app_claims(iss=issuer(2, OTHER_TENANT), tid=OTHER_TENANT))
    verdict = check(token)
    assert codes(verdict) == ["TokenIssuerNotAllowed"]
    assert f"issued by tenant {OTHER_TENANT}" in hints(verdict)


def test_token_from_another_cloud_is_rejected_with_a_cloud_hint() -> None:
    token = sign(app_claims(iss=issuer(2, TENANT, "china")))
    verdict = check(token)
    assert codes(verdict) == ["TokenIssuerNotAllowed"]
    assert "another cloud (china" in hints(verdict)
    assert "login.microsoftonline.com" in hints(verdict)


def test_china_v1_issuer_host_is_not_its_login_host() -> None:
    policy = jwt_policy_xml(1, cloud="china")
    served = entra_metadata(cloud="china")
    china_v1 = app_claims(1, iss=CLOUDS["china"].issuer(TENANT, 1))
    assert check(sign(china_v1), policy, **served).accepted
    login_host_as_issuer = app_claims(1, iss=f"https://login.partner.microsoftonline.cn/{TENANT}/")
    assert codes(check(sign(login_host_as_issuer), policy, **served)) == ["TokenIssuerNotAllowed"]


def test_v1_token_against_a_v2_policy_explains_the_app_registration_fix() -> None:
    verdict = check(sign(app_claims(1)))
    assert codes(verdict) == ["TokenAudienceNotAllowed", "TokenIssuerNotAllowed"]
    assert "requestedAccessTokenVersion" in hints(verdict)
    assert "v1.0 access token" in hints(verdict)


def test_v2_token_against_a_v1_policy_is_rejected_with_a_version_hint() -> None:
    verdict = check(sign(app_claims(2, aud=APP_ID_URI)), V1_ROLE_POLICY)
    assert codes(verdict) == ["TokenIssuerNotAllowed"]
    assert "v2.0 access token" in hints(verdict)


def test_without_issuers_the_discovered_issuer_is_required() -> None:
    policy = hand_policy(
        f'<openid-config url="{CLOUDS["global"].openid_config_url(TENANT, 1)}" />'
        f"<audiences><audience>{BACKEND_ID}</audience><audience>{APP_ID_URI}</audience></audiences>"
    )
    assert check(sign(app_claims(1)), policy).accepted
    verdict = check(sign(app_claims(2)), policy)
    assert codes(verdict) == ["TokenIssuerNotAllowed"]
    assert "v2.0 access token" in hints(verdict)


# --- required claims ----------------------------------------------------------------------------


def test_missing_roles_is_claim_not_found_with_a_consent_hint() -> None:
    verdict = check(sign(app_claims(roles=None)))
    assert codes(verdict) == ["TokenClaimNotFound"]
    assert verdict.reasons[0].message == "JWT token is missing the following claims: roles. Access denied."
    assert "admin consent" in hints(verdict)


def test_wrong_role_is_claim_value_not_allowed() -> None:
    verdict = check(sign(app_claims(roles=["Product.Other.All"])))
    assert codes(verdict) == ["TokenClaimValueNotAllowed"]
    assert verdict.reasons[0].message.startswith("Claim roles value of Product.Other.All is not allowed.")


def test_scp_required_of_a_client_credentials_token_explains_the_trap() -> None:
    verdict = check(sign(app_claims()), V2_SCOPE_POLICY)
    assert codes(verdict) == ["TokenClaimNotFound"]
    assert "carry roles, never scp" in hints(verdict)


def test_scp_trap_is_recognised_without_idtyp() -> None:
    verdict = check(sign(app_claims(idtyp=None)), V2_SCOPE_POLICY)
    assert "carry roles, never scp" in hints(verdict)


def test_roles_required_of_a_delegated_token_explains_the_difference() -> None:
    verdict = check(sign(user_claims()))
    assert codes(verdict) == ["TokenClaimNotFound"]
    assert "delegated (user) token" in hints(verdict)


def test_wrong_scope_is_claim_value_not_allowed() -> None:
    verdict = check(sign(user_claims(scp="User.Read Orders.Write")), V2_SCOPE_POLICY)
    assert codes(verdict) == ["TokenClaimValueNotAllowed"]
    assert "Orders.Write" in verdict.reasons[0].message


def test_match_all_needs_every_value_and_any_needs_one() -> None:
    both = (ClaimRequirement.roles([ROLE, "Orders.Write"], "all"),)
    either = (ClaimRequirement.roles([ROLE, "Orders.Write"], "any"),)
    token = sign(app_claims(roles=[ROLE]))
    assert codes(check(token, jwt_policy_xml(2, claims=both))) == ["TokenClaimValueNotAllowed"]
    assert check(token, jwt_policy_xml(2, claims=either)).accepted
    assert check(sign(app_claims(roles=["Orders.Write", ROLE])), jwt_policy_xml(2, claims=both)).accepted


def test_separator_splits_the_scope_string_and_not_a_substring() -> None:
    scopes = (ClaimRequirement.scopes(["Orders.Read"]),)
    assert check(sign(user_claims(scp="Orders.Read")), jwt_policy_xml(2, claims=scopes)).accepted
    substring = sign(user_claims(scp="Orders.ReadWrite"))
    assert codes(check(substring, jwt_policy_xml(2, claims=scopes))) == ["TokenClaimValueNotAllowed"]


def test_required_claim_with_no_values_needs_presence_only() -> None:
    policy = hand_policy(
        f'<openid-config url="{CLOUDS["global"].openid_config_url(TENANT, 2)}" />'
        f"<audiences><audience>{BACKEND_ID}</audience></audiences>"
        '<required-claims><claim name="azpacr" /></required-claims>'
    )
    assert check(sign(app_claims()), policy).accepted
    assert codes(check(sign(app_claims(azpacr=None)), policy)) == ["TokenClaimNotFound"]


def test_every_failure_is_reported_in_the_gateways_order() -> None:
    token = sign(app_claims(exp=NOW - 7200, aud="someone-else", roles=None), key=key_material().unpublished)
    assert codes(check(token)) == [
        "TokenSignatureInvalid",
        "TokenExpired",
        "TokenAudienceNotAllowed",
        "TokenClaimNotFound",
    ]


# --- validate-azure-ad-token --------------------------------------------------------------------


def test_azure_ad_token_accepts_v2_and_v1_tokens_of_an_allowed_client() -> None:
    policy = azure_ad_policy_xml()
    assert check(sign(app_claims(2)), policy).accepted
    assert check(sign(app_claims(1)), policy).accepted


def test_azure_ad_token_rejects_a_client_not_listed() -> None:
    verdict = check(sign(app_claims(azp=OTHER_CALLER_ID)), azure_ad_policy_xml())
    assert codes(verdict) == ["TokenClaimValueNotAllowed"]
    assert "client-application-ids" in hints(verdict)
    v1 = check(sign(app_claims(1, appid=OTHER_CALLER_ID)), azure_ad_policy_xml())
    assert codes(v1) == ["TokenClaimValueNotAllowed"]
    assert "Claim appid value" in v1.reasons[0].message


def test_azure_ad_token_without_a_caller_claim_is_claim_not_found() -> None:
    assert codes(check(sign(app_claims(azp=None)), azure_ad_policy_xml())) == ["TokenClaimNotFound"]


def test_azure_ad_token_rejects_another_tenants_token() -> None:
    token = sign(app_claims(iss=issuer(2, OTHER_TENANT), tid=OTHER_TENANT))
    verdict = check(token, azure_ad_policy_xml())
    assert codes(verdict) == ["TokenIssuerNotAllowed"]
    assert OTHER_TENANT in hints(verdict)


def test_azure_ad_token_uses_the_clouds_metadata() -> None:
    policy = parse_policy(azure_ad_policy_xml(cloud="china"))
    assert isinstance(policy, ValidateAzureAdToken)
    assert policy.openid_config_url == CLOUDS["china"].openid_config_url(TENANT, 2)
    china = app_claims(iss=issuer(2, TENANT, "china"))
    assert check(sign(china), policy, **entra_metadata(cloud="china")).accepted
    verdict = check(sign(app_claims()), policy, **entra_metadata(cloud="china"))
    assert codes(verdict) == ["TokenIssuerNotAllowed"]
    assert "another cloud (global" in hints(verdict)


def test_azure_ad_token_for_organizations_fills_the_tenant_template() -> None:
    policy = azure_ad_policy_xml(tenant="organizations.example.com").replace(
        "organizations.example.com", "organizations"
    )
    template = {
        "issuer": "https://login.microsoftonline.com/{tenantid}/v2.0",
        "jwks_uri": CLOUDS["global"].jwks_url("organizations", 2),
    }
    served = {
        CLOUDS["global"].openid_config_url("organizations", 2): json.dumps(template).encode(),
        CLOUDS["global"].jwks_url("organizations", 2): json.dumps(key_material().jwks()).encode(),
    }
    other = sign(app_claims(iss=issuer(2, OTHER_TENANT), tid=OTHER_TENANT))
    assert check(other, policy, **served).accepted
    mismatched = sign(app_claims(iss=issuer(2, OTHER_TENANT), tid=TENANT))
    assert codes(check(mismatched, policy, **served)) == ["TokenIssuerNotAllowed"]


def test_azure_ad_token_requires_its_claims() -> None:
    policy = azure_ad_policy_xml(claims=(ClaimRequirement.roles([ROLE]),))
    assert check(sign(app_claims()), policy).accepted
    assert codes(check(sign(app_claims(roles=None)), policy)) == ["TokenClaimNotFound"]


# --- malformed tokens: JwtInvalid or TokenNotPresent, never an exception ------------------------


def _valid_header() -> str:
    return segment({"alg": "RS256", "kid": RSA_KID})


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        ("not-a-jwt", "1 part"),
        ("a.b", "2 part"),
        ("a.b.c.d", "4 part"),
        ("a.b.c.d.e", "encrypted"),
        ("%%%.e30.", "header is not base64url"),
        (f"{b64url(b'not json')}.e30.", "header is not JSON"),
        (f"{segment([1, 2])}.e30.", "not a JSON object"),
        (f"{segment({'alg': 'RS256', 'kid': 7})}.e30.", "'kid' is not a string"),
        ("e30AA.e30.", "impossible base64url length"),
        (f"{segment({'alg': 'RS256'})}.{segment({'exp': None})}.", "exp is not a number"),
        (f"{segment({'alg': 'RS256'})}.{segment({'aud': 7})}.", "aud is not a string"),
        ("Bearer", "1 part"),
    ],
)
def test_malformed_tokens_are_jwt_invalid(token: str, problem: str) -> None:
    verdict = check(token)
    assert codes(verdict) == ["JwtInvalid"]
    assert problem in verdict.reasons[0].message


def test_payload_that_is_not_json_is_jwt_invalid() -> None:
    token = ".".join((_valid_header(), b64url(bytes([0xFF, 0xFE])), b64url(b"sig")))
    assert codes(check(token)) == ["JwtInvalid"]


def test_huge_token_is_jwt_invalid_without_being_parsed() -> None:
    token = sign(app_claims(padding="x" * MAX_TOKEN_CHARS))
    verdict = check(token)
    assert codes(verdict) == ["JwtInvalid"]
    assert "characters long" in verdict.reasons[0].message


@pytest.mark.parametrize("presented", ["", "   ", "\n"])
def test_empty_token_is_not_present(presented: str) -> None:
    assert codes(check(presented)) == ["TokenNotPresent"]


def test_a_token_broken_by_whitespace_is_jwt_invalid_and_not_quoted() -> None:
    token = sign(app_claims())
    broken = token[:30] + " " + token[30:]
    verdict = check(broken)
    assert codes(verdict) == ["JwtInvalid"]
    assert token[:30] not in json.dumps(verdict.to_json())


def test_short_hs256_key_stays_refused_when_the_policy_is_reused() -> None:
    # pyjwt's prepare_key outcome is cached per key: a refused key is refused every time.
    secret = b"short-secret"
    policy = parse_policy(
        hand_policy(
            f"<issuer-signing-keys><key>{base64.b64encode(secret).decode()}</key></issuer-signing-keys>"
            f"<audiences><audience>{BACKEND_ID}</audience></audiences><issuers><issuer>{issuer()}</issuer></issuers>"
        )
    )
    signing_input = f"{segment({'alg': 'HS256'})}.{segment(app_claims())}".encode()
    signature = HMACAlgorithm(HMACAlgorithm.SHA256).sign(signing_input, secret)
    token = f"{signing_input.decode()}.{b64url(signature)}"
    for _ in range(2):
        verdict = check(token, policy)
        # SymmetricSignatureProvider.cs: 96 bits < DefaultMinimumSymmetricKeySizeInBits (128); no kid: IDX10517.
        assert codes(verdict) == ["TokenSignatureKeyNotFound"]
        assert "shorter than the 128 bits" in verdict.reasons[0].message


def _signed_by_hand(header: dict[str, object], payload_segment: str) -> str:
    """A token whose RS256 signature over `header.payload_segment` is valid, whatever the header says."""
    signing_input = f"{segment(header)}.{payload_segment}".encode()
    signature = RSAAlgorithm(RSAAlgorithm.SHA256).sign(signing_input, key_material().rsa)
    return f"{signing_input.decode()}.{b64url(signature)}"


def test_a_token_signed_by_hand_is_accepted() -> None:
    # The control for the header-rule tests below: only the header differs between them.
    assert check(_signed_by_hand({"alg": "RS256", "kid": RSA_KID}, segment(app_claims()))).accepted


def test_wrong_authorization_scheme_is_not_present() -> None:
    verdict = check("Basic " + sign(app_claims()))
    assert codes(verdict) == ["TokenNotPresent"]
    assert "'Basic'" in verdict.reasons[0].message


def test_scheme_prefix_in_a_custom_header_is_jwt_invalid_with_a_hint() -> None:
    policy = hand_policy(
        f'<openid-config url="{CLOUDS["global"].openid_config_url(TENANT, 2)}" />'
        f"<audiences><audience>{BACKEND_ID}</audience></audiences>",
        **{"header-name": "X-Token", "require-scheme": ""},
    )
    assert check(sign(app_claims()), policy).accepted
    verdict = check("Bearer " + sign(app_claims()), policy)
    assert codes(verdict) == ["JwtInvalid"]
    assert "without the 'Bearer' prefix" in hints(verdict)


def test_messages_never_quote_the_token() -> None:
    token = sign(app_claims(exp=NOW - 7200, roles=None), key=key_material().unpublished)
    verdict = check(token)
    text = json.dumps(verdict.to_json()) + repr(verdict.token_facts)
    for part in token.split("."):
        assert part not in text


_TOKEN_CHARS = string.ascii_letters + string.digits + "-_.=+/ \n{}\"'"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=_TOKEN_CHARS, max_size=300) | st.text(max_size=60))
def test_arbitrary_input_is_rejected_never_raised(presented: str) -> None:
    verdict = check(presented)
    assert not verdict.accepted
    assert verdict.reasons


_GOOD_TOKEN: list[str] = []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_single_character_change_to_a_valid_token_is_rejected(data: st.DataObject) -> None:
    if not _GOOD_TOKEN:
        _GOOD_TOKEN.append(sign(app_claims()))
    token = _GOOD_TOKEN[0]
    position = data.draw(st.integers(0, len(token) - 1))
    replacement = data.draw(
        st.sampled_from(string.ascii_letters + string.digits + "-_.").filter(
            lambda char: char != token[position]
        )
    )
    mutated = token[:position] + replacement + token[position + 1 :]
    # Base64UrlEncoding.cs `Decode` drops the unused low bits of a segment's last character: in the
    # signature, a change there leaves the bytes, and the gateway's verdict, as they were (the header
    # and payload are signed as the text sent). Every other change is rejected.
    in_signature = position > token.rindex(".")
    same_bytes = in_signature and replacement != "." and _decoded(mutated) == _decoded(token)
    assert check(mutated).accepted is same_bytes


def _decoded(token: str) -> list[bytes]:
    return [base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)) for part in token.split(".")]


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=8,
)
_CLAIM_NAMES = [
    "exp",
    "nbf",
    "aud",
    "iss",
    "tid",
    "roles",
    "scp",
    "azp",
    "appid",
    "ver",
    "idtyp",
    "sub",
    "oid",
]
_AZURE_POLICY = parse_policy(azure_ad_policy_xml(claims=(ClaimRequirement.scopes([SCOPE], "any"),)))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(_CLAIM_NAMES), _JSON_VALUES, max_size=6))
def test_validly_signed_tokens_with_any_claim_values_never_raise(overrides: dict[str, object]) -> None:
    # NaN, Infinity, 1e308, huge integers, nested arrays where strings belong: a verdict every time.
    claims = {**app_claims(), **overrides}
    token = sign_payload(json.dumps(claims).encode())
    for policy in (V2_ROLE_POLICY, V2_SCOPE_POLICY, _AZURE_POLICY):
        verdict = check(token, policy)
        assert verdict.accepted == (not verdict.reasons)


def test_absurd_times_are_jwt_invalid_not_errors() -> None:
    for exp in ("1e999", "-1e999", "NaN", "1" + "0" * 400):
        payload = json.dumps(app_claims()).replace(str(NOW + 3300), exp).encode()
        verdict = check(sign_payload(payload))
        assert codes(verdict) == ["JwtInvalid"], exp
    far_future = check(sign(app_claims(exp=10**15)))
    assert far_future.accepted
    assert ("lifetime", f"expires in thousands of years (UNIX time {10**15})") in far_future.token_facts


# --- reading policy documents -------------------------------------------------------------------


def test_rendered_policy_reads_back_as_what_was_rendered() -> None:
    policy = V2_ROLE_POLICY
    assert isinstance(policy, ValidateJwt)
    assert policy.location.header_name == "Authorization"
    assert policy.location.require_scheme == "Bearer"
    assert policy.clock_skew == 60
    assert policy.openid_config_urls == (CLOUDS["global"].openid_config_url(TENANT, 2),)
    assert policy.audiences == (BACKEND_ID,)
    assert policy.issuers == (issuer(2),)
    assert [(c.name, c.match, c.values) for c in policy.required_claims] == [("roles", "any", (ROLE,))]


def test_document_without_a_validator_is_a_policy_error() -> None:
    with pytest.raises(PolicyError, match="no <validate-jwt>"):
        parse_policy("<policies><inbound><base /></inbound></policies>")


def test_not_xml_is_a_policy_error() -> None:
    with pytest.raises(PolicyError, match="not well-formed"):
        parse_policy("<policies><inbound>")


def test_dtd_is_refused() -> None:
    bomb = '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaa">]><policies>&a;</policies>'
    with pytest.raises(PolicyError, match="DTD"):
        parse_policy(bomb)


@pytest.mark.parametrize(
    "child",
    [
        "<audiences><audience>{{backend-client-id}}</audience></audiences>",
        '<openid-config url="@(context.Variables[&quot;url&quot;])" />',
    ],
)
def test_values_only_the_gateway_can_resolve_are_a_policy_error(child: str) -> None:
    with pytest.raises(PolicyError, match="only the gateway"):
        parse_policy(hand_policy(child))


def test_unknown_attribute_or_element_is_refused_rather_than_ignored() -> None:
    with pytest.raises(PolicyError, match="unknown attribute"):
        parse_policy(hand_policy("", **{"validate-lifetime": "false"}))
    with pytest.raises(PolicyError, match="unexpected <lifetime>"):
        parse_policy(hand_policy("<lifetime />"))


def test_raw_policy_expressions_do_not_hide_the_validator() -> None:
    # APIM's rawxml format keeps expressions unescaped: not XML, but the validator is still read.
    document = jwt_policy_xml(2).replace(
        "<inbound>",
        '<inbound><set-variable name="n" value="@(context.Request.Headers.GetValueOrDefault("a","") '
        '+ (1 < 2))" />',
    )
    policy = parse_policy(document)
    assert isinstance(policy, ValidateJwt)
    assert policy.audiences == (BACKEND_ID,)
    assert "not well-formed XML" in policy.notes[0]


_DOCUMENTS = (jwt_policy_xml(2).encode(), azure_ad_policy_xml().encode())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_DOCUMENTS), st.integers(0, 4000), st.binary(max_size=3), st.integers(0, 3))
def test_damaged_policy_documents_are_policy_errors_never_crashes(
    document: bytes, position: int, insert: bytes, cut: int
) -> None:
    position %= len(document)
    damaged = document[:position] + insert + document[position + cut :]
    with contextlib.suppress(PolicyError):
        parse_policy(damaged)


def test_encrypted_token_is_inconclusive_only_where_the_policy_can_decrypt() -> None:
    jwe = "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d"
    assert codes(check(jwe)) == ["JwtInvalid"]
    with pytest.raises(EvaluationError, match="encrypted"):
        check(jwe, hand_policy('<decryption-keys><key certificate-id="c" /></decryption-keys>'))


@pytest.mark.parametrize(
    ("attributes", "metadata_url"),
    [
        (f'tenant-id="{TENANT}"', CLOUDS["global"].openid_config_url(TENANT, 2)),
        (
            'tenant-id="contoso.partner.onmschina.cn" authentication-endpoint="login.partner.microsoftonline.cn"',
            CLOUDS["china"].openid_config_url("contoso.partner.onmschina.cn", 2),
        ),
        (
            'tenant-id="https://login.microsoftonline.us/organizations"',
            CLOUDS["usgovernment"].openid_config_url("organizations", 2),
        ),
    ],
)
def test_azure_ad_token_metadata_url_follows_tenant_and_endpoint(attributes: str, metadata_url: str) -> None:
    policy = parse_policy(
        f"<validate-azure-ad-token {attributes}><client-application-ids><application-id>{CALLER_ID}"
        "</application-id></client-application-ids></validate-azure-ad-token>"
    )
    assert isinstance(policy, ValidateAzureAdToken)
    assert policy.openid_config_url == metadata_url


def test_issuers_are_described_by_cloud_tenant_and_version() -> None:
    v1 = describe_issuer(f"https://sts.windows.net/{TENANT}/")
    assert v1 is not None
    assert (set(v1.clouds), v1.tenant, v1.version) == ({"global", "usgovernment"}, TENANT, 1)
    china = describe_issuer(f"https://login.partner.microsoftonline.cn/{TENANT}/v2.0")
    assert china is not None
    assert (china.clouds, china.version) == (("china",), 2)
    assert describe_issuer("https://issuer.example/") is None
