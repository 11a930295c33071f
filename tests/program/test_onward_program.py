"""Onward authentication under the offline engine: the policies APIM runs, the app role Entra holds,
the assignment to APIM's identity, the outputs for the backend team, and what waits on the service."""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from typing import Any

from apim_oauth.config.reading import load_stack_file
from tests.fixture_stacks import PROD_FILE
from tools.plan.model import Plan, RecordedResource
from tools.plan.testing import PlanOf

TENANT = "3f2a1c4e-8b7d-4e6f-9a1b-2c3d4e5f6a7b"
PROD = load_stack_file(PROD_FILE)
SERVICE = "azure-native:apimanagement:ApiManagementService"
APPLICATION = "azuread:index/application:Application"
SERVICE_PRINCIPAL = "azuread:index/servicePrincipal:ServicePrincipal"
ASSIGNMENT = "azuread:index/appRoleAssignment:AppRoleAssignment"
ROLE = "ApiManagement.Gateway"


def parse(xml: str) -> ET.Element:
    return ET.fromstring(xml)


def inbound_as_run(*scopes: ET.Element | None) -> list[ET.Element]:
    """The inbound statements the gateway runs for scopes given innermost first (operation, API,
    product): each `<base />` stands for the next scope's inbound section (none after the last)."""
    if not scopes:
        return []
    first, rest = scopes[0], scopes[1:]
    if first is None:
        return inbound_as_run(*rest)
    inbound = first.find("inbound")
    assert inbound is not None
    run: list[ET.Element] = []
    for statement in inbound:
        run.extend(inbound_as_run(*rest) if statement.tag == "base" else [statement])
    return run


def api_policy(plan: Plan, api: str) -> ET.Element | None:
    found = [r for r in plan.of_type("azure-native:apimanagement:ApiPolicy") if r.inputs.get("apiId") == api]
    return parse(found[0].inputs["value"]) if found else None


def backend_app(plan: Plan) -> RecordedResource:
    [app] = [
        r
        for r in plan.of_type(APPLICATION)
        if r.inputs.get("displayName") == PROD["apim-oauth:backend"]["displayName"]
    ]
    return app


def backend_sp(plan: Plan) -> RecordedResource:
    client_id = backend_app(plan).outputs["clientId"]
    [sp] = [r for r in plan.of_type(SERVICE_PRINCIPAL) if r.inputs.get("clientId") == client_id]
    return sp


def identity_of(plan: Plan) -> str:
    [service] = plan.of_type(SERVICE)
    return service.outputs["identity"]["principalId"]


def test_ledger_calls_are_validated_for_the_product_app_then_carry_the_gateway_token(plan_of: PlanOf) -> None:
    plan = plan_of("fixture-prod")
    partners_app = plan.outputs["products"]["partners"]["audience"]
    backend_client_id = plan.outputs["backend"]["clientId"]
    run = inbound_as_run(api_policy(plan, "ledger"), plan.product_policy("partners"))
    assert [e.tag for e in run] == ["validate-jwt", "authentication-managed-identity"]
    validator, onward = run
    # The caller's token is for the product's app, never the backend.
    assert [a.text for a in validator.iter("audience")] == [partners_app]
    assert partners_app != backend_client_id
    assert [v.text for v in validator.iter("value")] == ["Product.Partners.All"]
    # The gateway's token is for the backend app (its client ID by default).
    assert onward.attrib == {"resource": backend_client_id, "ignore-error": "false"}
    # Other APIs of the product still go to their backends as called.
    assert "authentication-managed-identity" not in [
        e.tag for e in inbound_as_run(plan.product_policy("partners"))
    ]
    assert api_policy(plan, "status") is None


def test_backend_app_defines_the_gateway_role_for_applications(plan_of: PlanOf) -> None:
    plan = plan_of("fixture-prod")
    roles = {r["value"]: r for r in backend_app(plan).inputs["appRoles"]}
    gateway = roles[ROLE]
    assert gateway["allowedMemberTypes"] == ["Application"]
    assert gateway["enabled"] is True
    assert gateway["id"] == plan.outputs["onward"]["ledger"]["roleId"]
    # Derived from the app and the value, so the same in every stack and run (a new ID would revoke it).
    again = plan_of("staging", stack_file=PROD_FILE)
    assert {r["value"]: r for r in backend_app(again).inputs["appRoles"]}[ROLE]["id"] == gateway["id"]


def test_the_role_is_assigned_to_the_apim_identity_on_the_backend_principal(plan_of: PlanOf) -> None:
    plan = plan_of("fixture-prod")
    identity = identity_of(plan)
    [assignment] = [r for r in plan.of_type(ASSIGNMENT) if r.inputs["principalObjectId"] == identity]
    assert assignment.inputs["resourceObjectId"] == backend_sp(plan).outputs["objectId"]
    role_ids = {r["value"]: r["id"] for r in backend_app(plan).inputs["appRoles"]}
    assert assignment.inputs["appRoleId"] == role_ids[ROLE]


def test_outputs_say_what_the_backend_must_check(plan_of: PlanOf) -> None:
    plan = plan_of("fixture-prod")
    ledger = plan.outputs["onward"]["ledger"]
    assert ledger == {
        "authentication": "managed-identity",
        "setOn": "api",
        "resource": plan.outputs["backend"]["clientId"],
        "issuer": f"https://login.microsoftonline.com/{TENANT}/v2.0",
        "audience": plan.outputs["backend"]["clientId"],
        "tokenVersion": 2,
        "gatewayObjectId": identity_of(plan),
        "role": ROLE,
        "roleId": ledger["roleId"],
    }


def test_v1_backend_with_the_app_id_uri_gets_the_v1_issuer_and_that_audience(plan_of: PlanOf) -> None:
    config = copy.deepcopy(PROD)
    config["apim-oauth:backend"]["tokenVersion"] = 1
    config["apim-oauth:apis"][4]["onward"]["resource"] = "appIdUri"
    plan = plan_of("fixture-prod", config={k: config[k] for k in ("apim-oauth:backend", "apim-oauth:apis")})
    app_id_uri = plan.outputs["backend"]["appIdUri"]
    ledger = plan.outputs["onward"]["ledger"]
    assert (ledger["issuer"], ledger["audience"], ledger["resource"]) == (
        f"https://sts.windows.net/{TENANT}/",
        app_id_uri,
        app_id_uri,
    )
    onward = inbound_as_run(api_policy(plan, "ledger"), plan.product_policy("partners"))[-1]
    assert onward.get("resource") == app_id_uri


def test_onward_on_a_product_follows_its_validator_for_every_api(plan_of: PlanOf) -> None:
    apis: list[dict[str, Any]] = copy.deepcopy(PROD["apim-oauth:apis"])
    del apis[4]["onward"]
    products: list[dict[str, Any]] = copy.deepcopy(PROD["apim-oauth:products"])
    products[0]["onward"] = {"auth": "managed-identity"}
    plan = plan_of("fixture-prod", config={"apis": apis, "products": products})
    product = plan.product_policy("partners")
    assert product is not None
    assert [e.tag for e in inbound_as_run(product)] == ["validate-jwt", "authentication-managed-identity"]
    assert api_policy(plan, "ledger") is None
    assert {api: o["setOn"] for api, o in plan.outputs["onward"].items()} == {
        "echo": "product partners",
        "status": "product partners",
        "ledger": "product partners",
    }
    assert (
        len([r for r in plan.of_type(ASSIGNMENT) if r.inputs["principalObjectId"] == identity_of(plan)]) == 1
    )


def test_only_the_assignments_to_the_identity_wait_on_the_service(plan_of: PlanOf) -> None:
    plan = plan_of("fixture-prod")
    [service] = plan.of_type(SERVICE)
    identity = identity_of(plan)
    waiting = [
        r
        for r in plan.resources
        if r.custom and r.type.startswith("azuread:") and service.urn in plan.waits_on(r)
    ]
    assert {r.type for r in waiting} == {
        ASSIGNMENT,
        "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment",
    }
    assert all(r.inputs["principalObjectId"] == identity for r in waiting)
    [gateway] = [r for r in waiting if r.type == ASSIGNMENT]
    # It waits for the service (the identity) and the backend's principal (the resource), directly.
    assert set(gateway.dependencies) == {service.urn, backend_sp(plan).urn}
    # The backend app, whose role it is, is made while the service is created.
    assert service.urn not in plan.waits_on(backend_app(plan))


def test_the_gateway_token_is_fetched_only_once_the_role_can_be_in_it(plan_of: PlanOf) -> None:
    # A managed identity's token is cached for around a day: fetched before the role propagated, it
    # would lack it. The policy that fetches it waits for the pause after the assignment.
    plan = plan_of("fixture-prod")
    [assignment] = [r for r in plan.of_type(ASSIGNMENT) if r.inputs["principalObjectId"] == identity_of(plan)]
    [pause] = [r for r in plan.of_type("time:index/sleep:Sleep") if assignment.urn in r.dependencies]
    assert pause.inputs["createDuration"]
    [policy] = [
        r for r in plan.of_type("azure-native:apimanagement:ApiPolicy") if r.inputs["apiId"] == "ledger"
    ]
    assert {pause.urn, assignment.urn} <= plan.waits_on(policy)
    # And no product links the API before its policy exists: no call reaches the backend with the caller's token.
    [link] = [
        r
        for r in plan.of_type("azure-native:apimanagement:ProductApiLink")
        if str(r.inputs["apiId"]).endswith("/apis/ledger")
    ]
    assert policy.urn in plan.waits_on(link)
