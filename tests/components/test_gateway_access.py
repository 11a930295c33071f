"""GatewayAccess under the offline engine, from hand-made args: the assignment Entra receives and
what the component reports for the backend team."""

from __future__ import annotations

import pulumi

from apim_oauth.azure.clouds import CLOUDS
from apim_oauth.components.entra.gateway_access import GatewayAccess, GatewayAccessArgs, OnwardCall
from tools.plan import engine
from tools.plan.model import Plan

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
IDENTITY = "5d3c2b1a-0f9e-4d8c-b7a6-5f4e3d2c1b0a"
BACKEND_SP = "6e4d3c2b-1a0f-4e9d-8c7b-6a5f4e3d2c1b"
BACKEND = "11111111-2222-3333-4444-555555555555"
ROLE_ID = "0b4f6a57-1d9e-4a8f-9c3e-5a7b2d1e0f64"


ARGS = GatewayAccessArgs(
    principal_object_id=IDENTITY,
    resource_object_id=BACKEND_SP,
    app_role_id=ROLE_ID,
    app_role_value="ApiManagement.Gateway",
    backend_client_id=BACKEND,
    backend_app_id_uri=f"api://{BACKEND}",
    cloud=CLOUDS["china"],
    tenant_id=TENANT,
    token_version=1,
    calls={"ledger": OnwardCall("api", True), "audit": OnwardCall("product p", False)},
)


def plan_of(args: GatewayAccessArgs = ARGS) -> Plan:
    def program() -> None:
        access = GatewayAccess("gateway", args)
        pulumi.export("checks", access.backend_checks)
        pulumi.export("resources", access.resources)

    return engine.run_program(program, config={}, tenant_id=TENANT, cloud=CLOUDS["china"])


def test_one_assignment_of_the_role_to_the_identity_on_the_backend_principal() -> None:
    plan = plan_of()
    [assignment] = plan.of_type("azuread:index/appRoleAssignment:AppRoleAssignment")
    assert assignment.inputs == {
        "principalObjectId": IDENTITY,
        "resourceObjectId": BACKEND_SP,
        "appRoleId": ROLE_ID,
    }


def test_each_api_gets_the_checks_of_its_token() -> None:
    outputs = plan_of().outputs
    assert outputs["resources"] == {"ledger": BACKEND, "audit": f"api://{BACKEND}"}
    ledger, audit = outputs["checks"]["ledger"], outputs["checks"]["audit"]
    # China's v1 issuer host is not its login host (docs/sources.md#clouds).
    assert ledger["issuer"] == audit["issuer"] == f"https://sts.chinacloudapi.cn/{TENANT}/"
    assert (ledger["audience"], audit["audience"]) == (BACKEND, f"api://{BACKEND}")
    assert ledger["gatewayObjectId"] == IDENTITY
    assert (audit["role"], audit["roleId"], audit["setOn"]) == ("ApiManagement.Gateway", ROLE_ID, "product p")
