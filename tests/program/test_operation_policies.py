"""Operation policies target the operations APIM creates on import, through the real program."""

from __future__ import annotations

import copy
from typing import Any

from tests.fixture_stacks import DEV, fixture_file
from tools.plan.program import load_config
from tools.plan.testing import PlanOf

OPERATION_POLICY = "azure-native:apimanagement:ApiOperationPolicy"


def _echo_with_orders_document(*operation_ids: str) -> list[dict[str, Any]]:
    apis = copy.deepcopy(load_config(fixture_file(DEV))["apim-oauth:apis"])
    echo = apis[0]
    echo["openApi"] = "tests/program/openapi/orders.openapi.yaml"
    template = echo["oauth"]["operations"][0]
    echo["oauth"]["operations"] = [{**template, "operationId": op_id} for op_id in operation_ids]
    return apis


def test_each_policy_names_the_operation_apim_creates(plan_of: PlanOf) -> None:
    # Capitals and '_' in an operationId, and an operation without one (by method and path).
    plan = plan_of(
        stack=DEV, config={"apis": _echo_with_orders_document("List_Orders", "getOrderById", "post-orders")}
    )

    policies = plan.of_type(OPERATION_POLICY)
    assert sorted(p.inputs["operationId"] for p in policies) == ["getorderbyid", "list-orders", "post-orders"]
    assert {p.inputs["apiId"] for p in policies} == {"echo"}
    # The policies stack output is keyed by the same names, and each document demands Echo.Write.
    assert {k for k in plan.policies if k.startswith("api-echo.")} == {
        "api-echo.getorderbyid",
        "api-echo.list-orders",
        "api-echo.post-orders",
    }
    for name in ("list-orders", "getorderbyid", "post-orders"):
        claims = plan.policies[f"api-echo.{name}"].iter("value")
        assert "Echo.Write" in {c.text for c in claims}


def test_a_renamed_target_is_replaced_delete_first_and_keeps_its_logical_name(plan_of: PlanOf) -> None:
    # Earlier versions keyed the policy by the operationId as written; ARM matches names without
    # regard to case, so a create-first replacement would delete the new policy with the old.
    policy = plan_of(stack=DEV).one(OPERATION_POLICY, operationId="postecho")
    assert policy.delete_before_replace
    assert policy.name.endswith("-postecho-policy")
    assert any(a.name.endswith("-postEcho-policy") for a in policy.aliases)
