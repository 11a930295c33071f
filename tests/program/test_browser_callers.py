"""Browser callers and per-caller limits in a planned stack: the dev fixture's single-page app and
developer portal may call echo from a browser, other pages may not, and each partner daemon is
counted on its own."""

from __future__ import annotations

import json

import pytest

from apim_oauth.config.reading import load_stack_file
from apim_oauth.policies.cors import origin_of
from tests.fixture_stacks import DEV, DEV_FILE, PROD, stack_args
from tools.__main__ import main
from tools.check_cors.evaluation import evaluate
from tools.check_cors.request import BrowserRequest
from tools.plan.testing import PlanOf
from tools.policy_xml.cors import limits_of, read_cors
from tools.policy_xml.document import parse_xml

TOKEN = ("authorization", "Bearer eyJ...")


def spa_origins() -> list[str]:
    """The origins of the dev fixture's single-page app, read from the stack file as a user wrote them."""
    clients = load_stack_file(DEV_FILE)["apim-oauth:clients"]
    spa = next(c for c in clients if c["name"] == "echo-spa")
    return [origin_of(uri) for uri in spa["signIn"]["redirectUris"]]


def test_the_spa_and_the_portal_may_call_echo_and_nobody_else(plan_of: PlanOf) -> None:
    plan = plan_of(DEV)
    cors = read_cors(plan.outputs["policies"]["api-echo"])
    assert cors is not None
    portal = plan.outputs["developerPortal"]["url"]
    for origin in [*spa_origins(), portal]:
        for method, headers in (("GET", (TOKEN,)), ("POST", (TOKEN, ("content-type", "application/json")))):
            verdict = evaluate(cors, BrowserRequest(origin, method, headers))
            assert verdict.admitted, (origin, method, verdict.refusal)
    refused = evaluate(cors, BrowserRequest("https://evil.example", "GET", (TOKEN,)))
    assert refused.refusal is not None
    assert refused.refusal.code == "OriginNotAllowed"
    # cors comes first in the API's policy: only it runs on a preflight.
    assert cors.preceded_by is None


def test_apis_no_browser_calls_get_no_cors(plan_of: PlanOf) -> None:
    policies = plan_of(DEV).outputs["policies"]
    assert "api-status" not in policies
    for name, xml in plan_of(PROD).outputs["policies"].items():
        assert read_cors(xml) is None, name


def test_each_partner_daemon_is_limited_on_its_own(plan_of: PlanOf) -> None:
    xml = plan_of(DEV).outputs["policies"]["product-partners"]
    rate, quota = limits_of(parse_xml(xml.encode()))
    assert (rate.kind, rate.calls, rate.period) == ("rate-limit-by-key", "100", "60")
    assert (quota.kind, quota.calls, quota.period) == ("quota-by-key", "100000", "2592000")
    # Keyed on the v2 token's azp, prefixed with the product: counters are shared across scopes.
    assert rate.counter_key.startswith('@("partners:" + ')
    assert '"azp"' in rate.counter_key
    inbound = [line.strip().split(" ")[0] for line in xml.splitlines() if line.startswith("        <")]
    assert inbound.index("<validate-jwt") < inbound.index("<rate-limit-by-key")


def test_check_cors_on_the_stack(capsys: pytest.CaptureFixture[str]) -> None:
    spa = spa_origins()[0]
    common = [*stack_args(DEV), "--api", "echo", "--method", "GET", "--header", "authorization"]
    assert main(["check-cors", *common, "--origin", spa, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["admitted"] is True
    assert main(["check-cors", *common, "--origin", "https://evil.example"]) == 1
    out = capsys.readouterr().out
    assert f"add https://evil.example to `cors.origins` of API echo in {DEV_FILE}" in out
    assert main(["check-cors", *stack_args(DEV), "--api", "nope", "--origin", spa, "--method", "GET"]) == 2
    assert "has no API 'nope'" in capsys.readouterr().err
