"""Nothing that holds data or identity is deleted by an innocent change of configuration."""

from __future__ import annotations

import json

from tools.plan.plan_json import plan_json
from tools.plan.program import STACKS_DIR, load_config
from tools.plan.testing import PlanOf

RESOURCE_GROUP = "azure-native:resources:ResourceGroup"


def test_a_resource_group_the_program_creates_is_retained_when_it_leaves_the_program(plan_of: PlanOf) -> None:
    # Azure deletes a group with everything in it; turning createResourceGroup off or naming
    # another group must leave the old one (and the service in it) where it is.
    for stack in ("dev", "prod"):
        plan = plan_of(stack=stack)
        (group,) = [r for r in json.loads(plan_json(plan))["resources"] if r["type"] == RESOURCE_GROUP]
        assert group["options"]["retainOnDelete"] is True
    # prod asks for protection: the group is protected as well as retained.
    (prod_group,) = [
        r for r in json.loads(plan_json(plan_of(stack="prod")))["resources"] if r["type"] == RESOURCE_GROUP
    ]
    assert prod_group["options"]["protect"] is True


def test_an_existing_resource_group_is_only_referenced(plan_of: PlanOf) -> None:
    dev = plan_of(stack="dev")
    apim = dict(dev.of_type("azure-native:apimanagement:ApiManagementService")[0].inputs)
    apim_config = dict(load_config(STACKS_DIR / "Pulumi.dev.yaml")["apim-oauth:apim"])
    plan = plan_of(stack="dev", config={"apim": {**apim_config, "createResourceGroup": False}})
    assert plan.of_type(RESOURCE_GROUP) == []
    (service,) = plan.of_type("azure-native:apimanagement:ApiManagementService")
    assert service.inputs["resourceGroupName"] == apim["resourceGroupName"]
