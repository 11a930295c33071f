"""The onward step in a policy document, and what the backend's token carries: the XML the gateway
runs and the values the backend team configures, written out from the references, not recomputed."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from apim_oauth.azure.clouds import CLOUDS, CloudName, TokenVersion
from apim_oauth.azure.onward_token import backend_check
from apim_oauth.policies.model import ClaimRequirement, JwtPolicy, ManagedIdentityAuth
from apim_oauth.policies.rendering import render_policy_document

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
PRODUCT_APP = "99999999-8888-7777-6666-555555555555"
BACKEND = "11111111-2222-3333-4444-555555555555"


def parse(xml: str) -> ET.Element:
    return ET.fromstring(xml)


def product_policy() -> JwtPolicy:
    return JwtPolicy(
        cloud=CLOUDS["global"],
        tenant_id=TENANT,
        token_version=2,
        audiences=(PRODUCT_APP,),
        required_claims=(ClaimRequirement.roles(["Product.Partners.All"]),),
    )


def test_product_scope_validates_first_then_hands_over_then_takes_the_gateway_token() -> None:
    root = parse(render_policy_document(product_policy(), ManagedIdentityAuth(BACKEND)))
    inbound = root.find("inbound")
    assert inbound is not None
    assert [e.tag for e in inbound] == ["validate-jwt", "base", "authentication-managed-identity"]
    validator, _, onward = list(inbound)
    assert [a.text for a in validator.iter("audience")] == [PRODUCT_APP]
    # The system-assigned identity (no client-id); a failed token request stops the call instead of
    # forwarding the caller's own Authorization header (ignore-error false, written out).
    assert onward.attrib == {"resource": BACKEND, "ignore-error": "false"}
    assert list(onward) == []
    for section in ("backend", "outbound", "on-error"):
        element = root.find(section)
        assert element is not None
        assert [e.tag for e in element] == ["base"]


def test_api_scope_onward_runs_after_every_enclosing_validator() -> None:
    root = parse(render_policy_document(None, ManagedIdentityAuth(f"api://{BACKEND}")))
    inbound = root.find("inbound")
    assert inbound is not None
    assert [e.tag for e in inbound] == ["base", "authentication-managed-identity"]
    assert inbound[1].get("resource") == f"api://{BACKEND}"


def test_without_onward_the_document_is_unchanged() -> None:
    inbound = parse(render_policy_document(product_policy())).find("inbound")
    assert inbound is not None
    assert [e.tag for e in inbound] == ["validate-jwt", "base"]


def test_a_resource_is_escaped_by_the_xml_library() -> None:
    xml = render_policy_document(None, ManagedIdentityAuth('https://contoso.example/a"b<c'))
    onward = parse(xml).find("inbound/authentication-managed-identity")
    assert onward is not None
    assert onward.get("resource") == 'https://contoso.example/a"b<c'


# (cloud, version) -> the `iss` of the backend's token (docs/sources.md#clouds).
ISSUERS: dict[tuple[CloudName, TokenVersion], str] = {
    ("global", 1): f"https://sts.windows.net/{TENANT}/",
    ("global", 2): f"https://login.microsoftonline.com/{TENANT}/v2.0",
    ("usgovernment", 2): f"https://login.microsoftonline.us/{TENANT}/v2.0",
    ("china", 1): f"https://sts.chinacloudapi.cn/{TENANT}/",
    ("china", 2): f"https://login.partner.microsoftonline.cn/{TENANT}/v2.0",
}


@pytest.mark.parametrize(("cloud", "version"), list(ISSUERS))
def test_backend_checks_the_issuer_of_its_token_version(cloud: CloudName, version: TokenVersion) -> None:
    check = backend_check(CLOUDS[cloud], TENANT, version, resource=BACKEND, client_id=BACKEND)
    assert check.issuer == ISSUERS[(cloud, version)]


def test_backend_audience_is_the_client_id_in_v2_and_the_requested_resource_in_v1() -> None:
    uri = f"api://{BACKEND}"
    v2 = backend_check(CLOUDS["global"], TENANT, 2, resource=uri, client_id=BACKEND)
    v1 = backend_check(CLOUDS["global"], TENANT, 1, resource=uri, client_id=BACKEND)
    assert (v2.audience, v1.audience) == (BACKEND, uri)
