"""People signing in, through the real program under the offline engine: what Entra and APIM receive
for the dev stack's delegated clients, test console and portal sign-in, and what waits on what."""

from __future__ import annotations

from typing import Any

import pytest

from apim_oauth.azure.developer_portal import console_redirect_uri, sign_in_redirect_uri
from tests.fixture_stacks import DEV, fixture_file
from tools.plan.model import RecordedResource, is_secret
from tools.plan.testing import PlanOf, StackPlan

APPLICATION = "azuread:index/application:Application"
SERVICE_PRINCIPAL = "azuread:index/servicePrincipal:ServicePrincipal"
PASSWORD = "azuread:index/applicationPassword:ApplicationPassword"
GRANT = "azuread:index/servicePrincipalDelegatedPermissionGrant:ServicePrincipalDelegatedPermissionGrant"
ROLE_ASSIGNMENT = "azuread:index/appRoleAssignment:AppRoleAssignment"
SERVICE = "azure-native:apimanagement:ApiManagementService"
SERVER = "azure-native:apimanagement:AuthorizationServer"
IDENTITY_PROVIDER = "azure-native:apimanagement:IdentityProvider"
API = "azure-native:apimanagement:Api"
DEPLOYMENT = "azure-native:resources:Deployment"
REVISION_TYPE = "Microsoft.ApiManagement/service/portalRevisions"
TENANT = "3f2a1c4e-8b7d-4e6f-9a1b-2c3d4e5f6a7b"
GROUP = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"
DEV_PORTAL = "https://apim-oauth-dev.developer.azure-api.net"
MICROSOFT_GRAPH = "00000003-0000-0000-c000-000000000000"


def app(plan: StackPlan, display_name: str) -> dict[str, Any]:
    return plan.one(APPLICATION, displayName=display_name).inputs


def portal_revision(plan: StackPlan) -> RecordedResource:
    """The template deployment that publishes the developer portal."""
    found = [
        d
        for d in plan.of_type(DEPLOYMENT)
        if any(r["type"] == REVISION_TYPE for r in d.inputs["properties"]["template"]["resources"])
    ]
    assert len(found) == 1, f"{len(found)} portal revision deployments"
    return found[0]


def test_each_client_registers_its_redirect_uris_under_its_platform(plan_of: PlanOf) -> None:
    plan = plan_of(DEV)
    web = app(plan, "Web portal (dev)")
    assert web["web"]["redirectUris"] == ["https://portal.dev.contoso.example/signin-oidc"]
    assert web["web"]["implicitGrant"]["idTokenIssuanceEnabled"] is False
    spa = app(plan, "Echo single-page app (dev)")
    assert spa["singlePageApplication"]["redirectUris"] == [
        "https://echo.dev.contoso.example/",
        "http://localhost:5173/",
    ]
    assert not spa.get("web")
    # The backend's token version follows on the apps that sign users in.
    assert web["api"]["requestedAccessTokenVersion"] == spa["api"]["requestedAccessTokenVersion"] == 2
    # A daemon is unchanged: no platform, no redirect URI.
    daemon = app(plan, "Billing daemon (dev)")
    assert not any(daemon.get(k) for k in ("web", "singlePageApplication", "publicClient"))


def test_the_test_console_app_has_exactly_the_portals_redirect_uri(plan_of: PlanOf) -> None:
    plan = plan_of(DEV)
    console = app(plan, "Echo test console (dev)")
    # The documented callback: /signin-oauth/code-pkce/callback/<server>, as a SPA redirect (the
    # browser redeems the code).
    assert console["singlePageApplication"]["redirectUris"] == [
        f"{DEV_PORTAL}/signin-oauth/code-pkce/callback/echo"
    ]
    assert console["singlePageApplication"]["redirectUris"] == [
        console_redirect_uri(DEV_PORTAL, "authorizationCodeWithPkce", "echo")
    ]
    assert not console.get("web")
    # A PKCE console keeps no secret: no password is made for its app.
    console_app = plan.one(APPLICATION, displayName="Echo test console (dev)")
    assert all(p.parent != console_app.parent for p in plan.of_type(PASSWORD))


def test_the_console_server_has_the_clouds_v2_endpoints_and_the_backend_scopes(plan_of: PlanOf) -> None:
    plan = plan_of(DEV)
    server = plan.one(SERVER, authsid="echo").inputs
    assert (
        server["authorizationEndpoint"] == f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/authorize"
    )
    assert server["tokenEndpoint"] == f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token"
    assert server["grantTypes"] == ["authorizationCodeWithPkce"]
    app_id_uri = plan.outputs["backend"]["appIdUri"]
    assert server["defaultScope"] == f"{app_id_uri}/Echo.Read {app_id_uri}/Echo.Write"
    console = plan.one(APPLICATION, displayName="Echo test console (dev)")
    assert server["clientId"] == console.outputs["clientId"]
    assert "clientSecret" not in server


@pytest.mark.slow  # plans the stack once per cloud
@pytest.mark.parametrize(
    ("cloud", "login", "portal"),
    [
        ("usgovernment", "login.microsoftonline.us", "apim-oauth-dev.developer.azure-api.us"),
        ("china", "login.partner.microsoftonline.cn", "apim-oauth-dev.developer.azure-api.cn"),
    ],
)
def test_other_clouds_get_their_login_host_and_portal_host(
    plan_of: PlanOf, cloud: str, login: str, portal: str
) -> None:
    plan = plan_of(DEV, config={"cloud": cloud})
    server = plan.one(SERVER, authsid="echo").inputs
    assert server["authorizationEndpoint"] == f"https://{login}/{TENANT}/oauth2/v2.0/authorize"
    assert server["tokenEndpoint"] == f"https://{login}/{TENANT}/oauth2/v2.0/token"
    assert plan.one(IDENTITY_PROVIDER, type="aad").inputs["authority"] == login
    console = app(plan, "Echo test console (dev)")
    assert console["singlePageApplication"]["redirectUris"] == [
        f"https://{portal}/signin-oauth/code-pkce/callback/echo"
    ]


def test_the_api_names_its_server_in_the_form_the_portal_reads(plan_of: PlanOf) -> None:
    plan = plan_of(DEV)
    echo = plan.one(API, apiId="echo")
    assert echo.inputs["authenticationSettings"] == {
        "oAuth2AuthenticationSettings": [{"authorizationServerId": "echo"}]
    }
    server = plan.one(SERVER, authsid="echo")
    assert server.urn in echo.dependencies
    for other in ("status", "inventory"):
        assert "authenticationSettings" not in plan.one(API, apiId=other).inputs


def test_code_grant_console_is_a_web_app_and_its_secret_stays_secret(plan_of: PlanOf) -> None:
    plan = plan_of(
        DEV,
        config={
            "apis": [
                *[
                    {
                        **a,
                        "testConsole": {
                            "grant": "authorizationCode",
                            "secret": {"slots": {"blue": "2026-11-01"}},
                        },
                    }
                    if a["name"] == "echo"
                    else a
                    for a in _dev_apis()
                ]
            ]
        },
    )
    console = app(plan, "Echo test console")
    assert console["web"]["redirectUris"] == [f"{DEV_PORTAL}/signin-oauth/code/callback/echo"]
    server = plan.one(SERVER, authsid="echo")
    assert server.inputs["grantTypes"] == ["authorizationCode"]
    assert is_secret(server.inputs["clientSecret"])
    assert "clientSecret" in server.secret_outputs
    # It is the console app's password, and no stack output shows it.
    [password] = [
        p
        for p in plan.of_type(PASSWORD)
        if p.parent == plan.one(APPLICATION, displayName="Echo test console").parent
    ]
    assert server.inputs["clientSecret"]["value"] == password.outputs["value"]["value"]
    assert password.outputs["value"]["value"] not in str(plan.plain_outputs)


def _dev_apis() -> list[dict[str, Any]]:
    from tools.plan.program import load_config

    return list(load_config(fixture_file(DEV))["apim-oauth:apis"])


def test_portal_sign_in_is_aad_with_msal_2_its_own_spa_app_and_graph_consent(plan_of: PlanOf) -> None:
    plan = plan_of(DEV)
    provider = plan.one(IDENTITY_PROVIDER, type="aad")
    assert provider.inputs["identityProviderName"] == "aad"
    assert provider.inputs["clientLibrary"] == "MSAL-2"
    assert provider.inputs["signinTenant"] == TENANT
    assert provider.inputs["allowedTenants"] == [TENANT]
    assert is_secret(provider.inputs["clientSecret"])
    sign_in = plan.one(APPLICATION, displayName="Contoso developer portal (dev)")
    assert provider.inputs["clientId"] == sign_in.outputs["clientId"]
    assert sign_in.inputs["singlePageApplication"]["redirectUris"] == [sign_in_redirect_uri(DEV_PORTAL)]
    assert sign_in.inputs["singlePageApplication"]["redirectUris"] == [f"{DEV_PORTAL}/signin"]
    claims = [c["name"] for c in sign_in.inputs["optionalClaims"]["idTokens"]]
    assert sorted(claims) == ["email", "family_name", "given_name"]
    principal = plan.one(SERVICE_PRINCIPAL, clientId=sign_in.outputs["clientId"])
    [graph] = [
        g
        for g in plan.of_type(GRANT)
        if g.inputs["servicePrincipalObjectId"] == principal.outputs["objectId"]
    ]
    assert sorted(graph.inputs["claimValues"]) == ["email", "offline_access", "openid", "profile"]
    assert "userObjectId" not in graph.inputs, "admin consent for all users"
    assert [a["resourceAppId"] for a in sign_in.inputs["requiredResourceAccesses"]] == [MICROSOFT_GRAPH]


def test_users_are_assigned_the_role_they_are_configured_with(plan_of: PlanOf) -> None:
    plan = plan_of(DEV)
    backend_app = plan.one(APPLICATION, displayName="Contoso Echo API (dev)")
    role_ids = {r["value"]: r["id"] for r in backend_app.inputs["appRoles"]}
    backend_sp = plan.one(SERVICE_PRINCIPAL, clientId=backend_app.outputs["clientId"])
    [assignment] = [a for a in plan.of_type(ROLE_ASSIGNMENT) if a.inputs["principalObjectId"] == GROUP]
    assert assignment.inputs["appRoleId"] == role_ids["Echo.User"]
    assert assignment.inputs["resourceObjectId"] == backend_sp.outputs["objectId"]
    assert backend_sp.inputs["appRoleAssignmentRequired"] is True


def test_delegated_clients_get_admin_consent_on_the_backend(plan_of: PlanOf) -> None:
    plan = plan_of(DEV)
    backend_app = plan.one(APPLICATION, displayName="Contoso Echo API (dev)")
    backend_sp = plan.one(SERVICE_PRINCIPAL, clientId=backend_app.outputs["clientId"])
    consented = {}
    for name in ("Web portal (dev)", "Echo single-page app (dev)", "Echo test console (dev)"):
        client_app = plan.one(APPLICATION, displayName=name)
        principal = plan.one(SERVICE_PRINCIPAL, clientId=client_app.outputs["clientId"])
        [grant] = [
            g
            for g in plan.of_type(GRANT)
            if g.inputs["servicePrincipalObjectId"] == principal.outputs["objectId"]
        ]
        assert grant.inputs["resourceServicePrincipalObjectId"] == backend_sp.outputs["objectId"]
        consented[name] = grant.inputs["claimValues"]
    assert consented == {
        "Web portal (dev)": ["Echo.Read", "Echo.Write"],
        "Echo single-page app (dev)": ["Echo.Read", "Echo.Write"],
        "Echo test console (dev)": ["Echo.Read", "Echo.Write"],
    }


def test_no_entra_app_waits_on_the_apim_service(plan_of: PlanOf) -> None:
    plan = plan_of(DEV)
    [service] = plan.of_type(SERVICE)
    people = [
        *plan.of_type(APPLICATION),
        *plan.of_type(SERVICE_PRINCIPAL),
        *plan.of_type(PASSWORD),
        *plan.of_type(GRANT),
        *[a for a in plan.of_type(ROLE_ASSIGNMENT) if a.inputs["principalObjectId"] == GROUP],
    ]
    assert len(people) > 20
    waiting = [r.name for r in people if service.urn in plan.waits_on(r)]
    assert waiting == []
    # The APIM side does wait, as it must.
    assert service.urn in plan.waits_on(plan.one(SERVER, authsid="echo"))


def test_the_portal_is_published_after_what_it_bakes_in(plan_of: PlanOf) -> None:
    plan = plan_of(DEV)
    revision = portal_revision(plan)
    deps = plan.waits_on(revision)
    for resource in (
        plan.one(IDENTITY_PROVIDER, type="aad"),
        plan.one(SERVER, authsid="echo"),
        plan.one(API, apiId="echo"),
    ):
        assert resource.urn in deps
    [resource] = revision.inputs["properties"]["template"]["resources"]
    assert resource["type"] == REVISION_TYPE
    assert resource["properties"]["isCurrent"] is True
    assert resource["apiVersion"] == "2024-05-01"
    assert resource["name"].startswith("apim-oauth-dev/")
    # PortalRevisionContractProperties (apimportalrevisions.json, 2024-05-01): `description` (at most
    # 2000 characters) and `isCurrent` are the writable properties; a revision has no location.
    assert set(resource) == {"type", "apiVersion", "name", "properties"}
    assert set(resource["properties"]) == {"description", "isCurrent"}
    assert len(resource["properties"]["description"]) <= 2000


@pytest.mark.slow  # plans the stack three more times
def test_an_unchanged_stack_publishes_under_the_same_name_and_a_change_under_another(plan_of: PlanOf) -> None:
    def name(plan: StackPlan) -> str:
        [resource] = portal_revision(plan).inputs["properties"]["template"]["resources"]
        return str(resource["name"])

    dev = name(plan_of(DEV))
    assert dev == name(plan_of(DEV, config={"tenantId": TENANT}))
    # A custom host changes redirect URIs in Entra, nothing the portal keeps: no new revision.
    host = {"host": "developer.contoso.example", "signIn": _sign_in()}
    assert name(plan_of(DEV, config={"developerPortal": host})) == dev
    # Another allowed tenant is baked into the published portal: a new revision.
    tenants = {"signIn": {**_sign_in(), "allowedTenants": [TENANT, "contoso-partners.onmicrosoft.com"]}}
    assert name(plan_of(DEV, config={"developerPortal": tenants})) != dev


def _sign_in() -> dict[str, Any]:
    from tools.plan.program import load_config

    return dict(load_config(fixture_file(DEV))["apim-oauth:developerPortal"]["signIn"])


def test_a_custom_portal_host_moves_every_portal_redirect(plan_of: PlanOf) -> None:
    plan = plan_of(
        DEV, config={"developerPortal": {"host": "developer.contoso.example", "signIn": _sign_in()}}
    )
    assert app(plan, "Echo test console (dev)")["singlePageApplication"]["redirectUris"] == [
        "https://developer.contoso.example/signin-oauth/code-pkce/callback/echo"
    ]
    assert app(plan, "Contoso developer portal (dev)")["singlePageApplication"]["redirectUris"] == [
        "https://developer.contoso.example/signin"
    ]
    assert plan.outputs["developerPortal"]["url"] == "https://developer.contoso.example"
