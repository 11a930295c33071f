"""`verify --drift`: the deployment read through ARM (recorded responses, written from the ARM REST
contract: tests/program/arm/fixture-dev.arm.json says which) compared by meaning with the plan, with
the deployed IDs from the stack's outputs (tests/program/arm/fixture-dev.outputs.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.fixture_stacks import DEV, stack_args
from tools.__main__ import main
from tools.verify.deployed import id_map, replace_ids

ARM = Path(__file__).resolve().parent / "arm"
RECORDING = ARM / "fixture-dev.arm.json"
OUTPUTS = ARM / "fixture-dev.outputs.json"
PARTNERS_POLICY = "products/partners/policies/policy?format=rawxml"


def _drift(tmp_path: Path, recording: Path = RECORDING, *extra: str) -> tuple[int, dict[str, Any]]:
    report = tmp_path / "drift.json"
    code = main(
        [
            "verify",
            *stack_args(DEV),
            "--drift",
            "--arm-responses",
            str(recording),
            "--json",
            str(report),
            *extra,
        ]
    )
    return code, json.loads(report.read_text(encoding="utf-8"))["drift"] if report.exists() else {}


def _changed(tmp_path: Path, change: Any) -> Path:
    recording = json.loads(RECORDING.read_text(encoding="utf-8"))
    change(recording["responses"])
    path = tmp_path / "changed.arm.json"
    path.write_text(json.dumps(recording), encoding="utf-8")
    return path


def test_a_deployment_as_planned_has_no_drift(tmp_path: Path) -> None:
    # The recording's policies come back as APIM returns them (CRLF, tabs): the same by meaning.
    code, drift = _drift(tmp_path, RECORDING, "--outputs", str(OUTPUTS))
    assert code == 0, drift
    assert drift["drift"] == []
    assert {"policy of product partners", "product internal", "APIs of product portal"} <= set(drift["read"])
    assert "authorization server echo" in drift["read"]
    assert "identity provider aad" in drift["read"]


def test_each_difference_is_named_in_words(tmp_path: Path) -> None:
    def change(responses: dict[str, Any]) -> None:
        policy = responses[PARTNERS_POLICY]["body"]["properties"]
        policy["value"] = policy["value"].replace("Product.Partners.All", "Product.Anything")
        del responses["apis/echo/operations/postecho/policies/policy?format=rawxml"]
        responses["products/portal/apis"]["body"]["value"] = []
        responses["identityProviders/aad"]["body"]["properties"]["allowedTenants"].append("common")
        responses["products/partners"]["body"]["properties"]["subscriptionRequired"] = True

    code, drift = _drift(tmp_path, _changed(tmp_path, change), "--outputs", str(OUTPUTS))
    assert code == 1
    found = {d["subject"]: " | ".join(d["differences"]) for d in drift["drift"]}
    assert set(found) == {
        "policy of product partners",
        "policy of operation echo/postecho",
        "APIs of product portal",
        "identity provider aad",
        "product partners",
    }
    assert "Product.Anything" in found["policy of product partners"]
    assert "no longer validates tokens" in found["policy of operation echo/postecho"]
    assert "API echo is not linked" in found["APIs of product portal"]
    assert "allowedTenants" in found["identity provider aad"]
    assert "subscriptionRequired" in found["product partners"]


def test_a_policy_the_plan_does_not_have_is_drift(tmp_path: Path) -> None:
    def change(responses: dict[str, Any]) -> None:
        extra = dict(responses[PARTNERS_POLICY])
        responses["apis/status/policies/policy?format=rawxml"] = extra

    code, drift = _drift(tmp_path, _changed(tmp_path, change), "--outputs", str(OUTPUTS))
    assert code == 1
    assert [d["subject"] for d in drift["drift"]] == ["policy of API status"]


def test_without_the_deployed_ids_the_stand_ins_differ(tmp_path: Path) -> None:
    # The offline plan's app IDs are the engine's stand-ins; the deployment has Entra's.
    code, drift = _drift(tmp_path)
    assert code == 1
    assert "authorization server echo" in {d["subject"] for d in drift["drift"]}


def test_drift_against_arm_needs_the_deployed_outputs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", *stack_args(DEV), "--drift"]) == 2
    assert "--outputs" in capsys.readouterr().err


def test_drift_against_arm_needs_a_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("APIM_OAUTH_ARM_TOKEN", raising=False)
    assert main(["verify", *stack_args(DEV), "--drift", "--outputs", str(OUTPUTS)]) == 2
    assert "APIM_OAUTH_ARM_TOKEN" in capsys.readouterr().err


def test_ids_are_paired_by_place_in_the_outputs() -> None:
    planned = {
        "products": {
            "p": {
                "audience": "11111111-1111-4111-8111-111111111111",
                "scope": "api://11111111-1111-4111-8111-111111111111/.default",
            }
        }
    }
    deployed = {
        "products": {
            "p": {
                "audience": "22222222-2222-4222-8222-222222222222",
                "scope": "api://22222222-2222-4222-8222-222222222222/.default",
            }
        }
    }
    ids = id_map(planned, deployed)
    assert ids == {"11111111-1111-4111-8111-111111111111": "22222222-2222-4222-8222-222222222222"}
    xml = "<audience>11111111-1111-4111-8111-111111111111</audience>"
    assert replace_ids(xml, ids) == "<audience>22222222-2222-4222-8222-222222222222</audience>"
