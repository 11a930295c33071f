"""The real `__main__.py` under the offline engine, with each of the project's test stacks."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tests.fixture_stacks import CHINA, DEV, FIXTURES, PROD, fixture_file, stack_args
from tools.plan.mermaid import mermaid
from tools.plan.model import Plan, RecordedResource
from tools.plan.plan_json import plan_json
from tools.plan.program import STACKS_DIR, compute_plan, load_config
from tools.plan.testing import PlanOf

STACKS = FIXTURES
SECRET_MARK = "offline-"  # every fabricated secret value starts with this


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m tools ARGS` in a fresh process, from the project directory."""
    return subprocess.run(
        [sys.executable, "-m", "tools", *args],
        cwd=STACKS_DIR.parent,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def custom(plan: Plan, type_: str) -> list[RecordedResource]:
    return [r for r in plan.resources if r.type == type_]


@pytest.mark.parametrize("stack", STACKS)
def test_stack_outputs_follow_the_contract(plan_of: PlanOf, stack: str) -> None:
    plan = plan_of(stack)
    config = load_config(fixture_file(stack))
    out = plan.outputs
    assert set(out) == {
        "tenantId",
        "cloud",
        "gatewayUrl",
        "tokenEndpoint",
        "backend",
        "products",
        "clients",
        "policies",
        "developerPortal",
        "onward",
    }
    tenant = config["apim-oauth:tenantId"]
    assert out["tenantId"] == tenant
    assert out["tokenEndpoint"].endswith(f"/{tenant}/oauth2/v2.0/token")
    assert out["gatewayUrl"].startswith(f"https://{config['apim-oauth:apim']['name']}.")
    assert set(out["backend"]) == {"clientId", "appIdUri", "scopes"}
    products = {p["name"]: p for p in config["apim-oauth:products"]}
    assert set(out["products"]) == set(products)
    for name, product in out["products"].items():
        assert product["mode"] == products[name]["oauth"]["mode"]
        assert product["scope"].endswith("/.default")
        assert product["audience"]
    clients = {c["name"]: c for c in config.get("apim-oauth:clients", [])}
    assert set(out["clients"]) == set(clients)
    for name, client in out["clients"].items():
        assert client["products"] == clients[name].get("products", [])
    onward_apis = {a["name"] for a in config["apim-oauth:apis"] if "onward" in a}
    onward_apis |= {a for p in products.values() if "onward" in p for a in p["apis"]}
    assert set(out["onward"]) == onward_apis
    for check in out["onward"].values():
        assert set(check) >= {"issuer", "audience", "gatewayObjectId", "role"}


@pytest.mark.slow  # plans each stack again
@pytest.mark.parametrize("stack", STACKS)
def test_plan_is_byte_identical_across_runs(plan_of: PlanOf, stack: str) -> None:
    # The session's plan is the first run (computed earlier in this process), this one the second.
    second = plan_json(compute_plan(stack, load_config(fixture_file(stack))))
    assert plan_json(plan_of(stack)) == second


@pytest.mark.parametrize("stack", STACKS)
def test_no_secret_value_reaches_the_plan_json(plan_of: PlanOf, stack: str) -> None:
    text = plan_json(plan_of(stack))
    assert SECRET_MARK not in text
    document = json.loads(text)
    for client in document["outputs"]["clients"].values():
        # Absent with Key Vault delivery: the secret's URI instead (tests/program/test_credentials_program.py).
        assert client.get("clientSecret") in ("[secret]", None)


@pytest.mark.parametrize("stack", STACKS)
def test_client_secret_outputs_are_secret(plan_of: PlanOf, stack: str) -> None:
    from tools.plan.model import is_secret

    for name, client in plan_of(stack).outputs["clients"].items():
        # The whole client entry or its secret field must be marked secret (a single-page app has none).
        assert (
            is_secret(client) or is_secret(client.get("clientSecret")) or client.get("clientSecret") is None
        ), name


@pytest.mark.parametrize("stack", STACKS)
def test_no_entra_resource_waits_on_the_apim_service(plan_of: PlanOf, stack: str) -> None:
    plan = plan_of(stack)
    service = custom(plan, "azure-native:apimanagement:ApiManagementService")
    assert len(service) == 1
    service_urn = service[0].urn
    identity = service[0].outputs["identity"]["principalId"]
    entra = [r for r in plan.resources if r.type.startswith("azuread:") and r.custom]
    assert entra
    for r in entra:
        waits_on = plan.waits_on(r)
        if r.inputs.get("principalObjectId") == identity:
            # Assignments to the identity (directory role, the gateway's app role) need its principal ID.
            assert service_urn in waits_on
        else:
            assert service_urn not in waits_on, r.name


@pytest.mark.parametrize("stack", STACKS)
def test_every_rendered_policy_is_well_formed_and_validates_tokens(plan_of: PlanOf, stack: str) -> None:
    policies: dict[str, Any] = plan_of(stack).outputs["policies"]
    assert policies
    for name, xml in policies.items():
        root = ET.fromstring(xml)
        assert root.tag == "policies", name
        inbound = root.find("inbound")
        assert inbound is not None
        validators = list(inbound.iter("validate-jwt")) + list(inbound.iter("validate-azure-ad-token"))
        # An API-scope policy with only browsers' cors or the onward step validates nothing itself:
        # its product's policy does.
        checks_nothing = {e.tag for e in inbound} <= {"cors", "base", "authentication-managed-identity"}
        assert len(validators) == (0 if checks_nothing else 1), name


def test_dev_product_policy_admits_the_product_app_and_its_role(plan_of: PlanOf) -> None:
    plan = plan_of(DEV)
    partners = plan.outputs["products"]["partners"]
    root = ET.fromstring(plan.outputs["policies"]["product-partners"])
    jwt = root.find("./inbound/validate-jwt")
    assert jwt is not None
    assert [a.text for a in jwt.iterfind("./audiences/audience")] == [partners["audience"]]
    tenant = plan.outputs["tenantId"]
    assert [i.text for i in jwt.iterfind("./issuers/issuer")] == [
        f"https://login.microsoftonline.com/{tenant}/v2.0"
    ]
    claim = jwt.find("./required-claims/claim")
    assert claim is not None
    assert claim.get("name") == "roles"
    assert [v.text for v in claim.iterfind("value")] == ["Product.Partners.All"]
    # The product policy is what the gateway runs: it must be the same document.
    product_policies = custom(plan, "azure-native:apimanagement:ProductPolicy")
    deployed = {p.inputs["productId"]: p.inputs["value"] for p in product_policies}
    assert deployed == {name: plan.outputs["policies"][f"product-{name}"] for name in ("partners", "portal")}


def test_china_policy_uses_the_china_v1_issuer_and_both_audiences(plan_of: PlanOf) -> None:
    plan = plan_of(CHINA)
    jwt = ET.fromstring(plan.outputs["policies"]["product-partners"]).find("./inbound/validate-jwt")
    assert jwt is not None
    tenant = plan.outputs["tenantId"]
    assert [i.text for i in jwt.iterfind("./issuers/issuer")] == [f"https://sts.chinacloudapi.cn/{tenant}/"]
    config = jwt.find("openid-config")
    assert config is not None
    assert (
        config.get("url")
        == f"https://login.partner.microsoftonline.cn/{tenant}/.well-known/openid-configuration"
    )
    backend = plan.outputs["backend"]
    assert [a.text for a in jwt.iterfind("./audiences/audience")] == [
        backend["appIdUri"],
        backend["clientId"],
    ]


def test_prod_protects_the_service_and_dev_does_not(plan_of: PlanOf) -> None:
    for stack, protected in ((PROD, True), (DEV, False)):
        [service] = custom(plan_of(stack), "azure-native:apimanagement:ApiManagementService")
        assert service.protect is protected


def test_mermaid_edges_match_the_plan_dependencies(plan_of: PlanOf) -> None:
    plan = plan_of(DEV)
    text = mermaid(plan)
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    ids = {r.urn: f"r{i}" for i, r in enumerate(sorted(plan.resources, key=lambda r: r.urn))}
    names = {v: k for k, v in ids.items()}
    edges = {tuple(line.strip().split(" --> ")) for line in lines if "-->" in line}
    customs = {r.urn for r in plan.resources if r.custom}
    expected = {
        (ids[r.urn], ids[d]) for r in plan.resources if r.custom for d in r.dependencies if d in customs
    }
    assert edges == expected
    assert edges  # the dev plan has dependencies
    assert all(names[a] in customs and names[b] in customs for a, b in edges)


@pytest.mark.slow  # a fresh interpreter per command line
def test_cli_plan_writes_json_policies_and_mermaid(tmp_path: Path) -> None:
    result = run_cli(
        "plan",
        *stack_args(DEV),
        "--json",
        str(tmp_path / "plan.json"),
        "--policies-dir",
        str(tmp_path / "policies"),
        "--mermaid",
        str(tmp_path / "plan.mmd"),
    )
    assert result.returncode == 0, result.stderr
    assert "azure-native:apimanagement:ApiManagementService" in result.stdout
    assert SECRET_MARK not in result.stdout
    assert "[secret]" in result.stdout
    document = json.loads((tmp_path / "plan.json").read_text())
    assert {"resources", "outputs"} == set(document)
    assert {"urn", "type", "name", "parent", "inputs", "outputs", "dependencies", "options"} == set(
        document["resources"][0]
    )
    written = sorted(p.name for p in (tmp_path / "policies").iterdir())
    assert written == sorted(f"{name}.xml" for name in document["outputs"]["policies"])
    for path in (tmp_path / "policies").iterdir():
        ET.parse(path)
    assert (tmp_path / "plan.mmd").read_text().startswith("flowchart LR")


def _line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


@pytest.mark.slow  # a fresh interpreter per command line
def test_cli_bad_config_exits_2_with_one_line_and_registers_nothing(tmp_path: Path) -> None:
    stack_file = tmp_path / "Pulumi.bad.yaml"
    text = fixture_file(DEV).read_text().replace("sku: Developer", "sku: Gold")
    stack_file.write_text(text)
    result = run_cli(
        "plan", "--stack", "bad", "--config", str(stack_file), "--json", str(tmp_path / "p.json")
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"config error: {stack_file}:{_line_of(text, 'sku: Gold')}: apim-oauth:apim.sku: 'Gold' is not one of 'Developer', 'Basic', 'Standard', 'Premium', "
        "'Consumption', 'Isolated', 'BasicV2', 'StandardV2', 'PremiumV2'"
    ]
    assert not (tmp_path / "p.json").exists()


def test_apim_managed_access_waits_for_the_identity_role_to_propagate(plan_of: PlanOf) -> None:
    plan = plan_of(DEV)
    [role] = custom(plan, "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment")
    [pause] = custom(plan, "time:index/sleep:Sleep")
    [service] = custom(plan, "azure-native:apimanagement:ApiManagementService")
    assert role.inputs["roleId"] == "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"
    assert role.inputs["principalObjectId"] == service.outputs["identity"]["principalId"]
    assert role.urn in pause.dependencies
    [managed_product] = [
        d
        for d in custom(plan, "azure-native:resources:Deployment")
        if d.inputs["properties"]["template"]["resources"][0]["type"]
        == "Microsoft.ApiManagement/service/products"
    ]
    (resource,) = managed_product.inputs["properties"]["template"]["resources"]
    assert resource["properties"]["authenticationType"] == ["application-token", "subscription-key"]
    assert pause.urn in managed_product.dependencies
    clients = custom(plan, "azure-native:apimanagement:ClientApplication")
    assert clients
    for client in clients:
        assert pause.urn in plan.waits_on(client)


def test_removing_a_product_keeps_the_apis_other_products_use(plan_of: PlanOf) -> None:
    config = load_config(fixture_file(DEV))
    config["apim-oauth:products"] = [p for p in config["apim-oauth:products"] if p["name"] != "internal"]
    config["apim-oauth:clients"] = [c for c in config["apim-oauth:clients"] if c["name"] != "ops-console"]
    before = {r.inputs["apiId"] for r in custom(plan_of(DEV), "azure-native:apimanagement:Api")}
    changed = {key: config[key] for key in ("apim-oauth:products", "apim-oauth:clients")}
    after = {r.inputs["apiId"] for r in custom(plan_of(DEV, changed), "azure-native:apimanagement:Api")}
    assert before == after == {"echo", "status", "inventory"}


@pytest.mark.parametrize("stack", STACKS)
def test_policies_dir_holds_each_rendered_policy_of_the_stack(
    plan_of: PlanOf, stack: str, tmp_path: Path
) -> None:
    from tools.__main__ import main

    assert main(["plan", *stack_args(stack), "--policies-dir", str(tmp_path)]) == 0
    written = {p.stem: p.read_text() for p in tmp_path.glob("*.xml")}
    assert written == plan_of(stack).outputs["policies"]
    for xml in written.values():
        assert ET.fromstring(xml).tag == "policies"


def test_a_provider_signed_in_to_another_tenant_stops_before_any_resource() -> None:
    import runpy

    from apim_oauth.azure.clouds import CLOUDS
    from tools.plan.engine import run_program

    config = load_config(fixture_file(DEV))
    plan = Plan()

    def program() -> None:
        runpy.run_path(str(STACKS_DIR.parent / "__main__.py"), run_name="__main__")

    with pytest.raises(ValueError, match="signed in to tenant 00000000-0000-0000-0000-000000000001"):
        run_program(
            program,
            config=config,
            tenant_id="00000000-0000-0000-0000-000000000001",
            cloud=CLOUDS["global"],
            plan=plan,
        )
    assert [r.type for r in plan.resources if r.custom] == []


def test_validate_jwt_policies_do_not_wait_for_client_apps(plan_of: PlanOf) -> None:
    plan = plan_of(DEV)
    client_apps = {
        r.urn
        for r in plan.resources
        if r.type == "azuread:index/application:Application" and "billing-daemon" in r.urn
    }
    assert client_apps
    for policy in custom(plan, "azure-native:apimanagement:ProductPolicy"):
        assert not client_apps & plan.waits_on(policy), policy.name


@pytest.mark.slow  # a fresh interpreter per command line
def test_cli_plan_creates_output_directories_and_reports_unwritable_ones(tmp_path: Path) -> None:
    from tools.__main__ import main

    nested = tmp_path / "a" / "b"
    assert (
        main(
            [
                "plan",
                *stack_args(DEV),
                "--json",
                str(nested / "plan.json"),
                "--mermaid",
                str(nested / "g.mmd"),
            ]
        )
        == 0
    )
    assert json.loads((nested / "plan.json").read_text())["outputs"]["cloud"] == "global"
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["plan", *stack_args(DEV), "--json", str(blocker / "plan.json")]) == 2


@pytest.mark.parametrize("stack", STACKS)
def test_every_api_needs_a_key_outside_its_open_product(plan_of: PlanOf, stack: str) -> None:
    # With subscriptionRequired off, an API whose products all take keys would take anonymous calls.
    apis = custom(plan_of(stack), "azure-native:apimanagement:Api")
    assert apis
    assert all(api.inputs["subscriptionRequired"] is True for api in apis)


def test_v1_product_audience_is_the_app_id_uri_a_v1_token_carries(plan_of: PlanOf) -> None:
    out = plan_of(CHINA).outputs
    assert out["products"]["partners"]["audience"] == out["backend"]["appIdUri"]
    assert out["products"]["partners"]["audience"].startswith("api://")
    dev = plan_of(DEV).outputs
    assert dev["products"]["portal"]["audience"] == dev["backend"]["clientId"]
