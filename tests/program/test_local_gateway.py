"""The local gateway (`python -m tools gateway`) and `verify --gateway` against it: every cell of the
fixture stacks holds, and a policy changed on purpose is reported as exactly the cell it changes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.fixture_stacks import DEV, PROD, stack_args
from tools.__main__ import main
from tools.gateway.backend import echo
from tools.gateway.server import GatewayServer
from tools.gateway.setup import make_gateway
from tools.plan.testing import PlanOf
from tools.verify.deployed import with_policy
from tools.verify.http import post_form, request
from tools.verify.live_tokens import SECRET_PREFIX, variable
from tools.verify.routes import StackRoutes, routes_of_plan

# Each test serves a stack on loopback and calls it over HTTP: run with the slow ones (CI runs them).
pytestmark = pytest.mark.slow


@contextmanager
def serving(routes: StackRoutes, planned: StackRoutes | None = None) -> Generator[GatewayServer]:
    """The local gateway for `routes` (its provider issuing `planned`'s tokens) on 127.0.0.1, any
    free port, stopped afterwards."""
    server = GatewayServer(make_gateway(routes, echo, "local", (planned or routes).view), 0)
    server.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _secrets(server: GatewayServer, monkeypatch: pytest.MonkeyPatch) -> None:
    provider = server.gateway.provider
    assert provider is not None
    for client, secret in provider.secrets.items():
        monkeypatch.setenv(variable(SECRET_PREFIX, client), secret)


def _verify(
    stack: str, server: GatewayServer, tmp_path: Path, *extra: str
) -> tuple[int, list[dict[str, object]]]:
    report = tmp_path / "report.json"
    code = main(
        [
            "verify",
            *stack_args(stack),
            "--gateway",
            server.url,
            "--issuer",
            "local",
            "--json",
            str(report),
            *extra,
        ]
    )
    return code, json.loads(report.read_text(encoding="utf-8"))["rows"]


@pytest.mark.parametrize("stack", [DEV, PROD])
def test_every_cell_holds_against_the_local_gateway(
    stack: str, plan_of: PlanOf, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with serving(routes_of_plan(stack, plan_of(stack))) as server:
        _secrets(server, monkeypatch)
        code, rows = _verify(stack, server, tmp_path, "--include-unsafe")
    assert code == 0, [row for row in rows if row["result"] != "holds"]
    assert rows
    assert {row["result"] for row in rows} == {"holds"}
    assert {row["expect"] for row in rows} == {"allow", "deny"}


def test_a_changed_policy_is_reported_as_exactly_its_cell(
    plan_of: PlanOf, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    routes = routes_of_plan(DEV, plan_of(DEV))
    planned = routes.view.product_policies["partners"]
    assert "<value>Product.Partners.All</value>" in planned
    # The deployed partners policy asks for another role than the plan: billing-daemon's token (which
    # carries Product.Partners.All) is refused. Safe by default, only its GET reaches the gateway.
    changed = with_policy(
        routes, "product-partners", planned.replace("Product.Partners.All", "Product.Other")
    )
    with serving(changed, routes) as server:
        _secrets(server, monkeypatch)
        code, rows = _verify(DEV, server, tmp_path)
    assert code == 1
    differing = [row for row in rows if row["result"] == "differs"]
    assert [(row["caller"], row["api"], row["operation"]) for row in differing] == [
        ("billing-daemon", "status", "get-all")
    ]
    assert differing[0]["actual"] == {"status": 401, "reason": "TokenClaimValueNotAllowed"}
    assert "try --drift" in str(differing[0]["note"])
    skipped = {(row["caller"], row["method"]) for row in rows if row["result"] == "skipped"}
    assert ("billing-daemon", "POST") in skipped


def test_the_gateway_calls_the_backend_with_its_own_token_for_onward_apis(plan_of: PlanOf) -> None:
    routes = routes_of_plan(PROD, plan_of(PROD))
    onward = routes.view.outputs["onward"]["ledger"]
    with serving(routes) as server:
        provider = server.gateway.provider
        assert provider is not None
        answer = post_form(
            provider.token_endpoint,
            {
                "grant_type": "client_credentials",
                "client_id": routes.view.clients["billing-daemon"]["clientId"],
                "client_secret": provider.secrets["billing-daemon"],
                "scope": routes.view.products["partners"]["scope"],
            },
        )
        assert answer.status == 200
        token = answer.json()["access_token"]
        echoed = request(f"{server.url}/ledger/entries", headers={"Authorization": f"Bearer {token}"})
    assert echoed.status == 200
    forwarded = echoed.json()
    claims = forwarded["backendTokenClaims"]
    assert claims["aud"] == onward["resource"]
    assert claims["oid"] == onward["gatewayObjectId"]
    assert claims["roles"] == [onward["role"]]
    assert forwarded["headers"]["authorization"] != f"Bearer {token}"
    assert forwarded["path"] == "/entries"


def test_the_token_endpoint_refuses_what_entra_refuses(plan_of: PlanOf) -> None:
    routes = routes_of_plan(DEV, plan_of(DEV))
    view = routes.view
    with serving(routes) as server:
        provider = server.gateway.provider
        assert provider is not None
        form = {
            "grant_type": "client_credentials",
            "client_id": view.clients["billing-daemon"]["clientId"],
            "client_secret": "wrong",
            "scope": view.products["partners"]["scope"],
        }
        wrong_secret = post_form(provider.token_endpoint, form)
        not_granted = post_form(
            provider.token_endpoint,
            {
                **form,
                "client_secret": provider.secrets["billing-daemon"],
                "scope": view.products["portal"]["scope"],
            },
        )
        discovery = request(f"{server.url}/{view.outputs['tenantId']}/v2.0/.well-known/openid-configuration")
    assert (wrong_secret.status, wrong_secret.json()["error"]) == (401, "invalid_client")
    assert (not_granted.status, not_granted.json()["error"]) == (400, "invalid_grant")
    assert discovery.json()["issuer"] == f"https://login.microsoftonline.com/{view.outputs['tenantId']}/v2.0"
    assert discovery.json()["token_endpoint"] == provider.token_endpoint


LIMITED = """<policies>
    <inbound>
        <base />
        <rate-limit-by-key calls="2" renewal-period="60" counter-key="@(&quot;portal:&quot; + context.Request.Headers.GetValueOrDefault(&quot;Authorization&quot;,&quot;&quot;))" />
    </inbound>
    <backend><base /></backend>
    <outbound><base /></outbound>
    <on-error><base /></on-error>
</policies>"""


def test_cors_and_per_caller_limits_run_in_the_gateway(plan_of: PlanOf) -> None:
    # fixture-dev: echo's API policy has the cors the plan renders for its browser callers (the SPA's
    # origins); the portal product's policy is given a rate limit of 2 calls after its validator.
    routes = routes_of_plan(DEV, plan_of(DEV))
    portal = routes.view.product_policies["portal"]
    validator = portal[
        portal.index("<validate-jwt") : portal.index("</validate-jwt>") + len("</validate-jwt>")
    ]
    document = LIMITED.replace("<base />\n        <rate", f"<base />\n        {validator}\n        <rate", 1)
    page = "http://localhost:5173"
    with serving(with_policy(routes, "product-portal", document), routes) as server:
        provider = server.gateway.provider
        assert provider is not None
        preflight = {
            "Origin": page,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        }
        allowed = request(f"{server.url}/echo/echo", "OPTIONS", preflight)
        unknown = request(
            f"{server.url}/echo/echo", "OPTIONS", {**preflight, "Origin": "https://evil.example"}
        )
        token = post_form(
            provider.token_endpoint,
            {
                "grant_type": "client_credentials",
                "client_id": routes.view.clients["echo-spa"]["clientId"],
                "client_secret": provider.secrets["echo-spa"],
                "scope": routes.view.products["portal"]["scope"],
            },
        ).json()["access_token"]
        calls = [
            request(f"{server.url}/echo/echo", headers={"Authorization": f"Bearer {token}", "Origin": page})
            for _ in range(3)
        ]
    assert allowed.status == 200
    assert allowed.headers["access-control-allow-origin"] == page
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    assert (unknown.status, "access-control-allow-origin" in unknown.headers) == (200, False)
    assert [call.status for call in calls] == [200, 200, 429]
    assert calls[0].headers["access-control-allow-origin"] == page
    assert calls[2].headers["x-apim-oauth-reason"] == "RateLimitExceeded"


def test_verify_refuses_a_plain_http_gateway_that_is_not_loopback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", *stack_args(DEV), "--gateway", "http://gateway.contoso.example"]) == 2
    assert "plain HTTP" in capsys.readouterr().err


def test_the_gateway_refuses_an_unknown_policy_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "p.xml"
    policy.write_text(LIMITED, encoding="utf-8")
    assert main(["gateway", *stack_args(DEV), "--port", "0", "--policy", f"product-nope={policy}"]) == 2
    assert "no policy 'product-nope'" in capsys.readouterr().err


@pytest.mark.slow  # two fresh interpreters, each planning the stack
def test_the_documented_commands_run_the_gateway_and_verify_against_it(tmp_path: Path) -> None:
    # docs/local-gateway.md and docs/verify.md: `python -m tools gateway ...` in one terminal, then
    # `python -m tools verify --gateway ... --issuer local` with the secrets it prints.
    root = Path(__file__).resolve().parents[2]
    gateway = subprocess.Popen(
        [sys.executable, "-m", "tools", "gateway", *stack_args(DEV), "--port", "0"],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert gateway.stdout is not None
        banner: list[str] = []
        while not banner or not banner[-1].startswith("  export APIM_OAUTH_SECRET_WEB_PORTAL="):
            line = gateway.stdout.readline()
            assert line, "the gateway stopped before printing its secrets"
            banner.append(line.rstrip("\n"))
        assert banner[0].startswith("TEST DOUBLE: ")
        url = next(line.split()[1] for line in banner if line.startswith("gateway:"))
        secrets = dict(
            line.strip().removeprefix("export ").split("=", 1) for line in banner if "export " in line
        )
        verified = subprocess.run(
            [
                sys.executable,
                "-m",
                "tools",
                "verify",
                *stack_args(DEV),
                "--gateway",
                url,
                "--issuer",
                "local",
            ],
            cwd=root,
            env={**os.environ, **secrets},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        gateway.terminate()
        gateway.wait(timeout=30)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "0 differ" in verified.stdout


def test_a_preflight_for_an_operation_with_its_own_validator_is_answered_by_the_cors(
    plan_of: PlanOf,
) -> None:
    # fixture-dev's postEcho has an operation policy whose validate-jwt stands before <base />; a
    # browser's preflight for POST carries no token, so the API's cors must come first there too.
    page = "http://localhost:5173"
    preflight = {
        "Origin": page,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    with serving(routes_of_plan(DEV, plan_of(DEV))) as server:
        answer = request(f"{server.url}/echo/echo", "OPTIONS", preflight)
    assert answer.status == 200
    assert answer.headers["access-control-allow-origin"] == page
    assert "POST" in answer.headers["access-control-allow-methods"]
