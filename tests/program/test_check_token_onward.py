"""check-token on a path with onward authentication: the caller's token is judged by the validators,
the gateway's own token step is skipped and reported, in the text and in `--json`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import jwt
import pytest

from tests.fixture_stacks import PROD
from tests.token_fixtures import plan_stacks_once, stack_view
from tools.check_token import cli as check_token
from tools.check_token.onward import read_onward
from tools.mint_token.minting import mint

NOW = 1_790_812_800  # 2026-10-01T00:00:00Z


@pytest.fixture(autouse=True)
def _planned_once(monkeypatch: pytest.MonkeyPatch) -> None:
    plan_stacks_once(monkeypatch)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    check_token.add_arguments(parser)
    args = parser.parse_args(argv)
    code = int(args.run(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def token_args(tmp_path: Path, client: str = "billing-daemon", product: str = "partners") -> list[str]:
    minted = mint(stack_view(PROD), client, product, NOW, 3600)
    (tmp_path / "token.jwt").write_text(minted.token, encoding="utf-8")
    (tmp_path / "jwks.json").write_text(json.dumps(minted.jwks), encoding="utf-8")
    (tmp_path / "openid.json").write_text(json.dumps(minted.openid_configuration), encoding="utf-8")
    return [
        "--token-file",
        str(tmp_path / "token.jwt"),
        "--openid-config",
        str(tmp_path / "openid.json"),
        "--jwks",
        str(tmp_path / "jwks.json"),
        "--now",
        "2026-10-01T00:10:00Z",
    ]


def test_ledger_path_judges_the_product_validator_and_reports_the_gateway_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backend = stack_view(PROD).backend["clientId"]
    code, out, err = run(capsys, "--stack", PROD, "--api", "ledger", *token_args(tmp_path))
    assert (code, err) == (0, "")
    assert out.startswith("ACCEPTED: validate-jwt")
    [line] = [line for line in out.splitlines() if line.startswith("onward: ")]
    assert "API ledger" in line
    assert (
        f"replaces the caller's Authorization header with a token the gateway obtains with its system-assigned managed identity for {backend}"
        in line
    )
    assert "not evaluated" in line


def test_json_lists_the_onward_authentication(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--stack", PROD, "--api", "ledger", *token_args(tmp_path), "--json", "-")
    document = json.loads(out)
    assert (code, document["accepted"]) == (0, True)
    assert document["onward"] == [
        {
            "policy": "authentication-managed-identity",
            "scope": "API ledger",
            "resource": stack_view(PROD).backend["clientId"],
            "identity": "system-assigned",
            "outputTokenVariableName": None,
            "ignoreError": False,
        }
    ]
    # The step is not a policy that judged the token: only the product's validator did.
    assert "policies" not in document


def test_a_rejected_caller_still_sees_where_the_backend_token_would_come_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # reporting-daemon's token is for the backend app: the partners product's policy refuses it.
    args = token_args(tmp_path, "reporting-daemon", "reporting")
    code, out, _ = run(capsys, "--stack", PROD, "--api", "ledger", *args, "--json", "-")
    document = json.loads(out)
    assert code == 1
    assert document["reasons"][0]["code"] == "TokenAudienceNotAllowed"
    assert [step["scope"] for step in document["onward"]] == ["API ledger"]


def test_policy_files_skip_a_document_whose_only_step_is_onward(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    view = stack_view(PROD)
    api_file, product_file = tmp_path / "api-ledger.xml", tmp_path / "product-partners.xml"
    api_file.write_text(view.api_policies["ledger"], encoding="utf-8")
    product_file.write_text(view.product_policies["partners"], encoding="utf-8")
    args = token_args(tmp_path)
    code, out, _ = run(capsys, "--policy", str(api_file), "--policy", str(product_file), *args)
    assert code == 0
    assert f"onward: {api_file}: after validation" in out


def test_a_step_that_ignores_errors_is_called_out() -> None:
    document = (
        '<policies><inbound><validate-jwt header-name="Authorization" /><base />'
        '<authentication-managed-identity resource="api://ledger" client-id="0b4f6a57-1d9e-4a8f-9c3e-5a7b2d1e0f64" '
        'ignore-error="true" /></inbound></policies>'
    )
    reading = read_onward(document, "product p")
    assert reading.has_validator
    [step] = reading.steps
    assert (step.resource, step.identity, step.ignore_error) == (
        "api://ledger",
        "user-assigned 0b4f6a57-1d9e-4a8f-9c3e-5a7b2d1e0f64",
        True,
    )
    assert "the caller's header goes on unchanged" in step.describe()


def test_a_document_with_raw_expressions_is_scanned_for_the_step() -> None:
    document = (
        '<policies><inbound><base /><set-variable name="x" value="@(1 < 2)" />'
        "<authentication-managed-identity resource='api://ledger' output-token-variable-name=\"t\"/>"
        "</inbound></policies>"
    )
    reading = read_onward(document, "API x")
    assert not reading.has_validator
    [step] = reading.steps
    assert (step.resource, step.output_variable) == ("api://ledger", "t")
    assert "context variable 't'" in step.describe()


def test_stack_alone_recognises_the_gateway_token_the_backend_received(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # What a backend team pastes when the ledger answers 401: the token the gateway obtained for it.
    view = stack_view(PROD)
    ledger = view.outputs["onward"]["ledger"]
    claims = {
        "aud": ledger["audience"],
        "iss": ledger["issuer"],
        "oid": ledger["gatewayObjectId"],
        "roles": [ledger["role"]],
        "azp": "7a1e2c3d-4b5f-4a6e-8d9c-0b1a2f3e4d5c",  # the identity's app ID: not in any output
        "tid": view.outputs["tenantId"],
        "ver": "2.0",
    }
    token = jwt.encode(claims, "not-checked-here-" * 4, algorithm="HS256")
    code, out, _ = run(capsys, "--stack", PROD, "--token", token, "--json", "-")
    document = json.loads(out)
    assert (code, document["belongs"]) == (0, True)
    assert document["identity"][0].startswith(f"audience {ledger['audience']}:")
    assert any(
        "the API Management gateway's managed identity" in line and "ledger" in line
        for line in document["identity"]
    )
