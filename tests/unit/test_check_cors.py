"""check-cors, rule by rule: the gateway's answers to a browser request and the browser's verdict."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from apim_oauth.policies.cors import CorsPolicy, cors_element
from apim_oauth.policies.rendering import render_policy_document
from tools.__main__ import main
from tools.check_cors.evaluation import CorsVerdict, evaluate
from tools.check_cors.request import BrowserRequest, fetch_method, parse_header, serialized_origin
from tools.policy_xml.cors import ReadCors, read_cors
from tools.policy_xml.document import PolicyError

APP = "https://app.contoso.com"
PORTAL = "https://contoso.developer.azure-api.net"
POLICY = CorsPolicy(
    origins=(APP, PORTAL), methods=("GET", "POST", "PUT"), headers=("authorization", "content-type")
)
TOKEN = ("authorization", "Bearer eyJ...")
JSON_BODY = ("content-type", "application/json")


def document(policy: CorsPolicy, before: str = "") -> str:
    """A policy document with `policy`'s cors first in inbound (or after `before`)."""
    xml = render_policy_document(None)
    cors = cors_element(policy)
    root = ET.fromstring(xml)
    inbound = root.find("inbound")
    assert inbound is not None
    inbound.insert(0, cors)
    if before:
        inbound.insert(0, ET.Element(before))
    return ET.tostring(root, encoding="unicode")


def check(
    policy: CorsPolicy | None,
    method: str = "GET",
    *headers: tuple[str, str],
    origin: str = APP,
    credentials: bool = False,
    options_operation: bool = False,
) -> CorsVerdict:
    cors: ReadCors | None = read_cors(document(policy)) if policy is not None else None
    request = BrowserRequest(origin, fetch_method(method), tuple(headers), credentials)
    return evaluate(cors, request, options_operation=options_operation)


def code(verdict: CorsVerdict) -> str | None:
    return None if verdict.refusal is None else verdict.refusal.code


def test_allowed_origin_with_a_token_is_admitted_after_a_preflight() -> None:
    verdict = check(POLICY, "GET", TOKEN)
    assert verdict.admitted
    assert verdict.preflight is not None
    assert verdict.preflight.request_headers["Access-Control-Request-Headers"] == "authorization"
    assert verdict.preflight.response_headers["Access-Control-Allow-Origin"] == APP
    assert verdict.response is not None
    assert verdict.response.response_headers == {"Access-Control-Allow-Origin": APP}


def test_simple_request_is_not_preflighted() -> None:
    verdict = check(POLICY, "GET")
    assert verdict.admitted
    assert verdict.preflight is None


def test_unknown_origin_is_refused_with_no_cors_headers() -> None:
    verdict = check(POLICY, "GET", TOKEN, origin="https://evil.example")
    assert code(verdict) == "OriginNotAllowed"
    assert verdict.preflight is not None
    assert verdict.preflight.response_headers == {}
    assert verdict.response is None  # the browser stops at the preflight
    simple = check(POLICY, "GET", origin="https://evil.example")
    assert code(simple) == "OriginNotAllowed"


def test_origin_matches_with_the_default_port_written_out() -> None:
    policy = CorsPolicy(("https://app.contoso.com:443",), ("GET",), ("authorization",))
    assert check(policy, "GET", TOKEN).admitted
    assert code(check(policy, "GET", TOKEN, origin="https://app.contoso.com:8443")) == "OriginNotAllowed"
    assert code(check(policy, "GET", TOKEN, origin="http://app.contoso.com")) == "OriginNotAllowed"


def test_missing_header_is_refused() -> None:
    verdict = check(POLICY, "GET", TOKEN, ("ocp-apim-subscription-key", "k"))
    assert code(verdict) == "HeaderNotAllowed"
    assert verdict.refusal is not None
    assert verdict.refusal.subject == "ocp-apim-subscription-key"


def test_method_not_allowed_is_refused() -> None:
    verdict = check(POLICY, "DELETE", TOKEN)
    assert code(verdict) == "MethodNotAllowed"
    assert verdict.refusal is not None
    assert verdict.refusal.subject == "DELETE"


def test_lower_case_patch_is_sent_as_written_and_does_not_match_upper_case() -> None:
    policy = CorsPolicy((APP,), ("GET", "PATCH"), ("authorization",))
    assert check(policy, "PATCH", TOKEN).admitted
    assert code(check(policy, "patch", TOKEN)) == "MethodNotAllowed"
    assert fetch_method("delete") == "DELETE"


def test_safelisted_method_outside_the_list_passes_the_browser_with_a_note() -> None:
    policy = CorsPolicy((APP,), ("GET",), ("authorization", "content-type"))
    verdict = check(policy, "POST", TOKEN, JSON_BODY)
    assert verdict.admitted
    assert any("POST is not in allowed-methods" in note for note in verdict.notes)


def test_wildcard_origin_with_credentials_is_refused() -> None:
    policy = CorsPolicy(("*",), ("GET",), ("authorization",), allow_credentials=True)
    verdict = check(policy, "GET", TOKEN, credentials=True)
    assert code(verdict) == "WildcardOriginWithCredentials"
    # Without credentials the same answer is fine: '*' admits any origin.
    assert check(policy, "GET", TOKEN).admitted


def test_credentials_need_allow_credentials() -> None:
    assert code(check(POLICY, "GET", credentials=True)) == "CredentialsNotAllowed"
    with_credentials = CorsPolicy((APP,), ("GET",), ("authorization",), allow_credentials=True)
    assert check(with_credentials, "GET", TOKEN, credentials=True).admitted


def test_wildcard_headers_never_cover_authorization() -> None:
    policy = CorsPolicy((APP,), ("GET",), ("*",))
    assert check(policy, "GET", ("x-custom", "1")).admitted
    assert code(check(policy, "GET", TOKEN)) == "AuthorizationNotCoveredByWildcard"
    # With credentials '*' is a literal header name.
    credentialed = CorsPolicy((APP,), ("GET",), ("*",), allow_credentials=True)
    assert code(check(credentialed, "GET", ("x-custom", "1"), credentials=True)) == "HeaderNotAllowed"


def test_wildcard_methods_count_only_without_credentials() -> None:
    policy = CorsPolicy((APP,), ("*",), ("authorization",), allow_credentials=True)
    assert check(policy, "DELETE", TOKEN).admitted
    assert code(check(policy, "DELETE", TOKEN, credentials=True)) == "MethodNotAllowed"


def test_no_cors_policy_is_refused() -> None:
    verdict = evaluate(read_cors(render_policy_document(None)), BrowserRequest(APP, "GET", (TOKEN,)))
    assert code(verdict) == "NoCorsPolicy"


def test_cors_after_another_policy_is_refused() -> None:
    cors = read_cors(document(POLICY, before="base"))
    assert cors is not None
    assert cors.preceded_by == "base"
    assert code(evaluate(cors, BrowserRequest(APP, "GET", (TOKEN,)))) == "CorsNotFirst"


def test_an_options_operation_takes_the_preflight() -> None:
    assert code(check(POLICY, "GET", TOKEN, options_operation=True)) == "OptionsOperation"
    assert check(POLICY, "GET", options_operation=True).admitted  # no preflight, cors answers


def test_disputed_default_is_noted_when_not_written() -> None:
    xml = document(POLICY).replace(' terminate-unmatched-request="true"', "")
    cors = read_cors(xml)
    assert cors is not None
    verdict = evaluate(cors, BrowserRequest(APP, "GET"))
    assert any("terminate-unmatched-request is not written" in note for note in verdict.notes)


@pytest.mark.parametrize(
    ("xml", "says"),
    [
        ("<policies><inbound><cors>", "well-formed"),
        ("<policies><inbound><base /></inbound><outbound><cors /></outbound></policies>", "inbound"),
        (
            '<policies><inbound><cors><allowed-origins><origin>@(context.Request.Headers.GetValueOrDefault("Origin"))'
            "</origin></allowed-origins><allowed-headers><header>a</header></allowed-headers></cors></inbound></policies>",
            "expression",
        ),
        (
            "<policies><inbound><cors><allowed-headers><header>a</header></allowed-headers></cors></inbound></policies>",
            "allowed-origins",
        ),
        (
            "<policies><inbound><cors><allowed-origins><origin>https://a.b</origin></allowed-origins></cors></inbound></policies>",
            "allowed-headers",
        ),
    ],
)
def test_unreadable_cors_is_bad_input(xml: str, says: str) -> None:
    with pytest.raises(PolicyError, match=says):
        read_cors(xml)


def test_two_cors_in_inbound_are_bad_input() -> None:
    xml = document(POLICY)
    twice = xml.replace("<inbound>", "<inbound>" + xml.split("<inbound>")[1].split("<base />")[0], 1)
    with pytest.raises(PolicyError, match="more than one"):
        read_cors(twice)


def test_request_parts() -> None:
    assert serialized_origin("HTTPS://App.Contoso.com:443") == APP
    assert serialized_origin("http://localhost:5173") == "http://localhost:5173"
    assert serialized_origin("https://app.contoso.com/path") is None
    assert serialized_origin("app.contoso.com") is None
    assert parse_header("Content-Type") == ("content-type", "application/json")
    assert parse_header("Content-Type: text/plain") == ("content-type", "text/plain")
    assert not BrowserRequest(APP, "POST", (("content-type", "text/plain"),)).needs_preflight
    with pytest.raises(ValueError, match="not a header"):
        parse_header("bad header: x")


def run_cli(tmp_path: Path, *args: str) -> int:
    policy = tmp_path / "api.xml"
    policy.write_text(document(POLICY), encoding="utf-8")
    return main(["check-cors", "--policy", str(policy), *args])


def test_cli_exit_codes_and_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(tmp_path, "--origin", APP, "--method", "GET", "--header", "authorization") == 0
    assert capsys.readouterr().out.startswith(f"admitted: GET from {APP}")
    assert (
        run_cli(tmp_path, "--origin", "https://evil.example", "--method", "GET", "--header", "authorization")
        == 1
    )
    out = capsys.readouterr().out
    assert "refused: GET from https://evil.example: OriginNotAllowed" in out
    assert "fix: add <origin>https://evil.example</origin> to <allowed-origins>" in out
    assert run_cli(tmp_path, "--origin", "app.contoso.com", "--method", "GET") == 2
    assert "not an origin" in capsys.readouterr().err
    assert (
        main(["check-cors", "--policy", str(tmp_path / "missing.xml"), "--origin", APP, "--method", "GET"])
        == 2
    )


def test_cli_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        run_cli(tmp_path, "--origin", APP, "--method", "DELETE", "--header", "authorization", "--json") == 1
    )
    answer = json.loads(capsys.readouterr().out)
    assert answer["admitted"] is False
    assert answer["reason"]["code"] == "MethodNotAllowed"
    assert answer["fix"] == "add <method>DELETE</method> to <allowed-methods>"
    assert answer["preflight"]["request"]["Access-Control-Request-Method"] == "DELETE"
    assert answer["response"] is None
