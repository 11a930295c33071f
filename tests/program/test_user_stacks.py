"""The users' stacks (stacks/): held only to the rules any stack keeps.

A team edits its stack files freely: adds, removes or reorders APIs, products and clients, adds a
stack. None of that fails the tests unless the stack breaks one of these rules, or one of the team's
own (test_team_rules.py, docs/test-your-own-stack.md). What the program does with a given
configuration is tested on the project's own stacks (tests/stacks/, tests/fixture_stacks.py).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from apim_oauth.policies.limits import counter_key
from apim_oauth.policies.values import policy_value_problem
from tools.plan.arm_ids import arm_like_id
from tools.plan.model import RecordedResource
from tools.plan.program import STACKS_DIR
from tools.plan.testing import PlanOf, StackPlan
from tools.stacks import stack_names

POLICY_TYPES = {
    "azure-native:apimanagement:ProductPolicy",
    "azure-native:apimanagement:ApiPolicy",
    "azure-native:apimanagement:ApiOperationPolicy",
}


def is_arm(resource: RecordedResource) -> bool:
    return resource.custom and resource.type.startswith("azure-native:")


def user_plan(plan_of: PlanOf, stack: str) -> StackPlan:
    return plan_of(stack, stack_file=STACKS_DIR / f"Pulumi.{stack}.yaml")


@pytest.mark.parametrize("stack", stack_names())
def test_the_stack_plans_with_well_formed_injection_safe_policies(plan_of: PlanOf, stack: str) -> None:
    plan = user_plan(plan_of, stack)  # a configuration mistake raises ConfigError here
    documents: dict[str, str] = {f"output {k}": v for k, v in plan.outputs["policies"].items()}
    documents |= {r.name: r.inputs["value"] for r in plan.resources if r.type in POLICY_TYPES}
    assert documents, f"{stack}: no policy at all"
    # The one expression the program writes itself: each product's per-caller counter key.
    own = {counter_key(p, v) for p in plan.outputs["products"] for v in (1, 2)}
    for where, xml in documents.items():
        root = ET.fromstring(xml)
        assert root.tag == "policies", where
        # The gateway runs `@(...)` as C# and expands `{{...}}` after parsing: no value may carry one.
        for element in root.iter():
            values = [element.text or "", element.tail or ""]
            values += [v for k, v in element.attrib.items() if not (k == "counter-key" and v in own)]
            for value in values:
                problem = policy_value_problem(value)
                assert problem is None, f"{stack}: {where}: {value!r} {problem}"


@pytest.mark.parametrize("stack", stack_names())
def test_the_stacks_names_are_collision_free(plan_of: PlanOf, stack: str) -> None:
    plan = user_plan(plan_of, stack)
    # The offline engine refuses a second resource with a URN already registered, as Pulumi does; Azure
    # refuses a second resource with the same ID.
    for what, names in (
        ("URN", [r.urn for r in plan.resources]),
        ("Azure resource ID", [arm_like_id(r.type, r.name, r.inputs) for r in plan.resources if is_arm(r)]),
    ):
        twice = [name for name, count in Counter(names).items() if count > 1]
        assert not twice, f"{stack}: {what}s used twice: {twice}"
