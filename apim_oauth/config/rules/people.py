"""Rules for people signing in, across sections: who may sign in (AADSTS50105), the developer
portal's test consoles and its Entra sign-in; and their resolved settings. (Clients that sign users
in are checked with the other client rules, `rules.clients`.)

Each rule raises `ConfigError` naming the key to change; they run after every section is valid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from apim_oauth.azure.developer_portal import ConsoleGrant, portal_host
from apim_oauth.config.apis import ApiSettings
from apim_oauth.config.clients import SecretSettings
from apim_oauth.config.errors import ConfigError, key
from apim_oauth.config.products import EntraAppProductSettings, ProductSettings
from apim_oauth.config.rules.backend import backend_role
from apim_oauth.config.stack import StackConfig

# The tiers with a developer portal (azure-docs api-management-howto-oauth2.md availability include:
# Developer, Basic, Standard, Premium and the v2 tiers): all but Consumption.
NO_PORTAL_SKUS = frozenset({"Consumption"})
# Sign-in from several Entra tenants: Developer, Standard, Premium (azure-docs api-management-howto-aad.md).
MULTI_TENANT_SIGN_IN_SKUS = frozenset({"Developer", "Standard", "Premium"})


@dataclass(frozen=True)
class TestConsoleSettings:
    """The developer portal's test console for one API, resolved."""

    api: str
    server_name: str
    """The APIM authorization server's name (also in the console's redirect URI)."""
    display_name: str
    """What the portal shows for the server (at most 50 characters)."""
    app_display_name: str
    """Display name of the console's Entra app."""
    grant: ConsoleGrant
    scopes: tuple[str, ...]
    """Backend scope values the console asks for: what the API's delegated products and operations require."""
    secret: SecretSettings | None


@dataclass(frozen=True)
class PortalSignInSettings:
    display_name: str
    allowed_tenants: tuple[str, ...]
    signin_tenant: str
    secret: SecretSettings

    @property
    def multitenant(self) -> bool:
        return len(self.allowed_tenants) > 1


@dataclass(frozen=True)
class DeveloperPortalSettings:
    """The portal as the Entra apps see it: its host, the consoles, sign-in."""

    host: str
    """Lower-case host of the portal: the custom domain, else `<apim.name>.<cloud's portal suffix>`."""
    test_consoles: tuple[TestConsoleSettings, ...]
    sign_in: PortalSignInSettings | None

    @property
    def used(self) -> bool:
        return bool(self.test_consoles) or self.sign_in is not None


def delegated_products(api: str, products: Sequence[ProductSettings]) -> list[EntraAppProductSettings]:
    """The products that admit user (delegated) tokens for the backend on `api`."""
    return [
        p
        for p in products
        if isinstance(p, EntraAppProductSettings)
        and p.audience == "backend"
        and p.oauth.callers == "delegated"
        and api in p.apis
    ]


def console_scopes(api: ApiSettings, products: Sequence[ProductSettings]) -> tuple[str, ...]:
    """Every scope a user token needs to pass the gateway on `api`: its delegated products' and its own."""
    found: list[str] = []
    requirements = [p.oauth for p in delegated_products(api.name, products)]
    if api.oauth is not None:
        requirements += [r for r in (api.oauth, *api.operations) if r.callers == "delegated"]
    for req in requirements:
        found += [s for s in req.scopes if s not in found]
    return tuple(found)


def resolve_developer_portal(stack: StackConfig) -> DeveloperPortalSettings:
    portal = stack.developer_portal
    sku = stack.apim.sku
    consoles: list[TestConsoleSettings] = []
    servers: dict[str, int] = {}
    for index, api in enumerate(stack.apis):
        tc = api.test_console
        if tc is None:
            continue
        where = key(f"apis[{index}].testConsole")
        if sku in NO_PORTAL_SKUS:
            raise ConfigError(where, f"the {sku} tier has no developer portal, so no test console")
        if not delegated_products(api.name, stack.products):
            raise ConfigError(
                where,
                f"no product admits user tokens on API {api.name!r} (entra-app, audience: backend, "
                "callers: delegated): a console token would pass no policy",
            )
        scopes = console_scopes(api, stack.products)
        if not scopes:
            raise ConfigError(
                where,
                f"the delegated products of API {api.name!r} require no scope the console could ask for",
            )
        server = tc.server_name or api.name
        if server.lower() in servers:
            raise ConfigError(
                f"{where}.serverName",
                f"{server!r} is also the authorization server of apim-oauth:apis[{servers[server.lower()]}]",
            )
        servers[server.lower()] = index
        display = tc.display_name or f"{api.display_name} test console"[:50].rstrip()
        consoles.append(
            TestConsoleSettings(
                api=api.name,
                server_name=server,
                display_name=display,
                app_display_name=display,
                grant=tc.grant,
                scopes=scopes,
                secret=tc.secret,
            )
        )

    sign_in = None
    if portal is not None and portal.sign_in is not None:
        s = portal.sign_in
        if sku in NO_PORTAL_SKUS:
            raise ConfigError(key("developerPortal.signIn"), f"the {sku} tier has no developer portal")
        tenants = list(s.allowed_tenants) or [stack.tenant_id.lower()]
        if s.signin_tenant is not None and s.signin_tenant.lower() not in (t.lower() for t in tenants):
            raise ConfigError(
                key("developerPortal.signIn.signinTenant"),
                f"{s.signin_tenant!r} is not one of the allowed tenants ({', '.join(tenants)}): "
                "users sign in with it, so it must be allowed",
            )
        if len(tenants) > 1 and sku not in MULTI_TENANT_SIGN_IN_SKUS:
            raise ConfigError(
                key("developerPortal.signIn.allowedTenants"),
                f"sign-in from several tenants needs the Developer, Standard or Premium tier, not {sku}",
            )
        sign_in = PortalSignInSettings(
            display_name=s.display_name,
            allowed_tenants=tuple(tenants),
            signin_tenant=s.signin_tenant or tenants[0],
            secret=s.secret,
        )
    host = portal_host(
        stack.apim.name, stack.cloud.apim_developer_portal_suffix, portal.host if portal is not None else None
    )
    return DeveloperPortalSettings(host=host, test_consoles=tuple(consoles), sign_in=sign_in)


def check_assignments(stack: StackConfig, portal: DeveloperPortalSettings) -> None:
    backend = stack.backend
    user_roles = [r.value for r in backend.app_roles if "User" in r.allowed_member_types]
    seen: dict[tuple[str, str], int] = {}
    for index, a in enumerate(backend.assignments):
        where = key(f"backend.assignments[{index}]")
        if a.role is None:
            if user_roles:
                # Graph appRoleAssignment: the default role ID is for an app "without any specific
                # app roles"; we read that as "none a user can hold" (unsure), one line to change.
                raise ConfigError(
                    f"{where}.role",
                    f"is required: the backend defines app roles for users ({', '.join(user_roles)}), "
                    "so Entra has no default access to give",
                )
        else:
            backend_role(
                f"{where}.role",
                backend,
                a.role,
                "User",
                "assigned to users or groups (allowedMemberTypes lacks User)",
            )
        for p_index, principal in enumerate(a.principals):
            pair = (a.role or "", principal.lower())
            if pair in seen:
                raise ConfigError(
                    f"{where}.principals[{p_index}]",
                    f"{principal} is already assigned this role in apim-oauth:backend.assignments[{seen[pair]}]",
                )
            seen[pair] = index
    if backend.app_role_assignment_required and not backend.assignments:
        callers = delegated_callers(stack, portal)
        if callers:
            raise ConfigError(
                key("backend.assignments"),
                f"the backend requires app role assignment (appRoleAssignmentRequired) and {callers[0]} "
                "acts for signed-in users, but no user or group is assigned: every user would get "
                "AADSTS50105. Assign users or groups here (with a role, or none for default access), "
                "or set backend.appRoleAssignmentRequired: false",
            )


def delegated_callers(stack: StackConfig, portal: DeveloperPortalSettings) -> list[str]:
    """Keys of everything that makes Entra issue user tokens for the backend."""
    found = [key(f"clients[{i}]") for i, c in enumerate(stack.clients) if c.scopes]
    found += [
        key(f"products[{i}]")
        for i, p in enumerate(stack.products)
        if isinstance(p, EntraAppProductSettings)
        and p.audience == "backend"
        and p.oauth.callers == "delegated"
    ]
    found += [f"the test console of API {c.api!r}" for c in portal.test_consoles]
    return found
