"""Smoke tests of the benchmarks' own logic (bench/). No timing is asserted anywhere."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from apim_oauth.config.settings import parse
from bench import critical_path, plan_worker, stackgen, startup
from bench.report import Section, Table, Target, render_results
from tools.plan.engine import run_program
from tools.plan.program import PROJECT_DIR, compute_plan, project_defaults

pytestmark = pytest.mark.slow  # the benchmarks' own tests: CI runs them, `make test` leaves them out


def generated(products: int = 4, clients: int = 12) -> dict[str, object]:
    return {**project_defaults(), **stackgen.generate(products, clients, name="smoke")}


def test_generated_stacks_pass_settings_with_both_modes_and_unmixed_clients() -> None:
    settings = parse(generated(8, 24), base_dir=PROJECT_DIR)
    assert {p.mode for p in settings.products} == {"entra-app", "apim-managed"}
    assert len(settings.clients) == 24
    modes = {p.name: p.mode for p in settings.products}
    for client in settings.clients:
        assert len(client.products) == 2
        assert len({modes[p] for p in client.products}) == 1


def test_floor_registers_the_programs_custom_resources_bare_with_their_aliases() -> None:
    config = generated()
    plan = compute_plan("smoke", config)
    specs = [plan_worker.resource_spec(r) for r in plan.resources]
    floor = run_program(
        plan_worker.floor_program(specs),
        config=config,
        tenant_id=stackgen.TENANT_ID,
        cloud=parse(config, base_dir=PROJECT_DIR).cloud,
        stack="smoke",
    )
    program = {(r.type, r.name): r for r in plan.resources if r.custom}
    bare = {(r.type, r.name): r for r in floor.resources}
    assert bare.keys() == program.keys()
    assert all(r.custom and r.parent is None and not r.dependencies for r in bare.values())
    assert all(r.inputs == program[key].inputs for key, r in bare.items())
    # The provider classes' aliases (one per older API version) are replayed as sent.
    assert all(r.aliases == program[key].aliases for key, r in bare.items())
    assert any(r.aliases for r in bare.values())
    assert all(r.secret_outputs == program[key].secret_outputs for key, r in bare.items())


def test_floor_with_the_tree_registers_the_programs_urns() -> None:
    config = generated()
    plan = compute_plan("smoke", config)
    # Children before parents: the floor must still build the tree.
    specs = [plan_worker.resource_spec(r) for r in reversed(plan.resources)]
    floor = run_program(
        plan_worker.floor_program(specs, tree=True),
        config=config,
        tenant_id=stackgen.TENANT_ID,
        cloud=parse(config, base_dir=PROJECT_DIR).cloud,
        stack="smoke",
    )
    assert sorted(r.urn for r in floor.resources) == sorted(r.urn for r in plan.resources)


def test_engine_pauses_the_collector_only_while_the_program_runs() -> None:
    seen: list[bool] = []
    cloud = parse(generated(), base_dir=PROJECT_DIR).cloud
    assert gc.isenabled()
    run_program(lambda: seen.append(gc.isenabled()), config={}, tenant_id=stackgen.TENANT_ID, cloud=cloud)
    assert seen == [False]
    assert gc.isenabled()
    gc.disable()
    try:
        run_program(lambda: None, config={}, tenant_id=stackgen.TENANT_ID, cloud=cloud)
        assert not gc.isenabled()  # the caller's choice is left as it was
    finally:
        gc.enable()


def node(
    urn: str, type_: str, *, deps: tuple[str, ...] = (), parent: str | None = None, custom: bool = True
) -> critical_path.Node:
    return critical_path.Node(urn, type_, urn, custom, parent, deps)


def test_critical_path_expands_components_and_finds_entra_waiters() -> None:
    service = critical_path.APIM_SERVICE
    role = next(iter(critical_path.ALLOWED_ENTRA_WAITERS))
    nodes = [
        node("rg", "azure-native:resources:ResourceGroup"),
        node("comp", "apim-oauth:apim:Service", custom=False),
        node("svc", service, deps=("rg",), parent="comp"),
        node("role", role, deps=("svc",)),
        # Waiting on the component means waiting on its custom children, the service included.
        node("app", "azuread:index/application:Application", deps=("comp",)),
        node("product", "azure-native:resources:Resource", deps=("role",)),
        node("sp", "azuread:index/servicePrincipal:ServicePrincipal"),
    ]
    analysis = critical_path.analyse("smoke", nodes)
    assert [n.urn for n in analysis.longest] == ["rg", "svc", "role", "product"]
    assert {n.urn for n in analysis.waiters} == {"role", "app", "product"}
    assert [n.urn for n in analysis.violations] == ["app"]
    assert analysis.entra_total == 3


def test_startup_maps_tokens_to_provider_modules() -> None:
    assert startup.module_of("azure-native:apimanagement:ApiOperationPolicy") == (
        "pulumi_azure_native.apimanagement.api_operation_policy"
    )
    assert (
        startup.module_of("azuread:index/appRoleAssignment:AppRoleAssignment")
        == "pulumi_azuread.app_role_assignment"
    )
    assert (
        startup.module_of("azuread:index/getClientConfig:getClientConfig")
        == "pulumi_azuread.get_client_config"
    )
    assert startup.module_of("apim-oauth:index:Deployment") is None


def test_results_say_they_are_generated_and_mark_missed_targets() -> None:
    section = Section(
        "x", tables=[Table(("a",), (("1",),))], targets=[Target("ratio", "<= 1", "2", met=False)], seconds=1.0
    )
    text = render_results([section], 3.0)
    assert "Generated by `make bench`" in text
    assert "**missed**" in text
    assert Path(critical_path.__file__).parent.name == "bench"


def test_critical_path_allows_only_assignments_to_the_service_identity() -> None:
    assignment = "azuread:index/appRoleAssignment:AppRoleAssignment"
    nodes = [
        critical_path.Node("svc", critical_path.APIM_SERVICE, "svc", True, None, (), identity="identity"),
        critical_path.Node("sp", "azuread:index/servicePrincipal:ServicePrincipal", "sp", True, None, ()),
        critical_path.Node("gateway", assignment, "gateway", True, None, ("svc", "sp"), principal="identity"),
        # A client's grant has no business waiting for the service, even if it is the same type.
        critical_path.Node("client", assignment, "client", True, None, ("svc", "sp"), principal="client-sp"),
    ]
    analysis = critical_path.analyse("smoke", nodes)
    assert {n.urn for n in analysis.entra_waiters} == {"gateway", "client"}
    assert [n.urn for n in analysis.violations] == ["client"]
