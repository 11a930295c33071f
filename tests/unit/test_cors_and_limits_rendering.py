"""The `cors` and per-caller limit elements as the gateway will run them, and the origin rules."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from apim_oauth.azure.clouds import CLOUDS
from apim_oauth.policies.cors import CorsPolicy, cors_element, origin_problem, origins_problem
from apim_oauth.policies.limits import CallerLimits, counter_key, limit_elements
from apim_oauth.policies.model import ClaimRequirement, JwtPolicy
from apim_oauth.policies.rendering import render_policy_document

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
BACKEND = "11111111-2222-3333-4444-555555555555"


def xml(element: ET.Element) -> str:
    ET.indent(element, space="    ")
    return ET.tostring(element, encoding="unicode")


def test_cors_golden() -> None:
    policy = CorsPolicy(
        origins=("https://contoso-apim.developer.azure-api.net", "http://localhost:5173"),
        methods=("GET", "POST"),
        headers=("authorization", "content-type"),
    )
    assert xml(cors_element(policy)) == (
        '<cors allow-credentials="false" terminate-unmatched-request="true">\n'
        "    <allowed-origins>\n"
        "        <origin>https://contoso-apim.developer.azure-api.net</origin>\n"
        "        <origin>http://localhost:5173</origin>\n"
        "    </allowed-origins>\n"
        '    <allowed-methods preflight-result-max-age="300">\n'
        "        <method>GET</method>\n"
        "        <method>POST</method>\n"
        "    </allowed-methods>\n"
        "    <allowed-headers>\n"
        "        <header>authorization</header>\n"
        "        <header>content-type</header>\n"
        "    </allowed-headers>\n"
        "</cors>"
    )


def test_cors_writes_disputed_defaults_and_exposed_headers() -> None:
    policy = CorsPolicy(
        ("https://a.example",), ("GET",), ("authorization",), ("x-request-id",), False, 0, False
    )
    element = cors_element(policy)
    assert element.get("terminate-unmatched-request") == "false"
    assert element.get("allow-credentials") == "false"
    assert element.findall("allowed-methods[@preflight-result-max-age='0']")
    assert [h.text for h in element.iterfind("expose-headers/header")] == ["x-request-id"]
    assert [child.tag for child in element] == [
        "allowed-origins",
        "allowed-methods",
        "allowed-headers",
        "expose-headers",
    ]


@pytest.mark.parametrize(
    "origin",
    ["https://app.contoso.com", "http://localhost:5173", "https://127.0.0.1:8443", "https://a-b.c", "*"],
)
def test_origins_accepted(origin: str) -> None:
    assert origin_problem(origin) is None


@pytest.mark.parametrize(
    ("origin", "says"),
    [
        ("https://app.contoso.com/", "path"),
        ("https://app.contoso.com/spa", "path"),
        ("https://app.contoso.com?x=1", "path, query"),
        ("app.contoso.com", "scheme://host"),
        ("ftp://files.contoso.com", "scheme://host"),
        ("https://App.Contoso.com", "capitals"),
        ("https://app.contoso.com:443", "default port"),
        ("http://localhost:80", "default port"),
        ("https://user@app.contoso.com", "user information"),
        ("https://app.contoso.com:99999", "port"),
        ("https://[::1]:8080", "host"),
        ("https://", "host"),
        ("https://*.contoso.com", "host"),
    ],
)
def test_origins_refused(origin: str, says: str) -> None:
    problem = origin_problem(origin)
    assert problem is not None
    assert says in problem


def test_wildcard_origin_alone_and_without_credentials() -> None:
    assert origins_problem(("*",), allow_credentials=False) is None
    assert "credentials" in (origins_problem(("*",), allow_credentials=True) or "")
    assert "alone" in (origins_problem(("*", "https://a.example"), allow_credentials=False) or "")
    assert "twice" in (
        origins_problem(("https://a.example", "https://a.example"), allow_credentials=False) or ""
    )
    assert origins_problem(("https://a.example",), allow_credentials=True) is None


def test_limits_golden_v2() -> None:
    limits = CallerLimits(
        "partners", 2, calls=100, period_seconds=60, quota_calls=100000, quota_period_seconds=2592000
    )
    rate, quota = limit_elements(limits)
    key = (
        '@("partners:" + (context.Request.Headers.GetValueOrDefault("Authorization", "")'
        '.AsJwt()?.Claims.GetValueOrDefault("azp", "unknown") ?? "unknown"))'
    )
    assert rate.tag == "rate-limit-by-key"
    assert rate.attrib == {"calls": "100", "renewal-period": "60", "counter-key": key}
    assert quota.tag == "quota-by-key"
    assert quota.attrib == {"calls": "100000", "renewal-period": "2592000", "counter-key": key}


def test_limits_key_on_appid_for_v1_tokens_and_only_what_is_configured() -> None:
    (rate,) = limit_elements(CallerLimits("internal", 1, calls=5, period_seconds=10))
    assert '"appid"' in rate.attrib["counter-key"]
    assert '"azp"' not in rate.attrib["counter-key"]
    (quota,) = limit_elements(CallerLimits("internal", 2, quota_calls=7, quota_period_seconds=3600))
    assert quota.tag == "quota-by-key"
    assert limit_elements(CallerLimits("internal", 2)) == []


def test_counter_key_is_never_null_and_prefixed() -> None:
    # A null key fails the call with 500 (MicrosoftDocs/azure-docs#77160): the expression is a string
    # concatenation that starts with the prefix, and falls back to "unknown" without a token.
    key = counter_key("echo-product", 2)
    assert key.startswith('@("echo-product:" + (')
    assert key.endswith('?? "unknown"))')


def test_document_golden_cors_first_limits_after_the_validator() -> None:
    cloud = CLOUDS["global"]
    validator = JwtPolicy(cloud, TENANT, 2, (BACKEND,), (ClaimRequirement.roles(["Product.Partners.All"]),))
    cors = CorsPolicy(("https://app.contoso.com",), ("GET",), ("authorization",))
    limits = CallerLimits("partners", 2, calls=10, period_seconds=60)
    document = render_policy_document(validator, cors=cors, limits=limits)
    inbound = ET.fromstring(document).find("inbound")
    assert inbound is not None
    assert [child.tag for child in inbound] == ["cors", "validate-jwt", "rate-limit-by-key", "base"]
    # Without cors or limits the document is the one the token policies always had.
    assert render_policy_document(validator, cors=None, limits=None) == render_policy_document(validator)
    assert document.startswith(
        "<policies>\n"
        "    <inbound>\n"
        '        <cors allow-credentials="false" terminate-unmatched-request="true">\n'
        "            <allowed-origins>\n"
        "                <origin>https://app.contoso.com</origin>\n"
        "            </allowed-origins>\n"
        '            <allowed-methods preflight-result-max-age="300">\n'
        "                <method>GET</method>\n"
        "            </allowed-methods>\n"
        "            <allowed-headers>\n"
        "                <header>authorization</header>\n"
        "            </allowed-headers>\n"
        "        </cors>\n"
        '        <validate-jwt header-name="Authorization"'
    )
    assert (
        '        <rate-limit-by-key calls="10" renewal-period="60" counter-key="@(&quot;partners:&quot; + '
        "(context.Request.Headers.GetValueOrDefault(&quot;Authorization&quot;, &quot;&quot;).AsJwt()?.Claims"
        '.GetValueOrDefault(&quot;azp&quot;, &quot;unknown&quot;) ?? &quot;unknown&quot;))" />\n'
        "        <base />\n"
        "    </inbound>\n"
    ) in document
