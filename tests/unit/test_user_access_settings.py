"""Configuration of people signing in: every mistake of the issue's list is one config error naming its
key, raised by the real program before any resource; and what the components get from the dev stack."""

from __future__ import annotations

import pytest

from apim_oauth.azure.clouds import CLOUDS
from apim_oauth.config.errors import ConfigError
from apim_oauth.config.rules.clients import EntraAppClientSettings
from apim_oauth.config.settings import parse
from tests.unit.test_settings import DEV, PROJECT_DIR, TENANT, Edit, both, edited, run_main, set_in
from tools.plan.engine import run_program
from tools.plan.model import Plan

WEB_PORTAL = 1  # clients[1] in dev: web-portal (web platform, secret)
ECHO_SPA = 3  # clients[3] in dev: echo-spa (SPA, no secret)
# dev's apim-managed product and its client exist only on tiers with application-based access.
WITHOUT_APIM_MANAGED = both(set_in("clients[2]", None), set_in("products[2]", None))

BAD: list[tuple[str, Edit, str, str]] = [
    # Redirect URIs Entra refuses.
    (
        "http redirect URI off localhost",
        set_in(f"clients[{WEB_PORTAL}].signIn.redirectUris", ["http://portal.dev.contoso.example/cb"]),
        "apim-oauth:clients[web-portal].signIn.redirectUris[0]",
        "http only for localhost",
    ),
    (
        "redirect URI too long",
        set_in(f"clients[{ECHO_SPA}].signIn.redirectUris", ["https://echo.contoso.example/" + "a" * 240]),
        "apim-oauth:clients[echo-spa].signIn.redirectUris[0]",
        "at most 256",
    ),
    (
        "redirect URI with a wildcard",
        set_in(f"clients[{ECHO_SPA}].signIn.redirectUris", ["https://*.contoso.example/"]),
        "apim-oauth:clients[echo-spa].signIn.redirectUris[0]",
        "wildcard",
    ),
    (
        "redirect URI without a path",
        set_in(f"clients[{ECHO_SPA}].signIn.redirectUris", ["https://echo.contoso.example"]),
        "apim-oauth:clients[echo-spa].signIn.redirectUris[0]",
        "trailing slash",
    ),
    (
        "custom scheme on a SPA",
        set_in(f"clients[{ECHO_SPA}].signIn.redirectUris", ["myapp://callback"]),
        "apim-oauth:clients[echo-spa].signIn.redirectUris[0]",
        "https",
    ),
    (
        "the same redirect URI twice",
        set_in(
            f"clients[{ECHO_SPA}].signIn.redirectUris",
            ["https://echo.contoso.example/", "https://echo.contoso.example/"],
        ),
        "apim-oauth:clients[echo-spa].signIn.redirectUris[1]",
        "duplicate",
    ),
    (
        "more redirect URIs than Entra keeps",
        set_in(
            f"clients[{ECHO_SPA}].signIn.redirectUris",
            [f"https://echo.contoso.example/{i}" for i in range(257)],
        ),
        "apim-oauth:clients[echo-spa].signIn.redirectUris",
        "at most 256",
    ),
    (
        "implicit ID tokens on a SPA",
        set_in(f"clients[{ECHO_SPA}].signIn.implicitIdTokens", True),
        "apim-oauth:clients[echo-spa].signIn.implicitIdTokens",
        "web platform only",
    ),
    (
        "secret on a SPA",
        set_in(f"clients[{ECHO_SPA}].secret", {"slots": {"blue": "2026-11-01"}}),
        "apim-oauth:clients[echo-spa].secret",
        "cannot keep a secret",
    ),
    (
        "web app without a secret",
        set_in(f"clients[{WEB_PORTAL}].secret", None),
        "apim-oauth:clients[web-portal].secret",
        "is required for a web app",
    ),
    (
        "sign-in on an apim-managed client",
        set_in("clients[2].signIn", {"platform": "spa", "redirectUris": ["https://ops.contoso.example/"]}),
        "apim-oauth:clients[ops-console].signIn",
        "entra-app products only",
    ),
    # A PKCE console on a server name with capitals.
    (
        "PKCE console on a server name with capitals",
        set_in("apis[0].testConsole.serverName", "Echo"),
        "apim-oauth:apis[echo].testConsole.serverName",
        "lower case",
    ),
    (
        "code-grant console without a secret",
        set_in("apis[0].testConsole.grant", "authorizationCode"),
        "apim-oauth:apis[echo].testConsole.secret",
        "is required with grant authorizationCode",
    ),
    # A portal feature on a SKU without a developer portal.
    (
        "test console on Consumption",
        both(WITHOUT_APIM_MANAGED, set_in("apim.sku", "Consumption")),
        "apim-oauth:apis[echo].testConsole",
        "no developer portal",
    ),
    (
        "portal sign-in on Consumption",
        both(WITHOUT_APIM_MANAGED, set_in("apim.sku", "Consumption"), set_in("apis[0].testConsole", None)),
        "apim-oauth:developerPortal.signIn",
        "no developer portal",
    ),
    (
        "several tenants on a tier without them",
        both(
            WITHOUT_APIM_MANAGED,
            set_in("apim.sku", "BasicV2"),
            set_in("developerPortal.signIn.allowedTenants", [TENANT, "contoso-partners.onmicrosoft.com"]),
        ),
        "apim-oauth:developerPortal.signIn.allowedTenants",
        "Developer, Standard or Premium",
    ),
    (
        "sign-in tenant not among the allowed",
        set_in("developerPortal.signIn.signinTenant", "fabrikam.onmicrosoft.com"),
        "apim-oauth:developerPortal.signIn.signinTenant",
        "is not one of",
    ),
    (
        "custom portal host with a scheme",
        set_in("developerPortal.host", "https://developer.contoso.example"),
        "apim-oauth:developerPortal.host",
        "lower-case DNS name",
    ),
    # An authorization server for an API that no delegated product covers.
    (
        "test console on an API no delegated product covers",
        set_in("apis[1].testConsole", {"grant": "authorizationCodeWithPkce"}),
        "apim-oauth:apis[status].testConsole",
        "no product admits user tokens",
    ),
    # Assignment targets that are not GUIDs.
    (
        "assignment target that is not a GUID",
        set_in("backend.assignments[0].principals", ["echo-users@contoso.example"]),
        "apim-oauth:backend.assignments[0].principals[0]",
        "object ID (GUID)",
    ),
    (
        "assignment to a role users cannot hold",
        set_in("backend.assignments[0].role", "Status.Read.All"),
        "apim-oauth:backend.assignments[0].role",
        "lacks User",
    ),
    (
        "default access where the backend has a role for users",
        set_in("backend.assignments[0].role", None),
        "apim-oauth:backend.assignments[0].role",
        "is required",
    ),
    (
        "assignment to an unknown role",
        set_in("backend.assignments[0].role", "Echo.Admin"),
        "apim-oauth:backend.assignments[0].role",
        "defines no app role",
    ),
]


@pytest.mark.parametrize(("edit", "path", "phrase"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_configuration_names_its_key(edit: Edit, path: str, phrase: str) -> None:
    plan = Plan()
    with pytest.raises(ConfigError) as caught:
        run_program(run_main, config=edited(edit), tenant_id=TENANT, cloud=CLOUDS["global"], plan=plan)
    assert caught.value.path == path
    assert phrase in caught.value.message
    assert plan.resources == []


def test_assignment_required_with_delegated_callers_and_nobody_assigned_explains_aadsts50105() -> None:
    with pytest.raises(ConfigError) as caught:
        parse(edited(set_in("backend.assignments", None)), base_dir=PROJECT_DIR)
    assert caught.value.path == "apim-oauth:backend.assignments"
    message = caught.value.message
    assert "AADSTS50105" in message
    # The two ways out.
    assert "Assign users or groups here" in message
    assert "appRoleAssignmentRequired: false" in message


def test_without_assignment_required_nobody_needs_to_be_assigned() -> None:
    s = parse(
        edited(both(set_in("backend.assignments", None), set_in("backend.appRoleAssignmentRequired", False))),
        base_dir=PROJECT_DIR,
    )
    assert s.backend.assignments == ()


def test_dev_gives_the_components_the_portal_host_consoles_and_sign_in() -> None:
    s = parse(DEV, base_dir=PROJECT_DIR)
    portal = s.developer_portal
    assert portal.host == "apim-oauth-dev.developer.azure-api.net"
    [console] = portal.test_consoles
    assert (console.api, console.server_name, console.grant) == ("echo", "echo", "authorizationCodeWithPkce")
    # The product's Echo.Read and the postEcho operation's Echo.Write: a console token passes both.
    assert console.scopes == ("Echo.Read", "Echo.Write")
    assert console.secret is None
    assert portal.sign_in is not None
    assert portal.sign_in.allowed_tenants == (TENANT.lower(),)
    assert portal.sign_in.signin_tenant == TENANT.lower()
    assert not portal.sign_in.multitenant
    spa = s.clients[3]
    assert spa.name == "echo-spa"
    assert spa.mode == "entra-app"


def test_custom_portal_host_moves_every_portal_redirect() -> None:
    s = parse(edited(set_in("developerPortal.host", "developer.contoso.example")), base_dir=PROJECT_DIR)
    assert s.developer_portal.host == "developer.contoso.example"


def test_public_client_may_sign_in_without_redirect_uri() -> None:
    s = parse(
        edited(set_in(f"clients[{ECHO_SPA}].signIn", {"platform": "public"})),
        base_dir=PROJECT_DIR,
    )
    client = s.clients[ECHO_SPA]
    assert isinstance(client, EntraAppClientSettings)
    assert client.sign_in is not None
    assert client.sign_in.redirect_uris == ()
