"""Clients that sign users in, under the offline engine: the platform and redirect URIs Entra
receives, the delegated consent, and the test console's app and server wired together."""

from __future__ import annotations

import datetime
from typing import Any

import pulumi
import pytest

from apim_oauth.azure.clouds import CLOUDS
from apim_oauth.azure.developer_portal import console_redirect_uri, portal_base_url
from apim_oauth.azure.redirect_uris import Platform

# Imported as a module: pytest would try to collect classes named Test* as test classes.
from apim_oauth.components import test_console
from apim_oauth.components.entra.backend_api import Owners
from apim_oauth.components.entra.client_app import (
    ClientApp,
    ClientAppArgs,
    ClientSecret,
    DelegatedGrant,
    SecretSlot,
    SignIn,
)
from tools.plan import engine
from tools.plan.model import Plan, RecordedResource, is_secret

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
OWNER = "0e2d7a1c-5b3f-4c8e-9d6a-1f2e3d4c5b6a"
APPLICATION = "azuread:index/application:Application"
DELEGATED_GRANT = (
    "azuread:index/servicePrincipalDelegatedPermissionGrant:ServicePrincipalDelegatedPermissionGrant"
)
SERVER = "azure-native:apimanagement:AuthorizationServer"
SCOPE_IDS = {
    "Echo.Read": "6a1f3c1e-0b0e-4a53-9d53-7b2f7c1d8e01",
    "Echo.Write": "6a1f3c1e-0b0e-4a53-9d53-7b2f7c1d8e02",
}
SECRET = ClientSecret(180, (SecretSlot("blue", datetime.date(2026, 11, 1)),))


def run(program: Any) -> Plan:
    return engine.run_program(program, config={}, tenant_id=TENANT, cloud=CLOUDS["global"])


def only(resources: list[RecordedResource]) -> RecordedResource:
    assert len(resources) == 1, f"expected exactly one, found {len(resources)}"
    return resources[0]


def client(sign_in: SignIn | None, **extra: Any) -> Plan:
    def program() -> None:
        ClientApp(
            "client",
            ClientAppArgs(
                display_name="Client",
                secret=SECRET if sign_in is None or sign_in.platform == "web" else None,
                role_grants=(),
                delegated=(DelegatedGrant("", "backend-client", "backend-sp", ("Echo.Read",), SCOPE_IDS),),
                owners=Owners([OWNER]),
                sign_in=sign_in,
                **extra,
            ),
        )

    return run(program)


PLATFORM_BLOCKS = {"web": "web", "spa": "singlePageApplication", "public": "publicClient"}


@pytest.mark.parametrize(
    ("platform", "uris"),
    [
        ("web", ("https://portal.contoso.example/signin-oidc",)),
        ("spa", ("https://echo.contoso.example/", "http://localhost:5173/")),
        ("public", ("msauth.com.contoso.echo://auth", "http://localhost")),
    ],
)
def test_redirect_uris_go_under_their_platform_exactly(platform: Platform, uris: tuple[str, ...]) -> None:
    app = only(client(SignIn(platform, uris)).of_type(APPLICATION)).inputs
    assert app[PLATFORM_BLOCKS[platform]]["redirectUris"] == list(uris)
    for other in set(PLATFORM_BLOCKS.values()) - {PLATFORM_BLOCKS[platform]}:
        block: dict[str, Any] = app.get(other) or {}
        assert not block.get("redirectUris"), f"{platform} URIs also under {other}"
    assert app.get("fallbackPublicClientEnabled", False) is (platform == "public")


def test_web_implicit_id_tokens_are_off_unless_asked() -> None:
    off = only(client(SignIn("web", ("https://a.contoso.example/cb",))).of_type(APPLICATION)).inputs
    on = only(client(SignIn("web", ("https://a.contoso.example/cb",), True)).of_type(APPLICATION)).inputs
    assert off["web"]["implicitGrant"] == {
        "accessTokenIssuanceEnabled": False,
        "idTokenIssuanceEnabled": False,
    }
    assert on["web"]["implicitGrant"]["idTokenIssuanceEnabled"] is True
    assert on["web"]["implicitGrant"]["accessTokenIssuanceEnabled"] is False


def test_a_daemon_gets_no_platform_and_keeps_its_shape() -> None:
    app = only(client(None).of_type(APPLICATION)).inputs
    assert not any(app.get(block) for block in PLATFORM_BLOCKS.values())
    assert "api" not in app
    assert app["signInAudience"] == "AzureADMyOrg"


def test_token_version_claims_and_audience() -> None:
    plan = client(
        SignIn("spa", ("https://developer.contoso.example/signin",)),
        token_version=2,
        id_token_claims=("email", "given_name"),
        multitenant=True,
    )
    app = only(plan.of_type(APPLICATION)).inputs
    assert app["api"]["requestedAccessTokenVersion"] == 2
    assert [c["name"] for c in app["optionalClaims"]["idTokens"]] == ["email", "given_name"]
    assert app["signInAudience"] == "AzureADMultipleOrgs"


def test_each_delegated_grant_is_its_own_admin_consent() -> None:
    def program() -> None:
        ClientApp(
            "client",
            ClientAppArgs(
                display_name="Client",
                secret=None,
                role_grants=(),
                delegated=(
                    DelegatedGrant("", "backend-client", "backend-sp", ("Echo.Read",), SCOPE_IDS),
                    DelegatedGrant(
                        "graph",
                        "graph-client",
                        "graph-sp",
                        ("openid", "email"),
                        {"openid": "o", "email": "e"},
                    ),
                ),
                owners=Owners([OWNER]),
                sign_in=SignIn("spa", ("https://a.contoso.example/",)),
            ),
        )

    plan = run(program)
    grants = {
        (g.inputs["resourceServicePrincipalObjectId"], tuple(g.inputs["claimValues"]))
        for g in plan.of_type(DELEGATED_GRANT)
    }
    assert grants == {("backend-sp", ("Echo.Read",)), ("graph-sp", ("openid", "email"))}
    accesses = {
        (e["resourceAppId"], a["id"])
        for e in only(plan.of_type(APPLICATION)).inputs["requiredResourceAccesses"]
        for a in e["resourceAccesses"]
    }
    assert accesses == {
        ("backend-client", SCOPE_IDS["Echo.Read"]),
        ("graph-client", "o"),
        ("graph-client", "e"),
    }
    # The backend's grant keeps the resource name clients always had.
    assert {g.name for g in plan.of_type(DELEGATED_GRANT)} == {"client-delegated", "client-delegated-graph"}


def console(grant: Any) -> Plan:
    base = portal_base_url("apim-oauth-dev.developer.azure-api.net")
    cloud = CLOUDS["global"]

    def program() -> None:
        c = test_console.TestConsole(
            "echo-console",
            test_console.TestConsoleArgs(
                server_name="echo",
                display_name="Echo console",
                app_display_name="Echo console (apim-oauth-dev)",
                grant=grant,
                redirect_uri=console_redirect_uri(base, grant, "echo"),
                scopes=("Echo.Read", "Echo.Write"),
                backend=test_console.ConsoleBackend(
                    "backend-client", "backend-sp", "api://backend", SCOPE_IDS, 2
                ),
                secret=SECRET if grant == "authorizationCode" else None,
                authorization_endpoint=cloud.authorize_endpoint(TENANT),
                token_endpoint=cloud.token_endpoint(TENANT),
                owners=Owners([OWNER]),
                resource_group_name="rg",
                service_name="apim-oauth-dev",
            ),
        )
        pulumi.export("clientId", c.client_id)

    return run(program)


def test_pkce_console_is_a_spa_with_the_portals_redirect_and_no_secret() -> None:
    plan = console("authorizationCodeWithPkce")
    app = only(plan.of_type(APPLICATION)).inputs
    assert app["singlePageApplication"]["redirectUris"] == [
        "https://apim-oauth-dev.developer.azure-api.net/signin-oauth/code-pkce/callback/echo"
    ]
    assert not app.get("web")
    server = only(plan.of_type(SERVER)).inputs
    assert server["clientId"] == plan.outputs["clientId"]
    assert server["defaultScope"] == "api://backend/Echo.Read api://backend/Echo.Write"
    assert "clientSecret" not in server
    grant = only(plan.of_type(DELEGATED_GRANT)).inputs
    assert grant["claimValues"] == ["Echo.Read", "Echo.Write"]
    assert "userObjectId" not in grant, "admin consent for all users"


def test_code_grant_console_is_a_web_app_whose_secret_apim_keeps_secret() -> None:
    plan = console("authorizationCode")
    app = only(plan.of_type(APPLICATION)).inputs
    assert app["web"]["redirectUris"] == [
        "https://apim-oauth-dev.developer.azure-api.net/signin-oauth/code/callback/echo"
    ]
    server = only(plan.of_type(SERVER))
    assert is_secret(server.inputs["clientSecret"])
    password = only(plan.of_type("azuread:index/applicationPassword:ApplicationPassword"))
    assert server.inputs["clientSecret"]["value"] == password.outputs["value"]["value"]
