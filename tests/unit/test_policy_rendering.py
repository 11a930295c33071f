"""Policy rendering: the XML a gateway will run, checked against the reference (entra-apim.md, 3-6).

Expected URLs and issuers are written out here from the reference's tables, not computed with
`apim_oauth.azure.clouds`, so a wrong endpoint there fails these tests too.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apim_oauth.azure.clouds import CLOUDS, CloudName, TokenVersion
from apim_oauth.policies.rendering import (
    DEFAULT_FAILED_MESSAGE,
    AzureAdTokenPolicy,
    ClaimRequirement,
    JwtPolicy,
    PolicyValueError,
    audiences_for,
    render_policy_document,
    render_validator,
)

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
BACKEND = "11111111-2222-3333-4444-555555555555"
APP_ID_URI = f"api://{BACKEND}"
CLIENT = "99999999-8888-7777-6666-555555555555"

# (cloud, token version) -> (openid-config URL, issuer), from the reference's section 6.
REFERENCE: dict[tuple[CloudName, TokenVersion], tuple[str, str]] = {
    ("global", 1): (
        f"https://login.microsoftonline.com/{TENANT}/.well-known/openid-configuration",
        f"https://sts.windows.net/{TENANT}/",
    ),
    ("global", 2): (
        f"https://login.microsoftonline.com/{TENANT}/v2.0/.well-known/openid-configuration",
        f"https://login.microsoftonline.com/{TENANT}/v2.0",
    ),
    ("usgovernment", 1): (
        f"https://login.microsoftonline.us/{TENANT}/.well-known/openid-configuration",
        f"https://sts.windows.net/{TENANT}/",
    ),
    ("usgovernment", 2): (
        f"https://login.microsoftonline.us/{TENANT}/v2.0/.well-known/openid-configuration",
        f"https://login.microsoftonline.us/{TENANT}/v2.0",
    ),
    ("china", 1): (
        f"https://login.partner.microsoftonline.cn/{TENANT}/.well-known/openid-configuration",
        f"https://sts.chinacloudapi.cn/{TENANT}/",
    ),
    ("china", 2): (
        f"https://login.partner.microsoftonline.cn/{TENANT}/v2.0/.well-known/openid-configuration",
        f"https://login.partner.microsoftonline.cn/{TENANT}/v2.0",
    ),
}
AUTHENTICATION_ENDPOINT: dict[CloudName, str | None] = {
    "global": None,
    "usgovernment": "https://login.microsoftonline.us",
    "china": "https://login.partner.microsoftonline.cn",
}
# Section 5: v2 tokens carry the client ID as `aud`; v1 tokens the App ID URI or the client ID.
AUDIENCES = {1: [APP_ID_URI, BACKEND], 2: [BACKEND]}
CASES = sorted(REFERENCE)
EXPRESSION_MARKERS = ("@(", "@{", "{{", "}}")
SUBSCRIPTION_CONDITION = "@(context.Subscription == null)"


# --- helpers: the rendered XML as plain data -----------------------------------------------------

Shape = tuple[str, dict[str, str], "str | None", "list[Shape]"]


def shape(element: ET.Element) -> Shape:
    """Tag, attributes, text (leaves only: indentation is not content), children."""
    text = element.text if len(element) == 0 else None
    return (element.tag, dict(element.attrib), text, [shape(child) for child in element])


def el(tag: str, attrs: dict[str, str] | None = None, *children: Shape, text: str | None = None) -> Shape:
    return (tag, attrs or {}, text, list(children))


def parse(xml: str, *, comments: bool = False) -> ET.Element:
    parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=comments))
    parser.feed(xml)
    return parser.close()


def inbound_auth(document: str) -> ET.Element:
    inbound = parse(document).find("inbound")
    assert inbound is not None
    return inbound[0]


def jwt_policy(**overrides: Any) -> JwtPolicy:
    values: dict[str, Any] = {
        "cloud": CLOUDS["global"],
        "tenant_id": TENANT,
        "token_version": 2,
        "audiences": (BACKEND,),
        "required_claims": (ClaimRequirement.roles(["Orders.Read"], "any"),),
    }
    return JwtPolicy(**(values | overrides))


def ad_policy(**overrides: Any) -> AzureAdTokenPolicy:
    values: dict[str, Any] = {
        "cloud": CLOUDS["global"],
        "tenant_id": TENANT,
        "client_application_ids": (CLIENT,),
        "audiences": (BACKEND,),
        "required_claims": (ClaimRequirement.roles(["Orders.Read"], "any"),),
    }
    return AzureAdTokenPolicy(**(values | overrides))


def document(validator: Shape) -> Shape:
    return el(
        "policies",
        None,
        el("inbound", None, validator, el("base")),
        el("backend", None, el("base")),
        el("outbound", None, el("base")),
        el("on-error", None, el("base")),
    )


def claims_shape() -> Shape:
    return el(
        "required-claims",
        None,
        el(
            "claim",
            {"name": "roles", "match": "any"},
            el("value", text="Orders.Read"),
            el("value", text="Orders.Write"),
        ),
        el("claim", {"name": "scp", "match": "all", "separator": " "}, el("value", text="orders")),
    )


CLAIMS = (
    ClaimRequirement.roles(["Orders.Read", "Orders.Write"], match="any"),
    ClaimRequirement.scopes(["orders"]),
)


# --- golden documents: cloud x token version x validator kind -----------------------------------


@pytest.mark.parametrize(("cloud", "version"), CASES)
def test_validate_jwt_document_matches_the_reference(cloud: CloudName, version: TokenVersion) -> None:
    openid_config, issuer = REFERENCE[cloud, version]
    policy = JwtPolicy(
        cloud=CLOUDS[cloud],
        tenant_id=TENANT,
        token_version=version,
        audiences=audiences_for(version, BACKEND, APP_ID_URI),
        required_claims=CLAIMS,
    )
    expected = el(
        "validate-jwt",
        {
            "header-name": "Authorization",
            "failed-validation-httpcode": "401",
            "failed-validation-error-message": DEFAULT_FAILED_MESSAGE,
            "require-expiration-time": "true",
            "require-scheme": "Bearer",
            "require-signed-tokens": "true",
            "clock-skew": "60",
        },
        el("openid-config", {"url": openid_config}),
        el("audiences", None, *(el("audience", text=aud) for aud in AUDIENCES[version])),
        el("issuers", None, el("issuer", text=issuer)),
        claims_shape(),
    )
    assert shape(parse(render_policy_document(policy))) == document(expected)
    assert shape(parse(render_validator(policy))) == expected


@pytest.mark.parametrize(("cloud", "version"), CASES)
def test_validate_azure_ad_token_document_matches_the_reference(
    cloud: CloudName, version: TokenVersion
) -> None:
    policy = AzureAdTokenPolicy(
        cloud=CLOUDS[cloud],
        tenant_id=TENANT,
        client_application_ids=(CLIENT,),
        audiences=audiences_for(version, BACKEND, APP_ID_URI),
        backend_application_ids=(BACKEND,),
        required_claims=CLAIMS,
    )
    attrs = {"tenant-id": TENANT}
    endpoint = AUTHENTICATION_ENDPOINT[cloud]
    if endpoint is not None:
        attrs["authentication-endpoint"] = endpoint
    attrs |= {
        "failed-validation-httpcode": "401",
        "failed-validation-error-message": DEFAULT_FAILED_MESSAGE,
    }
    expected = el(
        "validate-azure-ad-token",
        attrs,
        el("client-application-ids", None, el("application-id", text=CLIENT)),
        el("backend-application-ids", None, el("application-id", text=BACKEND)),
        el("audiences", None, *(el("audience", text=aud) for aud in AUDIENCES[version])),
        claims_shape(),
    )
    assert shape(parse(render_policy_document(policy))) == document(expected)
    assert shape(parse(render_validator(policy))) == expected


def test_optional_children_are_left_out_not_rendered_empty() -> None:
    jwt = parse(render_validator(jwt_policy(required_claims=())))
    ad = parse(render_validator(ad_policy(required_claims=())))
    assert [child.tag for child in jwt] == ["openid-config", "audiences", "issuers"]
    assert [child.tag for child in ad] == ["client-application-ids", "audiences"]


def test_audiences_for_each_token_version() -> None:
    assert audiences_for(2, BACKEND, APP_ID_URI) == (BACKEND,)
    assert audiences_for(1, BACKEND, APP_ID_URI) == (APP_ID_URI, BACKEND)


def test_validate_jwt_children_follow_the_schema_order() -> None:
    schema_order = ["openid-config", "issuer-signing-keys", "decryption-keys", "audiences", "issuers"]
    schema_order.append("required-claims")
    tags = [child.tag for child in parse(render_validator(jwt_policy(required_claims=CLAIMS)))]
    assert tags == sorted(tags, key=schema_order.index)
    assert tags == ["openid-config", "audiences", "issuers", "required-claims"]


# --- the subscription-key alternative -------------------------------------------------------------


@pytest.mark.parametrize("make", [jwt_policy, ad_policy])
def test_subscription_key_alternative_validates_token_only_without_a_key(
    make: Callable[[], JwtPolicy | AzureAdTokenPolicy],
) -> None:
    policy = make()
    xml = render_policy_document(policy, subscription_key_alternative=True)
    inbound = parse(xml).find("inbound")
    assert inbound is not None
    assert [child.tag for child in inbound] == ["choose", "base"]
    (when,) = list(inbound[0])
    assert when.tag == "when"
    assert when.attrib == {"condition": SUBSCRIPTION_CONDITION}
    assert [shape(child) for child in when] == [shape(parse(render_validator(policy)))]
    # The reason is in the deployed policy, for whoever reads it in the portal.
    comments = [node.text or "" for node in parse(xml, comments=True).iter() if node.tag is ET.Comment]
    assert any("subscriptionRequired=false" in text for text in comments)


def test_without_the_alternative_no_policy_expression_is_emitted() -> None:
    xml = render_policy_document(jwt_policy())
    assert inbound_auth(xml).tag == "validate-jwt"
    assert not any(marker in xml for marker in EXPRESSION_MARKERS)


# --- attributes with rules --------------------------------------------------------------------------


@pytest.mark.parametrize("seconds", [0, 1, 299, 300])
def test_clock_skew_within_bounds_is_rendered(seconds: int) -> None:
    validator = parse(render_validator(jwt_policy(clock_skew_seconds=seconds)))
    assert validator.get("clock-skew") == str(seconds)


@pytest.mark.parametrize("seconds", [-1, 301, 3600, True, 1.5, "60"])
def test_clock_skew_out_of_bounds_is_refused(seconds: object) -> None:
    with pytest.raises(PolicyValueError) as raised:
        jwt_policy(clock_skew_seconds=seconds)
    assert raised.value.field == "clock_skew_seconds"


@pytest.mark.parametrize(
    ("header", "scheme"), [("Authorization", "Bearer"), ("authorization", "Bearer"), ("X-Api-Token", None)]
)
def test_require_scheme_only_with_the_authorization_header(header: str, scheme: str | None) -> None:
    validator = parse(render_validator(jwt_policy(header_name=header)))
    assert validator.get("header-name") == header
    assert validator.get("require-scheme") == scheme


def test_values_are_escaped_by_the_xml_library() -> None:
    message = """Use <Bearer> & "quotes" 'too' ]]>"""
    audience = "api://x?a=1&b=<2>"
    xml = render_validator(jwt_policy(failed_message=message, audiences=(audience,)))
    validator = parse(xml)
    assert validator.get("failed-validation-error-message") == message
    assert validator.findtext("audiences/audience") == audience


def test_output_is_deterministic_and_indented() -> None:
    first = render_policy_document(jwt_policy(required_claims=CLAIMS), subscription_key_alternative=True)
    second = render_policy_document(jwt_policy(required_claims=CLAIMS), subscription_key_alternative=True)
    assert first == second
    lines = first.splitlines()
    assert lines[:3] == ["<policies>", "    <inbound>", "        <choose>"]
    assert all((len(line) - len(line.lstrip(" "))) % 4 == 0 for line in lines)


# --- refusals ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: jwt_policy(tenant_id="contoso.onmicrosoft.com"), "tenant_id"),  # issuer carries the GUID
        (lambda: jwt_policy(tenant_id=TENANT.upper()), "tenant_id"),
        (lambda: jwt_policy(tenant_id="common"), "tenant_id"),
        (lambda: ad_policy(tenant_id="common"), "tenant_id"),
        (lambda: ad_policy(tenant_id="not a domain"), "tenant_id"),
        (lambda: jwt_policy(audiences=()), "audiences"),
        (lambda: jwt_policy(audiences=BACKEND), "audiences"),  # a lone string, not a list
        (lambda: jwt_policy(audiences=(BACKEND, BACKEND)), "audiences[1]"),
        (lambda: jwt_policy(audiences=("@(context.Request.Url)",)), "audiences[0]"),
        (lambda: jwt_policy(audiences=(" " + BACKEND,)), "audiences[0]"),
        (lambda: jwt_policy(failed_message="see {{secret-named-value}}"), "failed_message"),
        (lambda: jwt_policy(failed_message="@{ return 1; }"), "failed_message"),
        (lambda: jwt_policy(header_name="X Token"), "header_name"),
        (lambda: jwt_policy(token_version=3), "token_version"),
        (lambda: jwt_policy(cloud="global"), "cloud"),
        (lambda: ad_policy(client_application_ids=()), "client_application_ids"),
        (lambda: ad_policy(client_application_ids=("my-client",)), "client_application_ids[0]"),
        (lambda: ad_policy(backend_application_ids=("x",)), "backend_application_ids[0]"),
        (lambda: ad_policy(audiences=()), "audiences"),
        (lambda: ClaimRequirement("scp", ("orders",)), "separator"),  # scp is space-separated
        (lambda: ClaimRequirement("roles", ("a",), separator=","), "separator"),  # roles is an array
        (lambda: ClaimRequirement.scopes(["orders read"]), "values[0]"),  # could never match
        (lambda: ClaimRequirement.roles([]), "values"),
        (lambda: ClaimRequirement("roles", ("a",), match="some"), "match"),  # type: ignore[arg-type]
        (lambda: ClaimRequirement("roles", ("a\nb",)), "values[0]"),
        (
            lambda: jwt_policy(
                required_claims=(ClaimRequirement.roles(["a"]), ClaimRequirement.roles(["b"]))
            ),
            "required_claims[1].name",
        ),
    ],
)
def test_values_that_must_not_reach_xml_are_refused_with_their_field(
    make: Callable[[], object], field: str
) -> None:
    with pytest.raises(PolicyValueError) as raised:
        make()
    assert raised.value.field == field
    assert str(raised.value).startswith(f"{field}: ")


# --- property: every string field either refused or rendered exactly ------------------------------

FRAGMENTS = [
    "@(", "@{", "{{", "}}", "@", "(", ")", "{", "}", "<", ">", "&", '"', "'", "]]>", "<!--", "-->",
    "${audience}", "${x?}", "&amp;", "\t", "\n", "\r", " ", "\x00", "\x0b", "\ud800", "\ufffe",
    "\U0001f600", "é", "api://", "Orders.Read", "a", "-", ".", "/", BACKEND, "contoso.com",
]  # fmt: skip
TEXT = st.one_of(
    st.text(max_size=30),
    st.lists(st.sampled_from(FRAGMENTS), max_size=6).map("".join),
    st.uuids().map(str),
    st.from_regex(r"[a-z][a-z0-9-]{0,10}(\.[a-z]{2,5}){1,2}", fullmatch=True),
)


@dataclass(frozen=True)
class Field:
    """One string field that reaches XML: how to set it, where it lands, which error names it."""

    name: str
    build: Callable[[str], JwtPolicy | AzureAdTokenPolicy]
    rendered: Callable[[ET.Element], list[str | None]]
    errors: frozenset[str]
    expected: Callable[[str], list[str]] = lambda value: [value]


def at(path: str, attribute: str | None = None) -> Callable[[ET.Element], list[str | None]]:
    def find(validator: ET.Element) -> list[str | None]:
        node = validator if path == "." else validator.find(path)
        assert node is not None, path
        return [node.get(attribute) if attribute else node.text]

    return find


def jwt_tenant_places(validator: ET.Element) -> list[str | None]:
    return [at("openid-config", "url")(validator)[0], validator.findtext("issuers/issuer")]


FIELDS = [
    Field(
        "jwt.tenant_id",
        lambda v: jwt_policy(tenant_id=v),
        jwt_tenant_places,
        frozenset({"tenant_id"}),
        lambda v: [
            f"https://login.microsoftonline.com/{v}/v2.0/.well-known/openid-configuration",
            f"https://login.microsoftonline.com/{v}/v2.0",
        ],
    ),
    Field("jwt.audiences", lambda v: jwt_policy(audiences=(BACKEND, v)), at("audiences/audience[2]"),
          frozenset({"audiences[1]"})),
    Field("jwt.failed_message", lambda v: jwt_policy(failed_message=v),
          at(".", "failed-validation-error-message"), frozenset({"failed_message"})),
    Field("jwt.header_name", lambda v: jwt_policy(header_name=v), at(".", "header-name"),
          frozenset({"header_name"})),
    Field("jwt.claim.name", lambda v: jwt_policy(required_claims=(ClaimRequirement(v, ("x",), "any"),)),
          at("required-claims/claim", "name"), frozenset({"name", "separator"})),
    Field("jwt.claim.value", lambda v: jwt_policy(required_claims=(ClaimRequirement.roles(["a", v]),)),
          at("required-claims/claim/value[2]"), frozenset({"values[1]"})),
    Field("jwt.claim.separator",
          lambda v: jwt_policy(required_claims=(ClaimRequirement("groups", ("g1",), separator=v),)),
          at("required-claims/claim", "separator"), frozenset({"separator", "values[0]"})),
    Field("ad.tenant_id", lambda v: ad_policy(tenant_id=v), at(".", "tenant-id"), frozenset({"tenant_id"})),
    Field("ad.client_application_ids", lambda v: ad_policy(client_application_ids=(v,)),
          at("client-application-ids/application-id"), frozenset({"client_application_ids[0]"})),
    Field("ad.backend_application_ids", lambda v: ad_policy(backend_application_ids=(v,)),
          at("backend-application-ids/application-id"), frozenset({"backend_application_ids[0]"})),
    Field("ad.audiences", lambda v: ad_policy(audiences=(v,)), at("audiences/audience"),
          frozenset({"audiences[0]"})),
    Field("ad.failed_message", lambda v: ad_policy(failed_message=v),
          at(".", "failed-validation-error-message"), frozenset({"failed_message"})),
    Field("ad.claim.value", lambda v: ad_policy(required_claims=(ClaimRequirement.scopes([v]),)),
          at("required-claims/claim/value"), frozenset({"values[0]"})),
]  # fmt: skip


def build_or_refusal(field: Field, value: str) -> JwtPolicy | AzureAdTokenPolicy | PolicyValueError:
    try:
        return field.build(value)
    except PolicyValueError as refused:
        return refused


@pytest.mark.parametrize("field", FIELDS, ids=lambda field: field.name)
@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=TEXT, alternative=st.booleans())
def test_every_string_field_is_refused_or_round_trips_exactly(
    field: Field, value: str, alternative: bool
) -> None:
    policy = build_or_refusal(field, value)
    if isinstance(policy, PolicyValueError):
        assert policy.field in field.errors
        return
    xml = render_policy_document(policy, subscription_key_alternative=alternative)
    root = parse(xml)  # well-formed
    validator = root.find(".//validate-jwt")
    if validator is None:
        validator = root.find(".//validate-azure-ad-token")
    assert validator is not None
    assert field.rendered(validator) == field.expected(value)
    for node in root.iter():
        for text in [*node.attrib.values(), node.text or ""]:
            if any(marker in text for marker in EXPRESSION_MARKERS):
                assert (node.tag, text) == ("when", SUBSCRIPTION_CONDITION)
