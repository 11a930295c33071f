"""Resource options in the plan (JSON and tree), and the offline engine refusing a duplicate URN as the
real engine does. Through the real program and stack files, and the real SDK for what no stack does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pulumi
import pulumi_azuread as azuread
import pytest
import yaml

from apim_oauth.azure.clouds import CLOUDS
from tests.fixture_stacks import DEV, PROD, fixture_file
from tools.plan.engine import DuplicateUrnError, run_program
from tools.plan.model import Plan
from tools.plan.plan_json import plan_json
from tools.plan.program import STACKS_DIR
from tools.plan.testing import stack_plan
from tools.plan.tree import render_tree

SERVICE = "azure-native:apimanagement:ApiManagementService"
RESOURCE_GROUP = "azure-native:resources:ResourceGroup"
APPLICATION = "azuread:index/application:Application"
PRODUCT_API_LINK = "azure-native:apimanagement:ProductApiLink"
PRODUCT_POLICY = "azure-native:apimanagement:ProductPolicy"
TENANT = "3f2a1c4e-8b7d-4e6f-9a1b-2c3d4e5f6a7b"


def _plan(stack: str) -> Plan:
    # Planned once per session, shared with the other program tests.
    return stack_plan(stack, stack_file=fixture_file(stack))


def _json_resources(plan: Plan) -> dict[str, dict[str, Any]]:
    return {r["urn"]: r for r in json.loads(plan_json(plan))["resources"]}


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools", *args],
        cwd=STACKS_DIR.parent,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_plan_json_records_every_option_of_every_resource() -> None:
    plan = _plan(PROD)
    resources = _json_resources(plan)
    for resource in resources.values():
        assert set(resource["options"]) == {
            "protect",
            "retainOnDelete",
            "deleteBeforeReplace",
            "ignoreChanges",
            "replaceOnChanges",
            "aliases",
            "dependsOn",
        }
    service = next(r for r in resources.values() if r["type"] == SERVICE)
    group = next(r for r in resources.values() if r["type"] == RESOURCE_GROUP)
    # prod sets `apim.protect`: neither the service nor the group holding it can be deleted by `up`.
    assert service["options"]["protect"] is True
    assert group["options"]["protect"] is True


def test_plan_json_names_the_policy_each_api_link_waits_for() -> None:
    # An API reachable through a product before the product's validate-jwt policy exists would take
    # calls unchecked: each link is asked to wait for the policy explicitly (dependsOn).
    resources = _json_resources(_plan(DEV))
    guarded = {r["inputs"]["productId"] for r in resources.values() if r["type"] == PRODUCT_POLICY}
    links = [
        r for r in resources.values() if r["type"] == PRODUCT_API_LINK and r["inputs"]["productId"] in guarded
    ]
    assert len(links) >= 2
    for link in links:
        (waited,) = link["options"]["dependsOn"]
        assert resources[waited]["type"] == PRODUCT_POLICY
        assert resources[waited]["inputs"]["productId"] == link["inputs"]["productId"]


def test_plan_json_records_that_entra_apps_leave_their_owners_alone() -> None:
    resources = _json_resources(_plan(DEV))
    apps = [r for r in resources.values() if r["type"] == APPLICATION]
    assert apps
    assert all("owners" in app["options"]["ignoreChanges"] for app in apps)


def test_the_tree_starts_with_a_summary_and_marks_protected_resources() -> None:
    plan = _plan(PROD)
    tree = render_tree(plan).splitlines()
    counts, guarded = tree[0].split("; protected or retained on delete: ", 1)
    assert "azure-native" in counts
    assert "azuread" in counts
    service = next(r for r in plan.resources if r.type == SERVICE)
    group = next(r for r in plan.resources if r.type == RESOURCE_GROUP)
    assert f"{service.name} (protected)" in guarded
    assert f"{group.name} (protected, retained)" in guarded
    service_line = next(line for line in tree if f"- {SERVICE} " in line)
    assert service_line.endswith("[protect]")
    # dev protects nothing; the group it creates is still retained (test_lifecycle.py).
    dev_group = next(r for r in _plan(DEV).resources if r.type == RESOURCE_GROUP)
    assert (
        render_tree(_plan(DEV))
        .splitlines()[0]
        .endswith(f"protected or retained on delete: {dev_group.name} (retained)")
    )


def test_options_the_program_does_not_use_yet_are_recorded_and_marked() -> None:
    def program() -> None:
        old = azuread.Application("old-name", display_name="x", opts=pulumi.ResourceOptions(protect=False))
        azuread.Application(
            "kept",
            display_name="y",
            opts=pulumi.ResourceOptions(
                retain_on_delete=True,
                delete_before_replace=True,
                replace_on_changes=["displayName"],
                aliases=[pulumi.Alias(name="older")],
                depends_on=[old],
            ),
        )

    plan = run_program(program, config={}, tenant_id=TENANT, cloud=CLOUDS["global"])
    (kept,) = [r for r in _json_resources(plan).values() if r["name"] == "kept"]
    options = kept["options"]
    assert options["retainOnDelete"] is True
    assert options["deleteBeforeReplace"] is True
    assert options["replaceOnChanges"] == ["displayName"]
    assert options["aliases"] == [kept["urn"].replace("::kept", "::older")]
    assert [u.rsplit("::", 1)[1] for u in options["dependsOn"]] == ["old-name"]
    line = next(line for line in render_tree(plan).splitlines() if line.endswith("]") and " kept " in line)
    assert line.endswith("[retainOnDelete; deleteBeforeReplace; replaceOnChanges: displayName]")
    assert "retained" in render_tree(plan).splitlines()[0]


def test_the_engine_refuses_a_second_resource_under_one_urn_with_the_engines_words() -> None:
    def program() -> None:
        azuread.Application("twice", display_name="first")
        azuread.Application("twice", display_name="second")

    recorded = Plan()
    with pytest.raises(DuplicateUrnError) as caught:
        run_program(program, config={}, tenant_id=TENANT, cloud=CLOUDS["global"], plan=recorded)
    urn = caught.value.urn
    assert str(caught.value) == f"Duplicate resource URN '{urn}'; try giving it a unique name"
    # Never both: the run fails instead of keeping one silently. (The SDK registers from a thread pool,
    # so which arrives first, and whether it is recorded before the run stops, is not fixed.)
    assert len([r for r in recorded.resources if r.urn == urn]) <= 1


@pytest.mark.slow  # a fresh interpreter per command line
def test_colliding_names_never_plan_fewer_links_than_configured(tmp_path: Path) -> None:
    # Product `a` with API `b-c` and product `a-b` with API `c`: joined with `-`, both links may get
    # one name. Either the settings refuse it or the engine does; never a plan with one link lost.
    document = yaml.safe_load((fixture_file(DEV)).read_text(encoding="utf-8"))
    config = document["config"]
    api = dict(config["apim-oauth:apis"][1])
    config["apim-oauth:apis"] = [{**api, "name": "b-c", "path": "bc"}, {**api, "name": "c", "path": "c"}]
    product = dict(config["apim-oauth:products"][0])
    config["apim-oauth:products"] = [
        {**product, "name": "a", "apis": ["b-c"]},
        {**product, "name": "a-b", "apis": ["c"]},
    ]
    config.pop("apim-oauth:clients", None)
    stack_file = tmp_path / "Pulumi.collide.yaml"
    stack_file.write_text(yaml.safe_dump(document), encoding="utf-8")

    result = _cli("plan", "--stack", "collide", "--config", str(stack_file))

    assert result.returncode == 2, result.stdout[-2000:]
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    # The settings refuse it first, naming both keys (apim_oauth/config/rules/products.py).
    assert line.startswith(f"config error: {stack_file}:"), line
    assert ": apim-oauth:products[a-b].apis[0]: " in line
    assert "apim-oauth:products[0].apis[0]" in line
