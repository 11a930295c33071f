"""Portal components under the offline engine: what APIM and Entra would receive from the test
console's authorization server, the developer portal's sign-in and publishing, and user assignments."""

from __future__ import annotations

from typing import Any

import pulumi

from apim_oauth.azure.clouds import CLOUDS, CloudName
from apim_oauth.azure.developer_portal import ConsoleGrant
from apim_oauth.components.apim.authorization_server import AuthorizationServer, AuthorizationServerArgs
from apim_oauth.components.apim.developer_portal import (
    DeveloperPortal,
    DeveloperPortalArgs,
    PortalSignInArgs,
)
from apim_oauth.components.entra.user_assignments import (
    DEFAULT_ACCESS_ROLE_ID,
    UserAssignment,
    UserAssignments,
    UserAssignmentsArgs,
)
from tools.plan import engine
from tools.plan.model import Plan, RecordedResource, is_secret

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
OTHER_TENANT = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9"
SERVER = "azure-native:apimanagement:AuthorizationServer"
IDENTITY_PROVIDER = "azure-native:apimanagement:IdentityProvider"
DEPLOYMENT = "azure-native:resources:Deployment"
ROLE_ASSIGNMENT = "azuread:index/appRoleAssignment:AppRoleAssignment"
GROUP = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"
USER = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
ROLE = "6c1d9a4e-2f3b-5c7d-8e9f-0a1b2c3d4e5f"


def run(program: Any, cloud: CloudName = "global") -> Plan:
    return engine.run_program(program, config={}, tenant_id=TENANT, cloud=CLOUDS[cloud])


def only(resources: list[RecordedResource]) -> RecordedResource:
    assert len(resources) == 1, f"expected exactly one, found {len(resources)}"
    return resources[0]


def server_args(cloud: CloudName, grant: ConsoleGrant, secret: str | None) -> AuthorizationServerArgs:
    c = CLOUDS[cloud]
    return AuthorizationServerArgs(
        server_name="echo",
        display_name="Echo test console",
        grant=grant,
        authorization_endpoint=c.authorize_endpoint(TENANT),
        token_endpoint=c.token_endpoint(TENANT),
        default_scopes=["api://backend/Echo.Read", "api://backend/Echo.Write"],
        client_id="console-client-id",
        client_secret=secret,
        resource_group_name="rg",
        service_name="apim-oauth-dev",
    )


def test_server_for_each_cloud_uses_its_v2_endpoints_and_the_grant() -> None:
    clouds: tuple[tuple[CloudName, str], ...] = (
        ("global", "login.microsoftonline.com"),
        ("usgovernment", "login.microsoftonline.us"),
        ("china", "login.partner.microsoftonline.cn"),
    )
    for cloud, host in clouds:
        args = server_args(cloud, "authorizationCodeWithPkce", None)
        plan = run(lambda args=args: AuthorizationServer("console", args), cloud)
        inputs = only(plan.of_type(SERVER)).inputs
        assert inputs["authorizationEndpoint"] == f"https://{host}/{TENANT}/oauth2/v2.0/authorize"
        assert inputs["tokenEndpoint"] == f"https://{host}/{TENANT}/oauth2/v2.0/token"
        assert inputs["grantTypes"] == ["authorizationCodeWithPkce"]
        assert inputs["authsid"] == "echo"
        # The portal splits the default scope on spaces into the list it asks Entra for.
        assert inputs["defaultScope"].split(" ") == ["api://backend/Echo.Read", "api://backend/Echo.Write"]
        assert inputs["useInTestConsole"] is True
        assert "clientSecret" not in inputs, "a PKCE console sends no secret"


def test_code_grant_server_keeps_its_secret_secret() -> None:
    plan = run(lambda: AuthorizationServer("console", server_args("global", "authorizationCode", "s3cret")))
    server = only(plan.of_type(SERVER))
    assert server.inputs["grantTypes"] == ["authorizationCode"]
    assert is_secret(server.inputs["clientSecret"])
    assert server.inputs["clientSecret"]["value"] == "s3cret"
    assert "clientSecret" in server.secret_outputs
    # The contract's required fields are all sent.
    for key in (
        "displayName",
        "clientRegistrationEndpoint",
        "authorizationEndpoint",
        "grantTypes",
        "clientId",
    ):
        assert server.inputs.get(key), key
    assert "GET" in server.inputs["authorizationMethods"]


def portal(sign_in: PortalSignInArgs | None, baked: dict[str, Any] | None = None) -> Plan:
    def program() -> None:
        p = DeveloperPortal(
            "portal",
            DeveloperPortalArgs(
                resource_group_name="rg", service_name="apim-oauth-dev", sign_in=sign_in, baked_in=baked or {}
            ),
        )
        if p.revision_name is not None:
            pulumi.export("revision", p.revision_name)

    return run(program)


SIGN_IN = PortalSignInArgs(
    client_id="portal-client-id",
    client_secret="portal-secret",
    authority="login.microsoftonline.com",
    signin_tenant=TENANT,
    allowed_tenants=(TENANT, OTHER_TENANT),
)


def test_identity_provider_is_aad_with_msal_2_and_the_tenants() -> None:
    plan = portal(SIGN_IN)
    provider = only(plan.of_type(IDENTITY_PROVIDER))
    assert provider.inputs["identityProviderName"] == "aad"
    assert provider.inputs["type"] == "aad"
    assert provider.inputs["clientLibrary"] == "MSAL-2"
    assert provider.inputs["signinTenant"] == TENANT
    assert provider.inputs["allowedTenants"] == [TENANT, OTHER_TENANT]
    assert provider.inputs["authority"] == "login.microsoftonline.com"
    assert is_secret(provider.inputs["clientSecret"])


def test_revision_is_a_template_deployment_made_current_after_the_provider() -> None:
    plan = portal(SIGN_IN)
    deployment = only(plan.of_type(DEPLOYMENT))
    provider = only(plan.of_type(IDENTITY_PROVIDER))
    assert deployment.inputs["properties"]["mode"] == "Incremental"
    [revision] = deployment.inputs["properties"]["template"]["resources"]
    assert revision["type"] == "Microsoft.ApiManagement/service/portalRevisions"
    assert revision["apiVersion"] == "2024-05-01"
    assert revision["name"] == f"apim-oauth-dev/{plan.outputs['revision']}"
    assert revision["properties"]["isCurrent"] is True
    assert "location" not in revision, "a portal revision has no location"
    assert provider.urn in deployment.dependencies


def test_revision_name_follows_what_is_baked_in() -> None:
    first = portal(SIGN_IN).outputs["revision"]
    again = portal(SIGN_IN).outputs["revision"]
    other_tenant = portal(
        PortalSignInArgs("portal-client-id", "portal-secret", "login.microsoftonline.com", TENANT, (TENANT,))
    ).outputs["revision"]
    new_secret = portal(
        PortalSignInArgs(
            "portal-client-id", "rotated", "login.microsoftonline.com", TENANT, (TENANT, OTHER_TENANT)
        )
    ).outputs["revision"]
    assert first == again
    assert first != other_tenant
    # The secret is not published to the browser: rotating it publishes nothing.
    assert first == new_secret


def test_nothing_to_publish_publishes_nothing() -> None:
    plan = portal(None)
    assert plan.of_type(DEPLOYMENT) == []
    assert plan.of_type(IDENTITY_PROVIDER) == []


def test_user_assignments_per_role_and_default_access() -> None:
    def program() -> None:
        UserAssignments(
            "signin",
            UserAssignmentsArgs(
                resource_object_id="backend-sp",
                assignments=(
                    UserAssignment("echo-user-group", ROLE, GROUP),
                    UserAssignment("default-user", DEFAULT_ACCESS_ROLE_ID, USER),
                ),
            ),
        )

    plan = run(program)
    got = {
        (r.inputs["appRoleId"], r.inputs["principalObjectId"], r.inputs["resourceObjectId"])
        for r in plan.of_type(ROLE_ASSIGNMENT)
    }
    assert got == {(ROLE, GROUP, "backend-sp"), (DEFAULT_ACCESS_ROLE_ID, USER, "backend-sp")}
