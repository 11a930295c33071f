"""Policy rendering: the XML a gateway will run, checked against docs/sources.md#token-policies and docs/sources.md#clouds.

Expected URLs and issuers are written out here from the tables of docs/sources.md, not computed with
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
from apim_oauth.policies.model import (
    DEFAULT_FAILED_MESSAGE,
    AzureAdTokenPolicy,
    ClaimRequirement,
    JwtPolicy,
    TokenPolicy,
    audiences_for,
)
from apim_oauth.policies.rendering import render_policy_document

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
BACKEND = "11111111-2222-3333-4444-555555555555"
APP_ID_URI = f"api://{BACKEND}"
CLIENT = "99999999-8888-7777-6666-555555555555"

# (cloud, token version) -> (openid-config URL, issuer), from docs/sources.md#clouds.
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


def validator_of(policy: TokenPolicy) -> ET.Element:
    """The validator element of the rendered document, checked to sit first in `<inbound>`."""
    return inbound_auth(render_policy_document(policy))


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


@pytest.mark.parametrize(("cloud", "version"), CASES)
def test_validate_azure_ad_token_document_matches_the_reference(
    cloud: CloudName, version: TokenVersion
) -> None:
    policy = AzureAdTokenPolicy(
        cloud=CLOUDS[cloud],
        tenant_id=TENANT,
        client_application_ids=(CLIENT,),
        audiences=audiences_for(version, BACKEND, APP_ID_URI),
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
        el("audiences", None, *(el("audience", text=aud) for aud in AUDIENCES[version])),
        claims_shape(),
    )
    assert shape(parse(render_policy_document(policy))) == document(expected)


def test_optional_children_are_left_out_not_rendered_empty() -> None:
    jwt = validator_of(jwt_policy(required_claims=()))
    ad = validator_of(ad_policy(required_claims=()))
    assert [child.tag for child in jwt] == ["openid-config", "audiences", "issuers"]
    assert [child.tag for child in ad] == ["client-application-ids", "audiences"]


def test_audiences_for_each_token_version() -> None:
    assert audiences_for(2, BACKEND, APP_ID_URI) == (BACKEND,)
    assert audiences_for(1, BACKEND, APP_ID_URI) == (APP_ID_URI, BACKEND)


def test_validate_jwt_children_follow_the_schema_order() -> None:
    schema_order = ["openid-config", "issuer-signing-keys", "decryption-keys", "audiences", "issuers"]
    schema_order.append("required-claims")
    tags = [child.tag for child in validator_of(jwt_policy(required_claims=CLAIMS))]
    assert tags == sorted(tags, key=schema_order.index)
    assert tags == ["openid-config", "audiences", "issuers", "required-claims"]


def test_no_policy_expression_is_emitted() -> None:
    xml = render_policy_document(jwt_policy(required_claims=CLAIMS))
    assert inbound_auth(xml).tag == "validate-jwt"
    assert not any(marker in xml for marker in EXPRESSION_MARKERS)


# --- attributes with rules --------------------------------------------------------------------------


@pytest.mark.parametrize("seconds", [0, 1, 299, 300])
def test_clock_skew_within_bounds_is_rendered(seconds: int) -> None:
    validator = validator_of(jwt_policy(clock_skew_seconds=seconds))
    assert validator.get("clock-skew") == str(seconds)


def test_values_are_escaped_by_the_xml_library() -> None:
    message = """Use <Bearer> & "quotes" 'too' ]]>"""
    audience = "api://x?a=1&b=<2>"
    validator = validator_of(jwt_policy(failed_message=message, audiences=(audience,)))
    assert validator.get("failed-validation-error-message") == message
    assert validator.findtext("audiences/audience") == audience


def test_document_text_is_byte_stable() -> None:
    """The exact text: attribute order and indentation included, since APIM stores what it is sent
    and a changed byte would show as a change in every preview."""
    policy = JwtPolicy(
        cloud=CLOUDS["china"],
        tenant_id=TENANT,
        token_version=1,
        audiences=audiences_for(1, BACKEND, APP_ID_URI),
        required_claims=CLAIMS,
        clock_skew_seconds=30,
    )
    expected = f"""<policies>
    <inbound>
        <validate-jwt header-name="Authorization" failed-validation-httpcode="401" \
failed-validation-error-message="{DEFAULT_FAILED_MESSAGE}" require-expiration-time="true" \
require-scheme="Bearer" require-signed-tokens="true" clock-skew="30">
            <openid-config url="https://login.partner.microsoftonline.cn/{TENANT}/.well-known/openid-configuration" />
            <audiences>
                <audience>{APP_ID_URI}</audience>
                <audience>{BACKEND}</audience>
            </audiences>
            <issuers>
                <issuer>https://sts.chinacloudapi.cn/{TENANT}/</issuer>
            </issuers>
            <required-claims>
                <claim name="roles" match="any">
                    <value>Orders.Read</value>
                    <value>Orders.Write</value>
                </claim>
                <claim name="scp" match="all" separator=" ">
                    <value>orders</value>
                </claim>
            </required-claims>
        </validate-jwt>
        <base />
    </inbound>
    <backend>
        <base />
    </backend>
    <outbound>
        <base />
    </outbound>
    <on-error>
        <base />
    </on-error>
</policies>"""
    assert render_policy_document(policy) == expected


# --- property: every value reaches the XML exactly, whatever its characters ----------------------

# Any text XML 1.0 can carry, with the characters and sequences that would break hand-built XML.
FRAGMENTS = [
    "<", ">", "&", '"', "'", "]]>", "<!--", "-->", "&amp;", "${audience}", " ", "é", "\U0001f600",
    "api://", "Orders.Read", "a", "-", ".", "/", BACKEND,
]  # fmt: skip
XML_TEXT = st.one_of(
    st.text(
        alphabet=st.characters(
            codec="utf-8", exclude_categories=("Cc", "Cs"), exclude_characters="\ufffe\uffff"
        ),
        min_size=1,
        max_size=30,
    ),
    st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=6).map("".join),
).filter(lambda value: value == value.strip() and value.strip() != "")


@dataclass(frozen=True)
class Field:
    """One string field that reaches XML: how to set it and where it lands."""

    name: str
    build: Callable[[str], TokenPolicy]
    rendered: Callable[[ET.Element], str | None]


def at(path: str, attribute: str | None = None) -> Callable[[ET.Element], str | None]:
    def find(validator: ET.Element) -> str | None:
        node = validator if path == "." else validator.find(path)
        assert node is not None, path
        return node.get(attribute) if attribute else node.text

    return find


FIELDS = [
    Field("jwt.audiences", lambda v: jwt_policy(audiences=(BACKEND, v)), at("audiences/audience[2]")),
    Field("jwt.failed_message", lambda v: jwt_policy(failed_message=v), at(".", "failed-validation-error-message")),
    Field("jwt.claim.value", lambda v: jwt_policy(required_claims=(ClaimRequirement.roles(["a", v]),)),
          at("required-claims/claim/value[2]")),
    Field("ad.tenant_id", lambda v: ad_policy(tenant_id=v), at(".", "tenant-id")),
    Field("ad.client_application_ids", lambda v: ad_policy(client_application_ids=(v,)),
          at("client-application-ids/application-id")),
    Field("ad.audiences", lambda v: ad_policy(audiences=(v,)), at("audiences/audience")),
    Field("ad.claim.value", lambda v: ad_policy(required_claims=(ClaimRequirement.scopes([v]),)),
          at("required-claims/claim/value")),
]  # fmt: skip


@pytest.mark.parametrize("field", FIELDS, ids=lambda field: field.name)
@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=XML_TEXT)
def test_every_string_field_round_trips_exactly(field: Field, value: str) -> None:
    root = parse(render_policy_document(field.build(value)))  # well-formed
    validator = inbound_auth(ET.tostring(root, encoding="unicode"))
    assert field.rendered(validator) == value
    # The value never becomes structure: the document has the same elements as with a plain value.
    plain = parse(render_policy_document(field.build("plain")))
    assert [node.tag for node in root.iter()] == [node.tag for node in plain.iter()]
