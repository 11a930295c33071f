"""`python -m tools diff`: the fixture-dev stack (tests/stacks/) at two states built here, planned by the real program, and
what the diff says about each resource, each policy and each secret."""

from __future__ import annotations

import copy
import functools
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fixture_stacks import DEV, FIXTURES, fixture_file, stack_args
from tools.diff.plans import PlanDocument, current_plan
from tools.diff.render import render_markdown, render_text
from tools.diff.report import DiffReport, build, to_data
from tools.plan.plan_json import plan_json
from tools.plan.program import STACKS_DIR, compute_plan, load_config
from tools.plan.testing import stack_plan

APPLICATION = "azuread:index/application:Application"
PASSWORD = "azuread:index/applicationPassword:ApplicationPassword"
PRODUCT = "azure-native:apimanagement:Product"
RESOURCE_GROUP = "azure-native:resources:ResourceGroup"
PRODUCT_POLICY = "azure-native:apimanagement:ProductPolicy"
OPERATION_POLICY = "azure-native:apimanagement:ApiOperationPolicy"

Edit = Callable[[dict[str, Any]], None]


def _dev() -> dict[str, Any]:
    return yaml.safe_load(fixture_file(DEV).read_text(encoding="utf-8"))


def _write(document: dict[str, Any], path: Path) -> Path:
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


@functools.cache
def _base() -> PlanDocument:
    return current_plan(DEV, fixture_file(DEV))


def _diff(tmp_path: Path, edit: Edit) -> DiffReport:
    document = copy.deepcopy(_dev())
    edit(document["config"])
    return build("dev", _base(), current_plan(DEV, _write(document, tmp_path / "Pulumi.dev.yaml")))


def _by(report: DiffReport, type_: str, name_part: str) -> str:
    """The action on the one changed resource of `type_` whose name contains `name_part`."""
    (change,) = [c for c in report.changes if c.type == type_ and name_part in c.name]
    return change.action


def _item(config: dict[str, Any], key: str, name: str) -> dict[str, Any]:
    return next(i for i in config[f"apim-oauth:{key}"] if i["name"] == name)


def test_the_same_stack_has_no_changes() -> None:
    report = build("dev", _base(), _base())
    assert not report.changed
    assert report.summary().startswith("no changes")


def test_a_product_added_is_created_with_its_policy_in_words(tmp_path: Path) -> None:
    def add(config: dict[str, Any]) -> None:
        status = _item(config, "apis", "status")
        config["apim-oauth:apis"].append({**status, "name": "audit", "displayName": "Audit", "path": "audit"})
        partners = _item(config, "products", "partners")
        config["apim-oauth:products"].append(
            {**partners, "name": "audit", "displayName": "Audit", "apis": ["audit"]}
        )

    report = _diff(tmp_path, add)
    assert {c.action for c in report.changes} == {"create"}
    assert _by(report, PRODUCT, "audit") == "create"
    (policy,) = [p for p in report.policies if "audit" in p.name]
    assert policy.words[0] == "now validates tokens with validate-jwt"
    assert "now requires roles with any of Product.Audit.All" in policy.words
    assert not [c for c in report.changes if c.critical]


def test_an_operation_scope_changed_is_an_update_said_as_the_scope_a_caller_needs(tmp_path: Path) -> None:
    def rescope(config: dict[str, Any]) -> None:
        _item(config, "apis", "echo")["oauth"]["operations"][0]["scopes"] = ["Echo.Read"]

    report = _diff(tmp_path, rescope)
    changes = {(c.action, c.type) for c in report.changes}
    assert ("update", OPERATION_POLICY) in changes
    # echo's test console asks for what the API's products and operations require: its app's
    # permission, its consent and its server's scope follow, and the portal publishes again.
    assert changes - {("update", OPERATION_POLICY)} == {
        ("update", APPLICATION),
        (
            "update",
            "azuread:index/servicePrincipalDelegatedPermissionGrant:ServicePrincipalDelegatedPermissionGrant",
        ),
        ("update", "azure-native:apimanagement:AuthorizationServer"),
        ("update", "azure-native:resources:Deployment"),
    }
    (policy,) = report.policies
    assert policy.words == ("requires scp with any of Echo.Read (was scp with any of Echo.Write)",)


def test_a_rotated_slot_replaces_that_secret_only_and_names_the_new_active_slot(tmp_path: Path) -> None:
    def rotate(config: dict[str, Any]) -> None:
        _item(config, "clients", "billing-daemon")["secret"]["slots"]["blue"] = "2027-01-15"

    report = _diff(tmp_path, rotate)
    assert [(c.action, c.type, c.name.rsplit("-", 1)[1]) for c in report.changes] == [
        ("replace", PASSWORD, "blue")
    ]
    assert report.changes[0].critical
    (rotation,) = report.rotations
    assert rotation.words() == [
        "slot blue replaced: rotated 2026-09-01 -> 2027-01-15, ends 2027-02-28T00:00:00Z -> "
        "2027-07-14T00:00:00Z; its old secret stops working",
        "active slot now blue (ends 2027-07-14T00:00:00Z; was green)",
        "slot green stays valid until 2027-04-30T00:00:00Z",
    ]


def test_a_renamed_client_deletes_its_entra_app_first_in_the_report(tmp_path: Path) -> None:
    def rename(config: dict[str, Any]) -> None:
        _item(config, "clients", "web-portal")["name"] = "web-app"

    report = _diff(tmp_path, rename)
    assert _by(report, APPLICATION, "web-portal") == "delete"
    assert _by(report, APPLICATION, "web-app") == "create"
    first = report.changes[0]
    assert first.critical
    assert "client ID" in render_text(report).split("Identity and data at stake:")[1].splitlines()[1]


def test_a_removed_client_is_said_with_what_it_deletes(tmp_path: Path) -> None:
    def remove(config: dict[str, Any]) -> None:
        config["apim-oauth:clients"].remove(_item(config, "clients", "billing-daemon"))

    report = _diff(tmp_path, remove)
    assert [e.words() for e in report.entries] == [
        "client billing-daemon removed: deletes its Entra app (the client ID its callers use), "
        "service principal, 2 client secrets, app role assignment"
    ]
    text, markdown = render_text(report), render_markdown(report)
    assert text.index("client billing-daemon removed") < text.index("Identity and data at stake")
    assert "> - client billing-daemon removed: deletes its Entra app" in markdown
    assert to_data(report)["entries"][0]["deletes"][0].startswith("Entra app")


def test_a_renamed_client_is_said_as_a_rename_that_deletes_and_creates(tmp_path: Path) -> None:
    def rename(config: dict[str, Any]) -> None:
        _item(config, "clients", "web-portal")["name"] = "web-app"

    (entry,) = _diff(tmp_path, rename).entries
    assert (entry.kind, entry.name, entry.renamed_to) == ("client", "web-portal", "web-app")
    assert entry.words().startswith(
        "client web-portal renamed to web-app: resources are known by name, so this deletes its Entra app"
    )
    assert "client secret" in entry.words()


def test_a_removed_product_and_api_are_said_with_both_components_of_the_product(tmp_path: Path) -> None:
    def remove(config: dict[str, Any]) -> None:
        config["apim-oauth:products"].remove(_item(config, "products", "internal"))
        config["apim-oauth:apis"].remove(_item(config, "apis", "inventory"))
        config["apim-oauth:clients"].remove(_item(config, "clients", "ops-console"))

    words = {(e.kind, e.name): e.words() for e in _diff(tmp_path, remove).entries}
    assert set(words) == {("API", "inventory"), ("product", "internal"), ("client", "ops-console")}
    assert "ARM template deployment (an APIM product" in words["product", "internal"]
    assert "Entra app" in words["product", "internal"]  # the product's own app (ProductApp)
    assert "APIM API, 5 API operations" in words["API", "inventory"]
    assert "APIM client application" in words["client", "ops-console"]


def test_a_slot_dropped_is_no_removed_client(tmp_path: Path) -> None:
    def drop(config: dict[str, Any]) -> None:
        del _item(config, "clients", "billing-daemon")["secret"]["slots"]["blue"]

    assert _diff(tmp_path, drop).entries == ()


def test_a_backend_token_version_changed_updates_the_app_and_the_issuers_callers_need(tmp_path: Path) -> None:
    def v1(config: dict[str, Any]) -> None:
        config["apim-oauth:backend"]["tokenVersion"] = 1

    report = _diff(tmp_path, v1)
    backend = next(c for c in report.changes if c.type == APPLICATION and "backend" in c.name)
    assert backend.action == "update"
    assert any(
        p.path == "api.requestedAccessTokenVersion" and (p.old, p.new) == (2, 1) for p in backend.changes
    )
    portal = next(p for p in report.policies if "portal" in p.name)
    tenant = _dev()["config"]["apim-oauth:tenantId"]
    assert f"issuers added: https://sts.windows.net/{tenant}/" in portal.words
    assert f"issuers removed: https://login.microsoftonline.com/{tenant}/v2.0" in portal.words


def test_a_resource_group_no_longer_created_is_deleted_in_words_first(tmp_path: Path) -> None:
    def existing(config: dict[str, Any]) -> None:
        config["apim-oauth:apim"]["createResourceGroup"] = False

    report = _diff(tmp_path, existing)
    group = report.changes[0]
    assert (group.type, group.action, group.critical) == (RESOURCE_GROUP, "delete", True)
    line = render_text(report).split("Identity and data at stake:")[1].splitlines()[1]
    assert "deletes everything in it" in line


def test_whitespace_and_attribute_order_are_no_policy_change() -> None:
    from tools.diff.policy_meaning import compare

    a = '<policies><inbound><validate-jwt header-name="Authorization" clock-skew="60"><audiences><audience>x</audience></audiences></validate-jwt></inbound></policies>'
    b = '<policies>\n  <inbound>\n    <validate-jwt clock-skew="60"  header-name="Authorization">\n      <audiences><audience>x</audience></audiences>\n    </validate-jwt>\n  </inbound>\n</policies>\n'
    assert compare(a, b) == []
    assert compare(a, b.replace('"60"', '"300"')) == ["clock skew: 60 s -> 300 s"]


def test_onward_authentication_and_validator_kind_are_said_in_words() -> None:
    from tools.diff.policy_meaning import compare

    jwt = '<policies><inbound><validate-jwt header-name="Authorization"><audiences><audience>a</audience></audiences></validate-jwt></inbound></policies>'
    aad = '<policies><inbound><validate-azure-ad-token tenant-id="t"><audiences><audience>a</audience></audiences></validate-azure-ad-token><authentication-managed-identity resource="api://backend" /></inbound></policies>'
    words = compare(jwt, aad)
    assert "validator: validate-jwt -> validate-azure-ad-token" in words
    assert any(
        w.startswith("onward authentication: the gateway now calls the backend") and "api://backend" in w
        for w in words
    )
    narrowed = aad.replace(
        "</audiences>",
        "</audiences><backend-application-ids><application-id>b</application-id></backend-application-ids>",
    )
    assert compare(aad, narrowed) == ["backend applications added: b"]


def _cli(*args: str, cwd: Path = STACKS_DIR.parent) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


@pytest.mark.slow  # a fresh interpreter per command line
def test_cli_exit_codes_markdown_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tools.__main__ import main

    base = tmp_path / "base.json"
    base.write_text(plan_json(compute_plan(DEV, load_config(fixture_file(DEV)))), encoding="utf-8")
    assert main(["diff", *stack_args(DEV), "--base-plan", str(base)]) == 0
    capsys.readouterr()
    document = _dev()
    document["config"]["apim-oauth:apim"]["sku"] = "Premium"
    changed = str(_write(document, tmp_path / "Pulumi.dev.yaml"))
    assert main(["diff", "--stack", DEV, "--config", changed, "--base-plan", str(base), "--markdown"]) == 1
    assert capsys.readouterr().out.startswith(f"### Stack `{DEV}`: 1 to update")
    assert main(["diff", "--stack", DEV, "--config", changed, "--base-plan", str(base), "--json", "-"]) == 1
    data = json.loads(capsys.readouterr().out)
    (service,) = data["resources"]
    assert (service["action"], service["changes"][0]["path"]) == ("update", "sku.name")


@pytest.mark.slow  # a fresh interpreter per command line
def test_cli_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = _cli("diff", *stack_args(DEV), "--base-plan", str(tmp_path / "missing.json"))
    assert bad.returncode == 2
    (line,) = bad.stderr.strip().splitlines()
    assert line.startswith("diff: error: ")
    assert "missing.json" in line


def test_report_json_is_the_same_data_as_the_text(tmp_path: Path) -> None:
    def rotate(config: dict[str, Any]) -> None:
        _item(config, "clients", "billing-daemon")["secret"]["slots"]["blue"] = "2027-01-15"

    report = _diff(tmp_path, rotate)
    data = to_data(report)
    assert data["secretRotations"][0]["activeSlotAfter"] == "blue"
    assert data["resources"][0]["critical"] is True
    assert "slot blue replaced" in render_markdown(report)


@pytest.mark.slow
def test_git_ref_mode_plans_the_base_with_its_own_code(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    files = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=STACKS_DIR.parent,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, files):
        source = STACKS_DIR.parent / name
        if source.is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            (repo / name).write_bytes(source.read_bytes())

    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
            cwd=repo,
            check=True,
            capture_output=True,
        )

    # A ref's stack is its stacks/Pulumi.NAME.yaml: the test stack goes there, so that the users'
    # stacks can be anything.
    stack = repo / "stacks" / f"Pulumi.{DEV}.yaml"
    stack.write_bytes(fixture_file(DEV).read_bytes())
    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-q", "-m", "base")
    document = yaml.safe_load(stack.read_text(encoding="utf-8"))
    document["config"]["apim-oauth:apim"]["createResourceGroup"] = False
    stack.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    git("checkout", "-q", "-b", "change")
    git("commit", "-q", "-am", "use an existing resource group")

    result = _cli("diff", "--stack", DEV, cwd=repo)  # the default base: the merge base with main
    assert result.returncode == 1, result.stderr
    assert "git ref" in result.stdout.splitlines()[0]
    assert f"! {RESOURCE_GROUP}" in result.stdout
    unknown = _cli("diff", "--stack", DEV, "--base", "no-such-ref", cwd=repo)
    assert unknown.returncode == 2
    assert unknown.stderr.startswith("diff: error: ")


# --- matching and lifecycle, on hand-built plans (the engine's rules, not this program's) -----------

STACK_URN = "urn:pulumi:dev::apim-oauth::"


def _resource(type_: str, name: str, parent: str | None = None, **extra: Any) -> dict[str, Any]:
    qualified = f"{parent.split('::')[2]}${type_}" if parent else type_
    options: dict[str, Any] = {
        "protect": extra.pop("protect", False),
        "retainOnDelete": extra.pop("retainOnDelete", False),
        "deleteBeforeReplace": extra.pop("deleteBeforeReplace", False),
        "ignoreChanges": [],
        "replaceOnChanges": [],
        "aliases": extra.pop("aliases", []),
        "dependsOn": [],
    }
    return {
        "urn": f"{STACK_URN}{qualified}::{name}",
        "type": type_,
        "name": name,
        "parent": parent,
        "inputs": extra.pop("inputs", {}),
        "outputs": extra.pop("outputs", {}),
        "dependencies": extra.pop("dependencies", []),
        "options": options,
    }


def _plan(*resources: dict[str, Any]) -> PlanDocument:
    from tools.diff.plans import from_json

    return from_json({"resources": list(resources), "outputs": {}}, "hand-built")


COMPONENT = "apim-oauth:entra:ClientApp"


def test_a_component_renamed_with_an_alias_carries_its_children_over() -> None:
    old_parent = _resource(COMPONENT, "web-portal")
    old_app = _resource(APPLICATION, "web-portal-app", old_parent["urn"], inputs={"displayName": "Web"})
    new_parent = _resource(COMPONENT, "web-app", aliases=[old_parent["urn"]])
    new_app = _resource(APPLICATION, "web-app-app", new_parent["urn"], inputs={"displayName": "Web"})

    report = build("dev", _plan(old_parent, old_app), _plan(new_parent, new_app))

    assert not report.changed
    assert report.renamed == ((old_app["urn"], new_app["urn"]),)


def test_without_the_alias_the_same_rename_deletes_the_app_first_in_words() -> None:
    old_parent = _resource(COMPONENT, "web-portal")
    old_app = _resource(APPLICATION, "web-portal-app", old_parent["urn"])
    new_parent = _resource(COMPONENT, "web-app")
    new_app = _resource(APPLICATION, "web-app-app", new_parent["urn"])

    report = build("dev", _plan(old_parent, old_app), _plan(new_parent, new_app))

    assert [(c.action, c.name, c.critical) for c in report.changes] == [
        ("delete", "web-portal-app", True),
        ("create", "web-app-app", False),
    ]


def test_a_replacement_follows_the_replaced_resource_and_delete_before_replace_is_said() -> None:
    app_outputs = {"objectId": "0b5c3c9e-8d0e-4c53-9d53-2f6f0b0f1a11"}
    old_app = _resource(APPLICATION, "app", inputs={"templateId": "a"}, outputs=app_outputs)
    new_app = _resource(APPLICATION, "app", inputs={"templateId": "b"}, outputs=app_outputs, protect=True)
    secret_inputs = {"applicationId": "/applications/0b5c3c9e-8d0e-4c53-9d53-2f6f0b0f1a11"}
    old_secret = _resource(PASSWORD, "secret", inputs=secret_inputs, dependencies=[old_app["urn"]])
    new_secret = _resource(
        PASSWORD, "secret", inputs=secret_inputs, dependencies=[new_app["urn"]], deleteBeforeReplace=True
    )

    report = build("dev", _plan(old_app, old_secret), _plan(new_app, new_secret))

    actions = {c.name: c for c in report.changes}
    assert actions["app"].action == "replace"
    assert actions["app"].reasons == ("templateId changed, which the provider cannot update in place",)
    assert actions["secret"].action == "replace"
    assert actions["secret"].reasons == ("applicationId names app, which is replaced",)
    text = render_text(report)
    assert "deleted first, then created (deleteBeforeReplace)" in text
    assert "protected: the engine refuses until protect is lifted" in text


def test_a_retained_resource_group_is_said_to_stay_in_azure() -> None:
    group = _resource(RESOURCE_GROUP, "rg", retainOnDelete=True)
    report = build("dev", _plan(group), _plan())
    (change,) = report.changes
    assert (change.action, change.critical) == ("delete", True)
    assert "retainOnDelete: the old one stays in Azure" in render_text(report)


def test_every_cloud_resource_type_the_stacks_plan_has_its_force_new_row() -> None:
    # A type added to the program without its row would show its replacements as updates.
    from tools.diff.force_new import FORCE_NEW

    planned = {
        r.type
        for stack in FIXTURES
        for r in stack_plan(stack, stack_file=fixture_file(stack)).resources
        if r.custom
    }
    assert planned - FORCE_NEW.keys() == set()


SERVICE_PRINCIPAL = "azuread:index/servicePrincipal:ServicePrincipal"


def test_a_renamed_app_keeps_its_ids_for_what_names_it() -> None:
    # The offline engine derives an app's client ID from its name; the engine keeps the state's ID
    # for an aliased app, so its service principal is not replaced.
    old_app = _resource(APPLICATION, "old-app", outputs={"clientId": "11111111-1111-5111-8111-111111111111"})
    old_sp = _resource(SERVICE_PRINCIPAL, "sp", inputs={"clientId": "11111111-1111-5111-8111-111111111111"})
    new_app = _resource(
        APPLICATION,
        "new-app",
        outputs={"clientId": "22222222-2222-5222-8222-222222222222"},
        aliases=[old_app["urn"]],
    )
    new_sp = _resource(SERVICE_PRINCIPAL, "sp", inputs={"clientId": "22222222-2222-5222-8222-222222222222"})

    report = build("dev", _plan(old_app, old_sp), _plan(new_app, new_sp))

    assert not report.changed
    assert report.renamed == ((old_app["urn"], new_app["urn"]),)


def test_a_plan_written_with_the_mocks_urns_is_read_as_the_engine_names_them() -> None:
    # Plans written before the offline engine formed URNs as the engine does: the stack's type before
    # top-level types, and only the parent's last type before a child's.
    root = "urn:pulumi:dev::apim-oauth::pulumi:pulumi:Stack$apim-oauth:index:Deployment::dev"
    component = "urn:pulumi:dev::apim-oauth::apim-oauth:index:Deployment$apim-oauth:entra:ClientApp::dev-web"
    app = "urn:pulumi:dev::apim-oauth::apim-oauth:entra:ClientApp$azuread:index/application:Application::dev-web-app"
    legacy = [
        {"urn": root, "type": "apim-oauth:index:Deployment", "name": "dev", "parent": None},
        {"urn": component, "type": "apim-oauth:entra:ClientApp", "name": "dev-web", "parent": root},
        {
            "urn": app,
            "type": APPLICATION,
            "name": "dev-web-app",
            "parent": component,
            "inputs": {"displayName": "W"},
        },
    ]
    from tools.diff.plans import from_json

    old = from_json({"resources": legacy}, "legacy")
    new_root = _resource("apim-oauth:index:Deployment", "dev")
    new_component = _resource("apim-oauth:entra:ClientApp", "dev-web", new_root["urn"])
    new_app = _resource(APPLICATION, "dev-web-app", new_component["urn"], inputs={"displayName": "W"})

    assert sorted(old.resources) == sorted(r["urn"] for r in (new_root, new_component, new_app))
    assert not build("dev", old, _plan(new_root, new_component, new_app)).changed
