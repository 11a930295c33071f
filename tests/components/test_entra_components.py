"""Entra components under the offline engine: what Entra would receive from BackendApi, ProductApp, ClientApp.

Each test builds the components from hand-made args inside a program run by `tools.plan.engine`, then
reads the recorded inputs (wire names) of the azuread resources. Resources are found by type and by
the display names the args give, never by generated resource names.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import time
from dataclasses import dataclass, field
from typing import Any, Literal

import pulumi
import pytest

from apim_oauth.azure.clouds import CLOUDS, TokenVersion
from apim_oauth.azure.ids import permission_id
from apim_oauth.azure.naming import grant_key
from apim_oauth.components.entra.backend_api import AppRole, BackendApi, BackendApiArgs, Owners, Scope
from apim_oauth.components.entra.client_app import (
    AppRoleGrant,
    ClientApp,
    ClientAppArgs,
    ClientSecret,
    DelegatedGrant,
    SecretSlot,
)
from apim_oauth.components.entra.product_app import ProductApp, ProductAppArgs
from tools.plan import engine, sdk
from tools.plan.model import SECRET, Plan, RecordedResource, is_secret, sanitized

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
OWNER = "0e2d7a1c-5b3f-4c8e-9d6a-1f2e3d4c5b6a"

APPLICATION = "azuread:index/application:Application"
IDENTIFIER_URI = "azuread:index/applicationIdentifierUri:ApplicationIdentifierUri"
SERVICE_PRINCIPAL = "azuread:index/servicePrincipal:ServicePrincipal"
ROLE_ASSIGNMENT = "azuread:index/appRoleAssignment:AppRoleAssignment"
DELEGATED_GRANT = (
    "azuread:index/servicePrincipalDelegatedPermissionGrant:ServicePrincipalDelegatedPermissionGrant"
)
PASSWORD = "azuread:index/applicationPassword:ApplicationPassword"

BACKEND_NAME = "Contoso Echo API (test)"


def scope(value: str, *, enabled: bool = True) -> Scope:
    return Scope(value, f"Consent to {value}", f"Lets the app use {value}.", None, None, "Admin", enabled)


def role(value: str, *members: Literal["Application", "User"]) -> AppRole:
    return AppRole(value, f"Role {value}", f"Holds {value}.", members or ("Application",), True)


BACKEND = BackendApiArgs(
    display_name=BACKEND_NAME,
    identifier_uri=None,
    token_version=2,
    app_role_assignment_required=True,
    scopes=(scope("Echo.Read"), scope("Echo.Write", enabled=False)),
    app_roles=(role("Echo.Read.All"), role("Status.Read.All"), role("Echo.Admin", "User", "Application")),
    owners=Owners([OWNER]),
)
PARTNERS = ProductAppArgs(
    product_name="partners",
    display_name="APIMProductApplicationpartners",
    role_value="Product.Partners.All",
    token_version=2,
    owners=Owners([OWNER]),
)


@dataclass(frozen=True)
class Client:
    """A client as a scenario declares it; `deploy` turns it into grants, as the parent does."""

    name: str
    roles: tuple[str, ...]
    scopes: tuple[str, ...]
    products: tuple[str, ...]
    secret: ClientSecret | None


def client(
    name: str,
    *,
    roles: tuple[str, ...] = (),
    scopes: tuple[str, ...] = (),
    products: tuple[str, ...] = (),
    slots: tuple[SecretSlot, ...] = (SecretSlot("blue", datetime.date(2026, 9, 1)),),
    validity_days: int = 180,
) -> Client:
    secret = ClientSecret(validity_days, slots) if slots else None
    return Client(name, roles, scopes, products, secret)


@dataclass
class Deployed:
    """The components a scenario built, for asserting on their attributes."""

    backend: BackendApi | None = None
    product: ProductApp | None = None
    clients: dict[str, ClientApp] = field(default_factory=dict[str, ClientApp])


def deploy(
    *clients: Client,
    backend: BackendApiArgs = BACKEND,
    product: ProductAppArgs | None = PARTNERS,
) -> tuple[Plan, Deployed]:
    """Wire the components as the parent does: each client's roles, scopes and products become grants."""
    built = Deployed()

    def program() -> None:
        b = BackendApi("backend", backend)
        built.backend = b
        exports: dict[str, Any] = {
            "backendClientId": b.client_id,
            "backendAppIdUri": b.app_id_uri,
            "backendSp": b.service_principal_object_id,
        }
        p = None
        if product is not None:
            p = ProductApp("product", product)
            built.product = p
            exports.update(
                productClientId=p.client_id,
                productAppIdUri=p.app_id_uri,
                productSp=p.service_principal_object_id,
            )
        for c in clients:
            grants = tuple(
                AppRoleGrant(
                    grant_key("backend", r), b.client_id, b.service_principal_object_id, b.role_ids[r]
                )
                for r in c.roles
            )
            if p is not None and product is not None and product.product_name in c.products:
                grants += (
                    AppRoleGrant(
                        grant_key("product", product.product_name),
                        p.client_id,
                        p.service_principal_object_id,
                        p.role_id,
                    ),
                )
            delegated = (
                (DelegatedGrant("", b.client_id, b.service_principal_object_id, c.scopes, b.scope_ids),)
                if c.scopes
                else ()
            )
            app = ClientApp(
                f"client-{c.name}",
                ClientAppArgs(f"Client {c.name}", c.secret, grants, delegated, owners=Owners([OWNER])),
            )
            built.clients[c.name] = app
            exports[f"{c.name}.clientId"] = app.client_id
            exports[f"{c.name}.sp"] = app.service_principal_object_id
            if app.client_secret is not None:
                exports[f"{c.name}.secret"] = app.client_secret
        for key, value in exports.items():
            pulumi.export(key, value)

    plan = engine.run_program(program, config={}, tenant_id=TENANT, cloud=CLOUDS["global"])
    return plan, built


# --- finding things in a plan -------------------------------------------------------------------


def app_named(plan: Plan, display_name: str) -> RecordedResource:
    matches = [r for r in plan.of_type(APPLICATION) if r.inputs.get("displayName") == display_name]
    assert len(matches) == 1, f"expected one application {display_name!r}, found {len(matches)}"
    return matches[0]


def siblings(plan: Plan, resource: RecordedResource, type_: str) -> list[RecordedResource]:
    """Resources of `type_` in the same component as `resource`."""
    assert resource.parent is not None, "every Entra resource must be parented to its component"
    return [r for r in plan.of_type(type_) if r.parent == resource.parent]


def only(resources: list[RecordedResource]) -> RecordedResource:
    assert len(resources) == 1, f"expected exactly one, found {len(resources)}"
    return resources[0]


def unwrap(value: Any) -> Any:
    """The plain value inside an rpc-wrapped secret."""
    assert is_secret(value)
    return value["value"]


def accesses(app: RecordedResource) -> set[tuple[str, str, str]]:
    """(resource app ID, type, permission ID) for each permission the app requests."""
    entries: list[dict[str, Any]] = app.inputs.get("requiredResourceAccesses") or []
    return {(e["resourceAppId"], a["type"], a["id"]) for e in entries for a in e["resourceAccesses"]}


# --- backend app ----------------------------------------------------------------------------------


def test_backend_app_exposes_exactly_the_configured_scopes_and_roles() -> None:
    plan, _ = deploy(product=None)
    app = app_named(plan, BACKEND_NAME)

    scopes = {s["value"]: s for s in app.inputs["api"]["oauth2PermissionScopes"]}
    assert set(scopes) == {"Echo.Read", "Echo.Write"}
    assert scopes["Echo.Read"]["enabled"] is True
    assert scopes["Echo.Write"]["enabled"] is False
    assert scopes["Echo.Read"]["adminConsentDisplayName"] == "Consent to Echo.Read"
    assert scopes["Echo.Read"]["adminConsentDescription"] == "Lets the app use Echo.Read."
    assert scopes["Echo.Read"]["type"] == "Admin"
    assert scopes["Echo.Read"]["id"] == permission_id("backend", "scope", "Echo.Read")

    roles = {r["value"]: r for r in app.inputs["appRoles"]}
    assert set(roles) == {"Echo.Read.All", "Status.Read.All", "Echo.Admin"}
    assert roles["Echo.Read.All"]["allowedMemberTypes"] == ["Application"]
    assert sorted(roles["Echo.Admin"]["allowedMemberTypes"]) == ["Application", "User"]
    assert all(r["enabled"] is True for r in roles.values())
    assert roles["Status.Read.All"]["id"] == permission_id("backend", "role", "Status.Read.All")
    # Roles and scopes share one namespace in Entra: every ID distinct.
    ids = [r["id"] for r in roles.values()] + [s["id"] for s in scopes.values()]
    assert len(set(ids)) == len(ids)

    # An API, not a sign-in app: no redirect URI of any kind.
    for platform in ("web", "singlePageApplication", "publicClient"):
        settings: dict[str, Any] = app.inputs.get(platform) or {}
        assert not settings.get("redirectUris")


def test_permission_ids_are_pinned_and_identical_across_runs() -> None:
    first, built = deploy(product=None)
    second, _ = deploy(product=None)

    def ids(plan: Plan) -> dict[str, str]:
        app = app_named(plan, BACKEND_NAME)
        return {
            x["value"]: x["id"]
            for x in [*app.inputs["appRoles"], *app.inputs["api"]["oauth2PermissionScopes"]]
        }

    assert ids(first) == ids(second)
    # Pinned: a change of the derivation would revoke every grant in every tenant already deployed.
    assert ids(first)["Echo.Read.All"] == "45d442ba-fbf3-59f7-8e9a-a057cc719c8f"
    assert built.backend is not None
    assert built.backend.role_ids == {k: v for k, v in ids(first).items() if k in built.backend.role_ids}
    assert set(built.backend.role_ids) == {"Echo.Read.All", "Status.Read.All", "Echo.Admin"}
    assert built.backend.scope_ids == {
        "Echo.Read": ids(first)["Echo.Read"],
        "Echo.Write": ids(first)["Echo.Write"],
    }


@pytest.mark.parametrize("version", [1, 2])
def test_backend_token_version_follows_settings(version: TokenVersion) -> None:
    plan, _ = deploy(backend=dataclasses.replace(BACKEND, token_version=version), product=None)
    assert app_named(plan, BACKEND_NAME).inputs["api"]["requestedAccessTokenVersion"] == version


def test_app_id_uri_uses_the_backend_own_client_id_without_a_cycle() -> None:
    plan, _ = deploy(product=None)
    app = app_named(plan, BACKEND_NAME)
    uri = only(siblings(plan, app, IDENTIFIER_URI))

    client_id = app.outputs["clientId"]
    assert uri.inputs["identifierUri"] == f"api://{client_id}"
    assert uri.inputs["applicationId"] == f"/applications/{app.outputs['objectId']}"
    assert app.urn in uri.dependencies
    # Set on the app itself, the URI would need the app's own output: a cycle (docs/sources.md#the-entra-resources-of-the-azuread-provider).
    assert not app.inputs.get("identifierUris")
    assert plan.outputs["backendAppIdUri"] == f"api://{client_id}"
    assert plan.outputs["backendClientId"] == client_id


def test_configured_app_id_uri_is_used_as_is() -> None:
    configured = f"api://{TENANT}/echo"
    plan, _ = deploy(backend=dataclasses.replace(BACKEND, identifier_uri=configured), product=None)
    uri = only(siblings(plan, app_named(plan, BACKEND_NAME), IDENTIFIER_URI))
    assert uri.inputs["identifierUri"] == configured
    assert plan.outputs["backendAppIdUri"] == configured


@pytest.mark.parametrize("required", [True, False])
def test_backend_service_principal_follows_settings(required: bool) -> None:
    plan, _ = deploy(
        backend=dataclasses.replace(BACKEND, app_role_assignment_required=required), product=None
    )
    app = app_named(plan, BACKEND_NAME)
    sp = only(siblings(plan, app, SERVICE_PRINCIPAL))
    assert sp.inputs["clientId"] == app.outputs["clientId"]
    assert sp.inputs["appRoleAssignmentRequired"] is required
    assert sp.inputs["owners"] == [OWNER]
    assert app.inputs["owners"] == [OWNER]


# --- product app ----------------------------------------------------------------------------------


def test_product_app_has_exactly_the_product_role() -> None:
    plan, built = deploy()
    app = app_named(plan, "APIMProductApplicationpartners")
    assert built.product is not None

    (product_role,) = app.inputs["appRoles"]
    assert product_role["value"] == "Product.Partners.All"
    assert product_role["allowedMemberTypes"] == ["Application"]
    assert product_role["enabled"] is True
    assert (
        product_role["id"]
        == built.product.role_id
        == permission_id("product/partners", "role", "Product.Partners.All")
    )
    api: dict[str, Any] = app.inputs.get("api") or {}
    assert not api.get("oauth2PermissionScopes")

    uri = only(siblings(plan, app, IDENTIFIER_URI))
    assert uri.inputs["identifierUri"] == f"api://{app.outputs['clientId']}"
    assert plan.outputs["productAppIdUri"] == f"api://{app.outputs['clientId']}"
    sp = only(siblings(plan, app, SERVICE_PRINCIPAL))
    assert sp.inputs["clientId"] == app.outputs["clientId"]
    assert sp.inputs["appRoleAssignmentRequired"] is True


@pytest.mark.parametrize("version", [1, 2])
def test_product_app_token_version(version: TokenVersion) -> None:
    plan, _ = deploy(product=dataclasses.replace(PARTNERS, token_version=version))
    assert (
        app_named(plan, "APIMProductApplicationpartners").inputs["api"]["requestedAccessTokenVersion"]
        == version
    )


# --- client apps: permissions and consent ----------------------------------------------------------


def test_each_client_gets_exactly_the_roles_it_names() -> None:
    plan, _ = deploy(
        client("billing", roles=("Echo.Read.All",), products=("partners",)),
        client("status", roles=("Status.Read.All",)),
    )
    backend = app_named(plan, BACKEND_NAME)
    backend_sp = only(siblings(plan, backend, SERVICE_PRINCIPAL))
    product = app_named(plan, "APIMProductApplicationpartners")
    product_sp = only(siblings(plan, product, SERVICE_PRINCIPAL))
    backend_role = {r["value"]: r["id"] for r in backend.inputs["appRoles"]}
    product_role = product.inputs["appRoles"][0]["id"]

    expected = {
        "billing": {
            (backend_sp.outputs["objectId"], backend_role["Echo.Read.All"]),
            (product_sp.outputs["objectId"], product_role),
        },
        "status": {(backend_sp.outputs["objectId"], backend_role["Status.Read.All"])},
    }
    for name, grants in expected.items():
        app = app_named(plan, f"Client {name}")
        sp = only(siblings(plan, app, SERVICE_PRINCIPAL))
        assert sp.inputs["clientId"] == app.outputs["clientId"]
        assignments = siblings(plan, app, ROLE_ASSIGNMENT)
        assert {(a.inputs["resourceObjectId"], a.inputs["appRoleId"]) for a in assignments} == grants
        assert len(assignments) == len(grants)
        assert all(a.inputs["principalObjectId"] == sp.outputs["objectId"] for a in assignments)
        assert not siblings(plan, app, DELEGATED_GRANT)

    # No other assignment anywhere: least privilege is the point.
    assert len(plan.of_type(ROLE_ASSIGNMENT)) == 3


def test_required_resource_accesses_match_the_grants() -> None:
    plan, _ = deploy(
        client("billing", roles=("Echo.Read.All",), scopes=("Echo.Read",), products=("partners",)),
        client("idle", slots=()),
    )
    backend = app_named(plan, BACKEND_NAME)
    product = app_named(plan, "APIMProductApplicationpartners")
    billing = app_named(plan, "Client billing")
    backend_id, product_id = backend.outputs["clientId"], product.outputs["clientId"]

    assert accesses(billing) == {
        (backend_id, "Role", permission_id("backend", "role", "Echo.Read.All")),
        (backend_id, "Scope", permission_id("backend", "scope", "Echo.Read")),
        (product_id, "Role", permission_id("product/partners", "role", "Product.Partners.All")),
    }
    # One entry per API, roles and scopes together: the portal's picture of an app's permissions.
    assert sorted(e["resourceAppId"] for e in billing.inputs["requiredResourceAccesses"]) == sorted(
        [backend_id, product_id]
    )
    idle = app_named(plan, "Client idle")
    assert accesses(idle) == set()
    assert not siblings(plan, idle, ROLE_ASSIGNMENT)
    assert not siblings(plan, idle, PASSWORD)


def test_delegated_scopes_are_consented_for_the_client_on_the_backend() -> None:
    plan, _ = deploy(client("portal", scopes=("Echo.Read", "Echo.Write"), slots=()), product=None)
    backend_sp = only(siblings(plan, app_named(plan, BACKEND_NAME), SERVICE_PRINCIPAL))
    app = app_named(plan, "Client portal")
    sp = only(siblings(plan, app, SERVICE_PRINCIPAL))

    grant = only(siblings(plan, app, DELEGATED_GRANT))
    assert grant.inputs["claimValues"] == ["Echo.Read", "Echo.Write"]
    assert grant.inputs["servicePrincipalObjectId"] == sp.outputs["objectId"]
    assert grant.inputs["resourceServicePrincipalObjectId"] == backend_sp.outputs["objectId"]
    # Tenant-wide admin consent, as the portal's "Grant admin consent" button gives.
    assert "userObjectId" not in grant.inputs
    assert not siblings(plan, app, ROLE_ASSIGNMENT)


@pytest.fixture
def ignore_changes(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """URN -> the `ignoreChanges` (wire names) each registration sent; the plan does not record them."""
    seen: dict[str, list[str]] = {}
    register = engine.RecordingMonitor.RegisterResource

    def recording(self: engine.RecordingMonitor, request: Any) -> Any:
        response = register(self, request)
        seen[response.urn] = list(request.ignoreChanges)
        return response

    monkeypatch.setattr(engine.RecordingMonitor, "RegisterResource", recording)
    return seen


def test_owners_are_set_at_creation_and_then_left_alone(ignore_changes: dict[str, list[str]]) -> None:
    # Owners are whoever runs Pulumi: a preview by another identity must show no owners change, and an
    # `up` by a person must not take the apps from the pipeline's service principal.
    plan, _ = deploy(client("billing", roles=("Echo.Read.All",), products=("partners",)))
    apps, sps = plan.of_type(APPLICATION), plan.of_type(SERVICE_PRINCIPAL)
    assert len(apps) == len(sps) == 3  # backend, product, client
    for r in [*apps, *sps]:
        assert r.inputs["owners"] == [OWNER]  # still given, for the creation
        assert "owners" in ignore_changes[r.urn], f"{r.name} would follow whoever runs Pulumi"
    # Merged with, not replacing, what the apps already ignored.
    for name in (BACKEND_NAME, "APIMProductApplicationpartners"):
        assert "identifierUris" in ignore_changes[app_named(plan, name).urn]
    assert "identifierUris" not in ignore_changes[app_named(plan, "Client billing").urn]


def test_every_entra_resource_belongs_to_its_component() -> None:
    plan, _ = deploy(
        client("billing", roles=("Echo.Read.All",), scopes=("Echo.Read",), products=("partners",))
    )
    components = {r.urn: r.type for r in plan.resources if not r.custom}
    assert sorted(components.values()) == [
        "apim-oauth:entra:BackendApi",
        "apim-oauth:entra:ClientApp",
        "apim-oauth:entra:ProductApp",
    ]
    for r in plan.resources:
        if r.custom:
            assert r.parent in components, f"{r.type} is not parented to a component"


# --- client secrets -----------------------------------------------------------------------------

BLUE_GREEN = (SecretSlot("blue", datetime.date(2026, 9, 1)), SecretSlot("green", datetime.date(2026, 11, 1)))


def passwords(plan: Plan, client_name: str) -> dict[str, RecordedResource]:
    """The client's passwords, keyed by URN (stable between runs, whatever the names are)."""
    return {p.urn: p for p in siblings(plan, app_named(plan, f"Client {client_name}"), PASSWORD)}


def test_one_password_per_slot_with_end_date_from_configuration() -> None:
    plan, built = deploy(client("billing", roles=("Echo.Read.All",), slots=BLUE_GREEN), product=None)
    app = app_named(plan, "Client billing")
    found = {p.inputs["endDate"]: p for p in passwords(plan, "billing").values()}

    # 2026-09-01 + 180 days, 2026-11-01 + 180 days, midnight UTC (RFC 3339).
    assert set(found) == {"2027-02-28T00:00:00Z", "2027-04-30T00:00:00Z"}
    for p in found.values():
        assert p.inputs["applicationId"] == f"/applications/{app.outputs['objectId']}"
        assert "endDateRelative" not in p.inputs
    assert found["2027-02-28T00:00:00Z"].inputs["startDate"] == "2026-09-01T00:00:00Z"
    assert found["2027-04-30T00:00:00Z"].inputs["startDate"] == "2026-11-01T00:00:00Z"
    assert "2026-09-01" in found["2027-02-28T00:00:00Z"].inputs["rotateWhenChanged"].values()
    assert "2026-11-01" in found["2027-04-30T00:00:00Z"].inputs["rotateWhenChanged"].values()
    assert "blue" in found["2027-02-28T00:00:00Z"].inputs["displayName"]
    assert built.clients["billing"].secret_end_dates == {
        "blue": "2027-02-28T00:00:00Z",
        "green": "2027-04-30T00:00:00Z",
    }


def _rfc3339(value: str) -> datetime.datetime:
    return datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")


@pytest.mark.parametrize("validity_days", [1, 90, 730])
def test_secret_lives_exactly_validity_days_from_its_slot_date(validity_days: int) -> None:
    # A slot dated ahead of today: without a start date Entra would start it now, and it would live
    # longer than configured (and a credential lifetime policy could refuse it).
    slot = SecretSlot("blue", datetime.date(2030, 2, 27))
    plan, _ = deploy(client("billing", slots=(slot,), validity_days=validity_days), product=None)
    (p,) = passwords(plan, "billing").values()

    start, end = _rfc3339(p.inputs["startDate"]), _rfc3339(p.inputs["endDate"])
    assert p.inputs["startDate"] == "2030-02-27T00:00:00Z"
    assert start == datetime.datetime(2030, 2, 27, tzinfo=datetime.UTC)
    assert end - start == datetime.timedelta(days=validity_days)


def test_client_secret_is_the_active_slot_and_stays_secret() -> None:
    plan, built = deploy(client("billing", roles=("Echo.Read.All",), slots=BLUE_GREEN), product=None)
    by_end = {p.inputs["endDate"]: p for p in passwords(plan, "billing").values()}
    values = {end: unwrap(p.outputs["value"]) for end, p in by_end.items()}

    exported = plan.outputs["billing.secret"]
    assert is_secret(exported)
    # The newest slot (green, rotated 2026-11-01) is the one callers use.
    assert unwrap(exported) == values["2027-04-30T00:00:00Z"]
    secret = built.clients["billing"].client_secret
    assert secret is not None
    assert sdk.run_sync(secret.is_secret()) is True

    printed = json.dumps(
        sanitized({"resources": [dataclasses.asdict(r) for r in plan.resources], "outputs": plan.outputs})
    )
    for value in values.values():
        assert value not in printed
    assert SECRET in printed


def test_no_secret_configured_means_no_password_and_no_secret_output() -> None:
    plan, built = deploy(client("portal", scopes=("Echo.Read",), slots=()), product=None)
    assert not plan.of_type(PASSWORD)
    assert built.clients["portal"].client_secret is None
    assert built.clients["portal"].secret_end_dates == {}


class _OtherYearDate(datetime.date):
    @classmethod
    def today(cls) -> _OtherYearDate:
        return cls(2031, 3, 17)


class _OtherYearDateTime(datetime.datetime):
    @classmethod
    def now(cls, tz: datetime.tzinfo | None = None) -> _OtherYearDateTime:
        return cls(2031, 3, 17, 13, 37, tzinfo=tz)

    @classmethod
    def utcnow(cls) -> _OtherYearDateTime:
        return cls(2031, 3, 17, 13, 37)

    @classmethod
    def today(cls) -> _OtherYearDateTime:
        return cls(2031, 3, 17, 13, 37)


@pytest.fixture
def other_year(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every clock a component could read says March 2031."""
    offset = datetime.datetime(2031, 3, 17, tzinfo=datetime.UTC).timestamp() - time.time()
    real_time, real_time_ns = time.time, time.time_ns
    monkeypatch.setattr(time, "time", lambda: real_time() + offset)
    monkeypatch.setattr(time, "time_ns", lambda: real_time_ns() + int(offset * 1e9))
    monkeypatch.setattr(datetime, "date", _OtherYearDate)
    monkeypatch.setattr(datetime, "datetime", _OtherYearDateTime)


def _secret_inputs(plan: Plan) -> dict[str, dict[str, Any]]:
    return {p.urn: sanitized(p.inputs) for p in plan.of_type(PASSWORD)}


def _by_urn(plan: Plan) -> dict[str, Any]:
    # Registration order depends on when outputs resolve; what matters is each resource's content.
    return {r.urn: sanitized(dataclasses.asdict(r)) for r in plan.resources}


def test_plan_is_identical_under_another_clock(request: pytest.FixtureRequest) -> None:
    def scenario() -> tuple[Plan, Deployed]:
        return deploy(
            client("billing", roles=("Echo.Read.All",), slots=BLUE_GREEN, validity_days=365), product=None
        )

    today_plan, today = scenario()
    request.getfixturevalue("other_year")
    assert datetime.date.today().year == 2031  # the patch took
    assert time.gmtime(time.time()).tm_year == 2031
    later_plan, later = scenario()

    assert _secret_inputs(later_plan) == _secret_inputs(today_plan)
    assert sorted(p["endDate"] for p in _secret_inputs(today_plan).values()) == [
        "2027-09-01T00:00:00Z",
        "2027-11-01T00:00:00Z",
    ]
    assert sorted(p["startDate"] for p in _secret_inputs(today_plan).values()) == [
        "2026-09-01T00:00:00Z",
        "2026-11-01T00:00:00Z",
    ]
    assert later.clients["billing"].secret_end_dates == today.clients["billing"].secret_end_dates
    assert _by_urn(later_plan) == _by_urn(today_plan)
    assert later_plan.outputs == today_plan.outputs


def test_bumping_one_slot_replaces_only_that_password() -> None:
    before, _ = deploy(client("billing", roles=("Echo.Read.All",), slots=BLUE_GREEN), product=None)
    bumped_blue = (SecretSlot("blue", datetime.date(2027, 1, 15)), BLUE_GREEN[1])
    after, built = deploy(client("billing", roles=("Echo.Read.All",), slots=bumped_blue), product=None)

    old, new = passwords(before, "billing"), passwords(after, "billing")
    assert set(old) == set(new)  # same two passwords, no slot added or removed
    changed = [urn for urn in old if old[urn].inputs != new[urn].inputs]
    assert len(changed) == 1
    (urn,) = changed
    assert new[urn].inputs["endDate"] == "2027-07-14T00:00:00Z"
    assert new[urn].inputs["startDate"] == "2027-01-15T00:00:00Z"
    assert new[urn].inputs["rotateWhenChanged"] != old[urn].inputs["rotateWhenChanged"]
    # Nothing else in the plan moves.
    rest_before = {k: v for k, v in _by_urn(before).items() if k != urn}
    rest_after = {k: v for k, v in _by_urn(after).items() if k != urn}
    assert rest_after == rest_before
    # The freshly rotated slot becomes the one callers use; the other stays valid meanwhile.
    assert unwrap(after.outputs["billing.secret"]) == unwrap(new[urn].outputs["value"])
    assert built.clients["billing"].secret_end_dates["green"] == "2027-04-30T00:00:00Z"
