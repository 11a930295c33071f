"""The API Management components under the offline engine: what Azure and Entra would be asked to do.

Each test builds components from hand-made args inside a program run by `tools.plan.engine.run_program`
and checks the recorded inputs, outputs and dependency edges; never the generated resource names.
"""

from __future__ import annotations

import json
import logging
import runpy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, Literal

import pulumi
import pytest
from pulumi.runtime import rpc

import tools.plan.engine
from apim_oauth.azure.clouds import CLOUDS
from apim_oauth.components.apim.api import Api, ApiArgs, OpenApiImport
from apim_oauth.components.apim.apim_managed_product import ApimManagedProduct, ApimManagedProductArgs
from apim_oauth.components.apim.client_application import ClientApplication, ClientApplicationArgs
from apim_oauth.components.apim.entra_app_product import EntraAppProduct, EntraAppProductArgs
from apim_oauth.components.apim.service import ApimUser, Service, ServiceArgs
from apim_oauth.config.settings import parse
from tests.fixture_stacks import DEV, fixture_file
from tools.plan.engine import run_program
from tools.plan.mocks import DEPLOYER_OBJECT_ID, OfflineMocks
from tools.plan.model import Plan, RecordedResource, is_secret
from tools.plan.program import PROGRAM, PROJECT_DIR, load_config

TENANT_ID = "3c1f6c0e-5b7a-4d2e-9f10-2a4b6c8d0e12"
APPLICATION_ADMINISTRATOR = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"

SERVICE = "azure-native:apimanagement:ApiManagementService"
ROLE_ASSIGNMENT = "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment"
API = "azure-native:apimanagement:Api"
API_POLICY = "azure-native:apimanagement:ApiPolicy"
OPERATION_POLICY = "azure-native:apimanagement:ApiOperationPolicy"
PRODUCT = "azure-native:apimanagement:Product"
PRODUCT_POLICY = "azure-native:apimanagement:ProductPolicy"
PRODUCT_API_LINK = "azure-native:apimanagement:ProductApiLink"
GENERIC = "azure-native:resources:Resource"
DEPLOYMENT = "azure-native:resources:Deployment"
PAUSE = "time:index/sleep:Sleep"
PRODUCT_APP_ID = "8d1c0b6e-2f4a-4c3b-9e7d-5a6b7c8d9e0f"
USER = "azure-native:apimanagement:User"
CLIENT_APPLICATION = "azure-native:apimanagement:ClientApplication"
CLIENT_PRODUCT_LINK = "azure-native:apimanagement:ClientApplicationProductLink"

OPENAPI_JSON = json.dumps(
    {
        "openapi": "3.0.1",
        "info": {"title": "Echo", "version": "1"},
        "paths": {"/echo": {"get": {"operationId": "getEcho", "responses": {"200": {"description": "ok"}}}}},
    }
)
OPENAPI_YAML = """openapi: 3.0.1
info: {title: Orders, version: '1'}
paths:
  /orders:
    get:
      operationId: listOrders
      responses: {'200': {description: ok}}
"""
PRODUCT_POLICY_XML = (
    '<policies><inbound><validate-jwt header-name="Authorization" failed-validation-httpcode="401">'
    '<openid-config url="https://login.microsoftonline.com/t/v2.0/.well-known/openid-configuration" />'
    "<audiences><audience>aud-1</audience></audiences></validate-jwt><base /></inbound>"
    "<backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>"
)


def service_args(**changes: Any) -> ServiceArgs:
    base = ServiceArgs(
        service_name="apim-test",
        resource_group_name="rg-test",
        create_resource_group=True,
        location="westeurope",
        sku="Developer",
        capacity=1,
        publisher_name="Contoso",
        publisher_email="api@contoso.example",
        protect=False,
        assign_application_administrator=True,
        users=(ApimUser("owner", "owner@contoso.example", "Olive", "Owner"),),
    )
    return replace(base, **changes)


def api_args(
    name: str,
    path: str,
    *,
    openapi: OpenApiImport | None = None,
    resource_group_name: pulumi.Input[str] = "rg",
    service_name: pulumi.Input[str] = "svc",
    policy_xml: str | None = None,
    operation_policies: Mapping[str, str] | None = None,
) -> ApiArgs:
    return ApiArgs(
        api_id=name,
        display_name=name.title(),
        path=path,
        service_url=f"https://{name}.backend.example",
        openapi=openapi,
        resource_group_name=resource_group_name,
        service_name=service_name,
        policy_xml=policy_xml,
        operation_policies=dict(operation_policies or {}),
    )


Mode = Literal["entra-app", "apim-managed"]


def product(
    name: str,
    apis: Mapping[str, pulumi.Input[str]],
    service: Service,
    *,
    mode: Mode = "entra-app",
    subscription_key: bool = False,
    published: bool = True,
) -> EntraAppProduct | ApimManagedProduct:
    """A product of `mode` in `service` linked to `apis` (call inside a program)."""
    if mode == "entra-app":
        return EntraAppProduct(
            name,
            EntraAppProductArgs(
                product_id=name,
                display_name=name.title(),
                description=f"The {name} product",
                published=published,
                api_ids=apis,
                policy_xml=PRODUCT_POLICY_XML,
                resource_group_name=service.resource_group_name,
                service_name=service.service_name,
            ),
        )
    return ApimManagedProduct(
        name,
        ApimManagedProductArgs(
            product_id=name,
            display_name=name.title(),
            description=f"The {name} product",
            published=published,
            subscription_key=subscription_key,
            application_id=PRODUCT_APP_ID,
            audience=PRODUCT_APP_ID,
            api_ids=apis,
            depends_on=[service.role_ready] if service.role_ready else [],
            resource_group_name=service.resource_group_name,
            service_name=service.service_name,
            service_id=service.service_id,
        ),
    )


LIST_SECRETS = "azure-native:apimanagement:listClientApplicationSecrets"


def run(program: Callable[[], object], *, preview: bool = False) -> Plan:
    def body() -> None:
        program()

    return run_program(body, config={}, tenant_id=TENANT_ID, cloud=CLOUDS["global"], preview=preview)


def only(plan: Plan, type_: str) -> RecordedResource:
    found = plan.of_type(type_)
    assert len(found) == 1, f"expected one {type_}, found {len(found)}"
    return found[0]


# --- the service ------------------------------------------------------------------------------


def test_service_has_a_system_assigned_identity_with_the_configured_sku() -> None:
    plan = run(lambda: Service("t", service_args(sku="Premium", capacity=2)))

    service = only(plan, SERVICE)
    assert service.inputs["identity"] == {"type": "SystemAssigned"}
    assert service.inputs["sku"] == {"name": "Premium", "capacity": 2}
    assert service.inputs["serviceName"] == "apim-test"
    assert service.inputs["resourceGroupName"] == "rg-test"
    assert service.inputs["publisherEmail"] == "api@contoso.example"


def test_the_role_assignment_gives_application_administrator_to_the_apim_identity() -> None:
    plan = run(lambda: Service("t", service_args()))

    service = only(plan, SERVICE)
    assignment = only(plan, ROLE_ASSIGNMENT)
    principal_id = service.outputs["identity"]["principalId"]
    assert assignment.inputs["roleId"] == APPLICATION_ADMINISTRATOR
    assert assignment.inputs["principalObjectId"] == principal_id
    assert assignment.inputs["principalObjectId"] != DEPLOYER_OBJECT_ID
    assert service.urn in assignment.dependencies


def test_what_needs_the_role_waits_for_a_pause_after_the_assignment_is_created() -> None:
    def program() -> None:
        service = Service("t", service_args())
        assert service.role_assignment is not None
        pulumi.export("assignmentId", service.role_assignment.id)

    plan = run(program)

    pause = only(plan, PAUSE)
    assert only(plan, ROLE_ASSIGNMENT).urn in pause.dependencies
    assert pause.inputs["createDuration"] == "5m"
    # A new assignment (a new identity) waits again; an unchanged one never does.
    assert pause.inputs["triggers"] == {"assignment": plan.outputs["assignmentId"]}


def test_no_role_assignment_when_an_administrator_grants_it() -> None:
    plan = run(lambda: Service("t", service_args(assign_application_administrator=False)))

    assert plan.of_type(ROLE_ASSIGNMENT) == []
    assert plan.of_type(PAUSE) == []
    assert len(plan.of_type(SERVICE)) == 1


@pytest.mark.parametrize("protect", [True, False])
def test_service_is_protected_only_when_configured(protect: bool) -> None:
    plan = run(lambda: Service("t", service_args(protect=protect)))

    assert only(plan, SERVICE).protect is protect
    assert only(plan, "azure-native:resources:ResourceGroup").protect is protect


def test_an_existing_resource_group_is_used_not_created() -> None:
    plan = run(lambda: Service("t", service_args(create_resource_group=False)))

    assert plan.of_type("azure-native:resources:ResourceGroup") == []
    assert only(plan, SERVICE).inputs["resourceGroupName"] == "rg-test"


# --- APIs -------------------------------------------------------------------------------------


def test_an_api_imported_from_openapi_json_is_https_only() -> None:
    def program() -> None:
        service = Service("t", service_args())
        Api(
            "echo",
            api_args(
                "echo",
                "echo",
                openapi=OpenApiImport("openapi+json", OPENAPI_JSON),
                resource_group_name=service.resource_group_name,
                service_name=service.service_name,
            ),
        )

    api = only(run(program), API)
    assert api.inputs["format"] == "openapi+json"
    assert api.inputs["value"] == OPENAPI_JSON
    assert api.inputs["path"] == "echo"
    assert api.inputs["protocols"] == ["https"]
    assert api.inputs["serviceUrl"] == "https://echo.backend.example"
    # A call outside every open product needs a key: no API takes anonymous calls.
    assert api.inputs["subscriptionRequired"] is True
    assert api.inputs["serviceName"] == "apim-test"


def test_a_plain_api_has_no_import_and_https_only() -> None:
    plan = run(lambda: Api("p", api_args("plain", "partners/v1")))

    api = only(plan, API)
    assert "format" not in api.inputs
    assert "value" not in api.inputs
    assert api.inputs["path"] == "partners/v1"
    assert api.inputs["protocols"] == ["https"]
    assert api.inputs["serviceUrl"] == "https://plain.backend.example"
    assert api.inputs["subscriptionRequired"] is True


def test_api_and_operation_policies_carry_the_given_xml() -> None:
    api_xml = "<policies><inbound><base /></inbound></policies>"
    op_xml = "<policies><inbound><base /><rate-limit calls='5' renewal-period='60' /></inbound></policies>"
    plan = run(
        lambda: Api(
            "o",
            api_args(
                "orders",
                "orders",
                openapi=OpenApiImport("openapi", OPENAPI_YAML),
                policy_xml=api_xml,
                operation_policies={"listOrders": op_xml},
            ),
        )
    )

    api = only(plan, API)
    api_policy = only(plan, API_POLICY)
    assert (api_policy.inputs["value"], api_policy.inputs["format"], api_policy.inputs["apiId"]) == (
        api_xml,
        "rawxml",
        "orders",
    )
    op_policy = only(plan, OPERATION_POLICY)
    assert op_policy.inputs["operationId"] == "listOrders"
    assert op_policy.inputs["value"] == op_xml
    assert op_policy.inputs["format"] == "rawxml"
    # The operation exists only once the import has run.
    assert api.urn in op_policy.dependencies


def test_no_api_policy_when_none_is_given() -> None:
    plan = run(lambda: Api("p", api_args("plain", "plain")))

    assert plan.of_type(API_POLICY) == []
    assert plan.of_type(OPERATION_POLICY) == []


def test_a_plain_api_gets_a_catch_all_operation_per_method_for_its_policies() -> None:
    xml = "<policies><inbound><base /></inbound></policies>"
    plan = run(lambda: Api("p", api_args("plain", "plain", operation_policies={"post-all": xml})))

    operations = plan.of_type("azure-native:apimanagement:ApiOperation")
    assert sorted((o.inputs["method"], o.inputs["urlTemplate"]) for o in operations) == sorted(
        (method, "/*") for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
    )
    post = next(o for o in operations if o.inputs["method"] == "POST")
    policy = only(plan, OPERATION_POLICY)
    assert policy.inputs["operationId"] == post.inputs["operationId"]
    # The policy's operation must exist first.
    assert post.urn in policy.dependencies


# --- products ---------------------------------------------------------------------------------


def _service_and_apis(*names: str) -> tuple[Service, dict[str, Api]]:
    """An APIM service and plain APIs named `names` in it (call inside a program)."""
    service = Service("t", service_args())
    apis = {
        name: Api(
            name,
            api_args(
                name, name, resource_group_name=service.resource_group_name, service_name=service.service_name
            ),
        )
        for name in names
    }
    return service, apis


def _apis_and_product(
    name: str,
    apis: tuple[str, ...],
    *,
    mode: Mode = "entra-app",
    subscription_key: bool = False,
    published: bool = True,
    exports: bool = False,
) -> Callable[[], None]:
    def program() -> None:
        service, made_apis = _service_and_apis("echo", "orders", "spare")
        for api_name, api in made_apis.items():
            pulumi.export(f"api:{api_name}", api.api_id)
        made = product(
            name,
            {api: made_apis[api].api_id for api in apis},
            service,
            mode=mode,
            subscription_key=subscription_key,
            published=published,
        )
        if exports:
            assert isinstance(made, ApimManagedProduct)
            pulumi.export("audience", made.audience)
            pulumi.export("applicationId", made.application_id)
            pulumi.export("resourceId", made.resource_id)
            pulumi.export("serviceId", service.service_id)

    return program


def test_entra_app_product_needs_no_subscription_and_carries_the_policy_verbatim() -> None:
    plan = run(_apis_and_product("gold", ("echo", "orders")))

    product = only(plan, PRODUCT)
    assert product.inputs["subscriptionRequired"] is False
    assert product.inputs["productId"] == "gold"
    assert product.inputs["state"] == "published"
    policy = only(plan, PRODUCT_POLICY)
    assert policy.inputs["value"] == PRODUCT_POLICY_XML
    assert policy.inputs["format"] == "rawxml"
    assert policy.inputs["productId"] == "gold"
    assert plan.of_type(GENERIC) == []


def test_entra_app_product_links_each_of_its_apis_once() -> None:
    plan = run(_apis_and_product("gold", ("echo", "orders"), published=False))

    links = plan.of_type(PRODUCT_API_LINK)
    assert sorted(link.inputs["apiId"] for link in links) == sorted(
        [plan.outputs["api:echo"], plan.outputs["api:orders"]]
    )
    assert {link.inputs["productId"] for link in links} == {"gold"}
    # An API in no product is still deployed, just not linked.
    assert {r.inputs["apiId"] for r in plan.of_type(API)} == {"echo", "orders", "spare"}
    assert only(plan, PRODUCT).inputs["state"] == "notPublished"


def _template_resource(plan: Plan) -> dict[str, Any]:
    (resource,) = only(plan, DEPLOYMENT).inputs["properties"]["template"]["resources"]
    return resource


@pytest.mark.parametrize(
    ("subscription_key", "expected"),
    [(False, ["application-token"]), (True, ["application-token", "subscription-key"])],
)
def test_apim_managed_product_is_a_preview_arm_product_with_application_token(
    subscription_key: bool, expected: list[str]
) -> None:
    plan = run(_apis_and_product("silver", ("echo",), mode="apim-managed", subscription_key=subscription_key))

    deployment = only(plan, DEPLOYMENT)
    # Incremental: nothing else in the resource group is touched.
    assert deployment.inputs["properties"]["mode"] == "Incremental"
    assert deployment.inputs["resourceGroupName"] == "rg-test"
    resource = _template_resource(plan)
    assert resource["type"] == "Microsoft.ApiManagement/service/products"
    assert resource["apiVersion"] == "2024-10-01-preview"
    assert resource["name"] == "apim-test/silver"
    assert resource["properties"]["authenticationType"] == expected
    assert resource["properties"]["subscriptionRequired"] is subscription_key
    assert resource["properties"]["displayName"] == "Silver"
    assert resource["properties"]["application"] == {
        "entra": {"applicationId": PRODUCT_APP_ID, "audience": PRODUCT_APP_ID}
    }
    # A product has no location, and a resource-group deployment none either.
    assert "location" not in resource
    assert "location" not in deployment.inputs
    assert plan.of_type(GENERIC) == []
    assert plan.of_type(PRODUCT) == []
    assert plan.of_type(PRODUCT_POLICY) == []


def test_apim_managed_product_waits_for_the_role_to_reach_the_apim_identity() -> None:
    plan = run(_apis_and_product("silver", ("echo",), mode="apim-managed"))

    assert only(plan, PAUSE).urn in only(plan, DEPLOYMENT).dependencies


def test_apim_managed_product_names_the_programs_app_and_links_its_apis_once_it_exists() -> None:
    plan = run(_apis_and_product("silver", ("echo", "orders"), mode="apim-managed", exports=True))

    assert plan.outputs["applicationId"] == PRODUCT_APP_ID
    assert plan.outputs["audience"] == PRODUCT_APP_ID
    assert plan.outputs["resourceId"] == f"{plan.outputs['serviceId']}/products/silver"
    links = plan.of_type(PRODUCT_API_LINK)
    assert sorted(link.inputs["apiId"] for link in links) == sorted(
        [plan.outputs["api:echo"], plan.outputs["api:orders"]]
    )
    assert {link.inputs["productId"] for link in links} == {"silver"}
    assert all(only(plan, DEPLOYMENT).urn in link.dependencies for link in links)


def test_each_api_link_waits_for_the_product_policy() -> None:
    plan = run(_apis_and_product("gold", ("echo", "orders")))

    policy = only(plan, PRODUCT_POLICY)
    links = plan.of_type(PRODUCT_API_LINK)
    assert len(links) == 2
    assert all(policy.urn in link.dependencies for link in links)


def test_removing_a_product_leaves_every_api() -> None:
    gold: tuple[str, tuple[str, ...], Mode] = ("gold", ("echo", "orders"), "entra-app")
    silver: tuple[str, tuple[str, ...], Mode] = ("silver", ("echo",), "apim-managed")

    def program(products: Sequence[tuple[str, tuple[str, ...], Mode]]) -> Callable[[], None]:
        def body() -> None:
            service, apis = _service_and_apis("echo", "orders")
            for name, linked, mode in products:
                product(name, {a: apis[a].api_id for a in linked}, service, mode=mode)

        return body

    def api_resources(plan: Plan) -> dict[str, Mapping[str, Any]]:
        return {r.inputs["apiId"]: r.inputs for r in plan.of_type(API)}

    both = run(program([gold, silver]))
    without_gold = run(program([silver]))
    none = run(program([]))

    assert api_resources(both).keys() == {"echo", "orders"}
    assert api_resources(without_gold) == api_resources(both)
    assert api_resources(none) == api_resources(both)
    # Only links go with a product; no API is a child of a product component.
    product_components = {r.urn for r in both.resources if not r.custom and r.name in ("gold", "silver")}
    assert len(product_components) == 2
    assert all(r.parent not in product_components for r in both.of_type(API))
    assert len(without_gold.of_type(PRODUCT_API_LINK)) == 1


# --- client applications ----------------------------------------------------------------------


def _client_program() -> None:
    service = Service("t", service_args())
    echo = Api(
        "echo",
        api_args(
            "echo", "echo", resource_group_name=service.resource_group_name, service_name=service.service_name
        ),
    )
    products = {
        name: product(name, {"echo": echo.api_id}, service, mode="apim-managed")
        for name in ("silver", "bronze")
    }
    made = ClientApplication(
        "partner",
        ClientApplicationArgs(
            client_application_id="partner",
            display_name="Partner",
            owner_id=service.user_ids["owner"],
            product_resource_ids={name: p.resource_id for name, p in products.items()},
            depends_on=[service.role_ready] if service.role_ready else [],
            resource_group_name=service.resource_group_name,
            service_name=service.service_name,
        ),
    )
    pulumi.export("clientId", made.client_id)
    pulumi.export("clientSecret", made.client_secret)
    pulumi.export("silverId", products["silver"].resource_id)
    pulumi.export("bronzeId", products["bronze"].resource_id)
    pulumi.export("ownerId", service.user_ids["owner"])


def test_client_application_is_owned_by_the_apim_user_and_linked_to_its_products() -> None:
    plan = run(_client_program)

    user = only(plan, USER)
    assert (user.inputs["userId"], user.inputs["email"]) == ("owner", "owner@contoso.example")
    application = only(plan, CLIENT_APPLICATION)
    # The full ARM ID of the user, the form ARM reports back for ownerId.
    assert application.inputs["ownerId"] == plan.outputs["ownerId"]
    assert application.inputs["ownerId"].startswith("/subscriptions/")
    assert application.inputs["ownerId"].endswith("/service/apim-test/users/owner")
    assert application.inputs["displayName"] == "Partner"
    assert user.urn in application.dependencies
    assert only(plan, PAUSE).urn in application.dependencies

    links = plan.of_type(CLIENT_PRODUCT_LINK)
    assert sorted(link.inputs["productId"] for link in links) == sorted(
        [plan.outputs["silverId"], plan.outputs["bronzeId"]]
    )
    assert {link.inputs["clientApplicationId"] for link in links} == {"partner"}

    assert plan.outputs["clientId"] == application.outputs["entraApplicationId"]
    assert is_secret(plan.outputs["clientSecret"])


@pytest.mark.parametrize("preview", [True, False])
def test_the_client_secret_is_never_listed_and_the_output_is_the_same_in_preview_and_up(
    preview: bool,
) -> None:
    # listSecrets is not documented as read-only; the only documented flow generates a secret.
    plan = run(_client_program, preview=preview)

    assert LIST_SECRETS not in plan.invokes
    assert is_secret(plan.outputs["clientSecret"])
    assert rpc.unwrap_rpc_secret(plan.outputs["clientSecret"]) is None
    assert len(plan.of_type(CLIENT_PRODUCT_LINK)) == 2


class _NoEntraAppMocks(OfflineMocks):
    """APIM's reply to a client application without `entraApplicationId` (no Entra app registered)."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        resource_id, outputs = super().new_resource(args)
        if args.typ == CLIENT_APPLICATION:
            outputs.pop("entraApplicationId", None)
        return resource_id, outputs


def test_a_client_without_an_entra_app_warns_and_the_up_goes_on(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(tools.plan.engine, "OfflineMocks", _NoEntraAppMocks)
    caplog.set_level(logging.WARNING)

    plan = run(_client_program)

    assert plan.outputs["clientId"] is None
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len([m for m in warnings if "'partner'" in m and "entraApplicationId" in m]) == 1
    assert len(plan.of_type(CLIENT_PRODUCT_LINK)) == 2


def test_the_whole_program_previews_under_the_offline_engine() -> None:
    config = load_config(fixture_file(DEV))
    settings = parse(config, base_dir=PROJECT_DIR)
    assert any(c.mode == "apim-managed" for c in settings.clients), "dev no longer has an APIM client"

    def program() -> None:
        runpy.run_path(str(PROGRAM), run_name="__main__")

    plan = run_program(
        program,
        config=config,
        tenant_id=settings.tenant_id,
        cloud=settings.cloud,
        stack=DEV,
        preview=True,
    )

    assert LIST_SECRETS not in plan.invokes
    assert plan.of_type(CLIENT_APPLICATION)
    assert set(plan.outputs) >= {"products", "clients", "policies"}


# --- type tokens --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "type_"),
    [
        ("entra-app", "apim-oauth:apim:EntraAppProduct"),
        ("apim-managed", "apim-oauth:apim:ApimManagedProduct"),
    ],
)
def test_a_product_deployed_before_the_split_per_mode_moves_without_replacement(
    mode: Mode, type_: str
) -> None:
    # Both kinds were `apim-oauth:apim:Product`; without an alias, `up` would delete every deployed
    # product and its links and create them anew. Children follow their parent's alias (the engine
    # derives their old URNs from it), so the component's alias is the one that matters.
    plan = run(_apis_and_product("gold", ("echo",), mode=mode))

    (component,) = [r for r in plan.resources if not r.custom and r.name == "gold"]
    assert component.type == type_
    assert [(a.type, a.name, a.urn) for a in component.aliases] == [("apim-oauth:apim:Product", "", "")]
