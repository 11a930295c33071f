"""The one reader of validator XML: a rendered policy reads back attribute for attribute and entry for
entry, in both modes; on the same malformed input the strict reader (check-token) refuses and the
lenient one (diff) keeps what is written."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from apim_oauth.policies.model import ClaimRequirement
from tests.token_fixtures import azure_ad_policy_xml, jwt_policy_xml
from tools.policy_xml.document import PolicyError, find_validators, read_document
from tools.policy_xml.validators import ATTRIBUTES, ValidatorElement, read_validator

CLAIMS = (
    ClaimRequirement.scopes(["Orders.Read", "Orders.Write"]),
    ClaimRequirement.roles(["Orders.All"], "any"),
)
RENDERED = {
    "validate-jwt v1": jwt_policy_xml(1, claims=CLAIMS),
    "validate-jwt v2": jwt_policy_xml(2, claims=CLAIMS),
    "validate-azure-ad-token": azure_ad_policy_xml(claims=CLAIMS),
}
LISTS = {
    "audiences": "audience",
    "issuers": "issuer",
    "client-application-ids": "application-id",
    "backend-application-ids": "application-id",
}


def read(document: str, *, lenient: bool) -> list[ValidatorElement]:
    parsed = read_document(document, lenient=lenient)
    assert parsed is not None
    return [
        read_validator(node, condition, lenient=lenient) for node, condition in find_validators(parsed.root)
    ]


@pytest.mark.parametrize("lenient", [False, True], ids=["strict", "lenient"])
@pytest.mark.parametrize("document", RENDERED.values(), ids=RENDERED.keys())
def test_every_attribute_and_entry_of_a_rendered_validator_reads_back(document: str, lenient: bool) -> None:
    expected = ET.fromstring(document).find("inbound/*")
    assert expected is not None
    (element,) = read(document, lenient=lenient)
    assert element.kind == expected.tag
    assert set(expected.attrib) <= set(ATTRIBUTES[element.kind])  # the table knows what is rendered
    assert dict(element.attributes) == expected.attrib
    for container, entry in LISTS.items():
        found = expected.find(container)
        written = None if found is None else tuple((e.text or "") for e in found.iter(entry))
        assert element.values(container) == written, container
    assert element.openid_config_urls == tuple(e.attrib["url"] for e in expected.iter("openid-config"))
    claims = [(c.name, c.match, c.separator, c.values) for c in element.required_claims]
    assert claims == [
        (
            c.attrib["name"],
            c.attrib["match"],
            c.get("separator"),
            tuple(v.text or "" for v in c.iter("value")),
        )
        for c in expected.iter("claim")
    ]
    assert claims == [(c.name, c.match, c.separator, c.values) for c in CLAIMS]


MALFORMED = {
    "unknown attribute": (
        jwt_policy_xml(2).replace("<validate-jwt ", '<validate-jwt validate-lifetime="false" '),
        "unknown attribute 'validate-lifetime'",
    ),
    "named value": (
        jwt_policy_xml(2).replace("<audiences>", "<audiences><audience>{{backend-audience}}</audience>"),
        "named value",
    ),
    "policy expression": (
        jwt_policy_xml(2).replace('clock-skew="60"', 'clock-skew="@(60)"'),
        "policy expression",
    ),
    "unknown child": (
        jwt_policy_xml(2).replace("<audiences>", "<lifetime /><audiences>"),
        "unexpected <lifetime>",
    ),
    "claim without name": (jwt_policy_xml(2).replace('name="roles"', ""), "has no name"),
    "second container": (
        jwt_policy_xml(2).replace("<audiences>", "<issuers /><audiences>"),
        "a second <issuers>",
    ),
}


@pytest.mark.parametrize(("document", "refusal"), MALFORMED.values(), ids=MALFORMED.keys())
def test_strict_refuses_what_lenient_reads_as_written(document: str, refusal: str) -> None:
    with pytest.raises(PolicyError, match=refusal):
        read(document, lenient=False)
    (element,) = read(document, lenient=True)
    assert element.kind == "validate-jwt"
    assert element.values("audiences")  # the rest of the element is still read


def test_lenient_keeps_values_as_written() -> None:
    document, _ = MALFORMED["named value"]
    (element,) = read(document, lenient=True)
    assert element.values("audiences") == ("{{backend-audience}}", "6e74172b-be56-4843-9ff4-e66a39bb12e3")
    document, _ = MALFORMED["policy expression"]
    assert read(document, lenient=True)[0].attributes["clock-skew"] == "@(60)"


def test_a_document_that_is_not_xml_strict_reads_its_validator_lenient_nothing() -> None:
    raw = jwt_policy_xml(2).replace("<base />", '<set-variable value="@(new List<string>())" />', 1)
    strict = read_document(raw)
    assert strict is not None
    assert strict.root.tag == "validate-jwt"
    assert strict.notes
    assert read_document(raw, lenient=True) is None
