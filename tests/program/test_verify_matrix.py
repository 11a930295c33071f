"""`verify --matrix`: the expected access matrix of the fixture stacks, cell by cell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fixture_stacks import DEV, PROD, stack_args
from tools.__main__ import main
from tools.plan.testing import PlanOf
from tools.verify.callers import EXPIRED, NO_TOKEN, OTHER_AUDIENCE, PREFLIGHT, Tokens
from tools.verify.matrix import Row, expected_matrix
from tools.verify.routes import routes_of_plan

NOW = 1_790_000_000  # 2026-09-21: inside every fixture's secret validity, irrelevant to the tokens


@pytest.fixture(scope="module")
def dev_rows(plan_of: PlanOf) -> list[Row]:
    routes = routes_of_plan(DEV, plan_of(DEV))
    return expected_matrix(routes, Tokens(routes.view, NOW))


@pytest.fixture(scope="module")
def prod_rows(plan_of: PlanOf) -> list[Row]:
    routes = routes_of_plan(PROD, plan_of(PROD))
    return expected_matrix(routes, Tokens(routes.view, NOW))


def _cells(rows: list[Row], caller: str, api: str) -> list[Row]:
    found = [row for row in rows if row.caller == caller and row.api == api]
    assert found, (caller, api)
    return found


def test_a_client_granted_one_product_is_allowed_there_and_refused_elsewhere(dev_rows: list[Row]) -> None:
    # fixture-dev: billing-daemon is granted only partners, whose one API is status (every method).
    assert {row.method for row in _cells(dev_rows, "billing-daemon", "status")} == {
        "GET",
        "POST",
        "PUT",
        "PATCH",
        "DELETE",
    }
    assert all(row.expect == "allow" for row in _cells(dev_rows, "billing-daemon", "status"))
    for api in ("echo", "inventory"):
        for row in _cells(dev_rows, "billing-daemon", api):
            assert (row.expect, row.status, row.reason) == ("deny", 401, "TokenAudienceNotAllowed"), row
    echo = _cells(dev_rows, "billing-daemon", "echo")[0]
    assert "its token for product partners" in echo.why
    assert "product portal" in echo.why


def test_a_delegated_client_needs_the_operations_own_scope(dev_rows: list[Row]) -> None:
    # fixture-dev: portal grants Echo.Read; postEcho's own policy also requires Echo.Write, which the
    # web portal's token for the portal product does not carry (mint-token asks for what the product needs).
    by_operation = {row.operation: row for row in _cells(dev_rows, "web-portal", "echo")}
    assert by_operation["getecho"].expect == "allow"
    posted = by_operation["postecho"]
    assert (posted.expect, posted.status, posted.reason) == ("deny", 401, "TokenClaimValueNotAllowed")
    assert "operation echo/postecho" in posted.why


def test_an_apim_managed_product_admits_its_client_application_only(dev_rows: list[Row]) -> None:
    assert all(row.expect == "allow" for row in _cells(dev_rows, "ops-console", "inventory"))
    assert all(row.expect == "deny" for row in _cells(dev_rows, "web-portal", "inventory"))


@pytest.mark.parametrize(
    ("caller", "reason"),
    [
        (NO_TOKEN, "TokenNotPresent"),
        (OTHER_AUDIENCE, "TokenAudienceNotAllowed"),
        (EXPIRED, "TokenExpired"),
    ],
)
def test_every_operation_refuses_the_callers_every_gateway_must_refuse(
    dev_rows: list[Row], prod_rows: list[Row], caller: str, reason: str
) -> None:
    for rows in (dev_rows, prod_rows):
        cells = [row for row in rows if row.caller == caller]
        assert len(cells) == len({(row.api, row.operation) for row in rows})
        assert all((row.expect, row.status, row.reason) == ("deny", 401, reason) for row in cells), cells


def test_a_preflight_from_an_unknown_origin_is_never_admitted(
    dev_rows: list[Row], prod_rows: list[Row]
) -> None:
    for rows in (dev_rows, prod_rows):
        cells = [row for row in rows if row.caller == PREFLIGHT]
        assert cells
        assert all(row.expect == "deny" for row in cells)


def test_onward_authentication_is_named_in_the_cell(prod_rows: list[Row]) -> None:
    # fixture-prod: ledger is called with the gateway's own managed identity token.
    ledger = _cells(prod_rows, "billing-daemon", "ledger")
    assert all(row.expect == "allow" for row in ledger)
    assert all("its own token for" in row.why for row in ledger)


def test_the_json_is_the_contracts_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "matrix.json"
    code = main(["verify", *stack_args(DEV), "--matrix", "--json", str(target), "--now", str(NOW)])
    assert code == 0
    rows = json.loads(target.read_text(encoding="utf-8"))["rows"]
    keys = {"caller", "api", "operation", "method", "expect", "status", "reason"}
    assert all(keys <= set(row) for row in rows)
    assert {row["expect"] for row in rows} == {"allow", "deny"}
    assert "billing-daemon" in capsys.readouterr().out


def test_a_bad_stack_file_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "Pulumi.bad.yaml"
    bad.write_text("config:\n  apim-oauth:cloud: mars\n", encoding="utf-8")
    assert main(["verify", "--stack", "bad", "--config", str(bad), "--matrix"]) == 2
    assert capsys.readouterr().err.startswith("config error: ")


def test_the_apis_cors_answers_a_preflight_from_an_unknown_origin(dev_rows: list[Row]) -> None:
    # fixture-dev: echo's API policy has a cors that terminates unmatched requests; getecho has no
    # policy of its own, so the cors is the first thing the preflight meets.
    (cell,) = [row for row in _cells(dev_rows, PREFLIGHT, "echo") if row.operation == "getecho"]
    assert (cell.expect, cell.status, cell.reason) == ("deny", 200, "CorsOriginNotAllowed")
    assert "at API echo" in cell.why
