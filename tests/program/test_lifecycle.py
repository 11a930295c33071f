"""Nothing that holds data or identity is deleted by an innocent change of configuration."""

from __future__ import annotations

import json

import pytest

from apim_oauth.config.errors import ConfigError
from tests.fixture_stacks import DEV, PROD, fixture_file
from tools.plan.mocks import DEPLOYER_OBJECT_ID
from tools.plan.plan_json import plan_json
from tools.plan.program import load_config
from tools.plan.testing import PlanOf

RESOURCE_GROUP = "azure-native:resources:ResourceGroup"


def test_a_resource_group_the_program_creates_is_retained_when_it_leaves_the_program(plan_of: PlanOf) -> None:
    # Azure deletes a group with everything in it; turning createResourceGroup off or naming
    # another group must leave the old one (and the service in it) where it is.
    for stack in (DEV, PROD):
        plan = plan_of(stack=stack)
        (group,) = [r for r in json.loads(plan_json(plan))["resources"] if r["type"] == RESOURCE_GROUP]
        assert group["options"]["retainOnDelete"] is True
    # prod asks for protection: the group is protected as well as retained.
    (prod_group,) = [
        r for r in json.loads(plan_json(plan_of(stack=PROD)))["resources"] if r["type"] == RESOURCE_GROUP
    ]
    assert prod_group["options"]["protect"] is True


def test_an_existing_resource_group_is_only_referenced(plan_of: PlanOf) -> None:
    dev = plan_of(stack=DEV)
    apim = dict(dev.of_type("azure-native:apimanagement:ApiManagementService")[0].inputs)
    apim_config = dict(load_config(fixture_file(DEV))["apim-oauth:apim"])
    plan = plan_of(stack=DEV, config={"apim": {**apim_config, "createResourceGroup": False}})
    assert plan.of_type(RESOURCE_GROUP) == []
    (service,) = plan.of_type("azure-native:apimanagement:ApiManagementService")
    assert service.inputs["resourceGroupName"] == apim["resourceGroupName"]


ENTRA_APPS = ("azuread:index/application:Application", "azuread:index/servicePrincipal:ServicePrincipal")
PERSON = "0b1c2d3e-4f50-4617-8829-3a4b5c6d7e8f"
PIPELINE = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


def test_listed_owners_own_every_entra_app_and_are_reconciled(plan_of: PlanOf) -> None:
    # A pipeline with Application.ReadWrite.OwnedBy manages only apps it owns: listing it (and the
    # people who deploy) makes it an owner of apps a person created, and the reverse.
    plan = plan_of(stack=DEV, config={"owners": [PERSON.upper(), PIPELINE]})
    resources = {r["urn"]: r for r in json.loads(plan_json(plan))["resources"]}
    apps = [r for r in resources.values() if r["type"] in ENTRA_APPS]
    assert apps
    for app in apps:
        assert sorted(app["inputs"]["owners"]) == sorted({DEPLOYER_OBJECT_ID, PERSON, PIPELINE}), app["name"]
        assert "owners" not in app["options"]["ignoreChanges"], app["name"]


def test_without_listed_owners_an_app_keeps_the_owner_that_created_it(plan_of: PlanOf) -> None:
    resources = json.loads(plan_json(plan_of(stack=DEV)))["resources"]
    for app in [r for r in resources if r["type"] in ENTRA_APPS]:
        assert app["inputs"]["owners"] == [DEPLOYER_OBJECT_ID]
        assert "owners" in app["options"]["ignoreChanges"]


def test_an_owner_that_is_no_object_id_is_a_config_error(plan_of: PlanOf) -> None:
    with pytest.raises(ConfigError) as raised:
        plan_of(stack=DEV, config={"owners": ["alice@contoso.example"]})
    assert raised.value.path == "apim-oauth:owners[0]"
