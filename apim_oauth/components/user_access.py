"""People, not only daemons: who may sign in to the backend, the developer portal's test consoles, and
the portal's own sign-in app. Wired from the settings here, as the deployment wires the rest.

Nothing here waits for the APIM service except the APIM resources themselves (the consoles'
authorization servers): every redirect URI comes from the configuration (`settings.developer_portal`),
so the Entra apps, their consent and their secrets are made while APIM provisions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_azuread as azuread

from apim_oauth.azure.developer_portal import (
    console_redirect_uri,
    portal_base_url,
    sign_in_redirect_uri,
)
from apim_oauth.azure.naming import grant_key
from apim_oauth.components.apim.developer_portal import DeveloperPortal, DeveloperPortalArgs, PortalSignInArgs
from apim_oauth.components.entra.backend_api import BackendApi, Owners
from apim_oauth.components.entra.client_app import (
    ClientApp,
    ClientAppArgs,
    ClientSecret,
    DelegatedGrant,
    SecretSlot,
    SignIn,
)
from apim_oauth.components.entra.user_assignments import (
    DEFAULT_ACCESS_ROLE_ID,
    UserAssignment,
    UserAssignments,
    UserAssignmentsArgs,
)
from apim_oauth.components.test_console import ConsoleBackend, TestConsole, TestConsoleArgs
from apim_oauth.config.clients import SecretSettings
from apim_oauth.config.settings import Settings
from apim_oauth.config.sign_in import ClientSignIn

MICROSOFT_GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
"""Microsoft Graph's application ID, the same in every cloud (docs/sources.md#well-known-ids-and-naming-rules)."""
# What the portal's sign-in app asks of Microsoft Graph: MSAL 2 adds `openid profile offline_access`
# to every sign-in (msal-browser OIDC_DEFAULT_SCOPES); `email` and `profile` make Entra put the
# optional claims below in the ID token (azure-docs includes/api-management-developer-portal-entra-app.md:
# "Turn on the Microsoft Graph email, profile permission").
PORTAL_GRAPH_SCOPES = ("openid", "profile", "email", "offline_access")
# The portal creates the APIM user from these ID-token claims (api-management-developer-portal
# src/services/aadServiceV2.ts, exchangeIdToken).
PORTAL_ID_TOKEN_CLAIMS = ("email", "given_name", "family_name")


def client_secret(secret: SecretSettings | None) -> ClientSecret | None:
    """The configured secret slots as the client app takes them."""
    if secret is None:
        return None
    return ClientSecret(secret.validity_days, tuple(SecretSlot(s.name, s.rotated) for s in secret.slots))


def sign_in(configured: ClientSignIn | None) -> SignIn | None:
    """A client's configured sign-in as the client app takes it."""
    if configured is None:
        return None
    return SignIn(configured.platform, configured.redirect_uris, configured.implicit_id_tokens)


@dataclass(frozen=True)
class UserAccessArgs:
    settings: Settings
    """The validated stack configuration."""
    backend: BackendApi
    """The backend app the users' tokens are for."""
    owners: Owners
    resource_group_name: pulumi.Input[str]
    service_name: pulumi.Input[str]


class UserAccess(pulumi.ComponentResource):
    """User assignments on the backend, a test console per API that has one, the portal's sign-in app,
    and (`publish`, once the APIs name the consoles' servers) the portal's identity provider and revision.
    """

    consoles: dict[str, TestConsole]
    """API name -> its test console."""
    sign_in_app: ClientApp | None
    portal_sign_in: PortalSignInArgs | None
    """What the portal's `aad` identity provider is given; None without portal sign-in."""
    baked_in: dict[str, pulumi.Input[Any]]
    """What the published portal keeps from the consoles (by key), for the portal revision's name."""
    summary: dict[str, Any]
    """The `developerPortal` stack output."""

    def __init__(self, name: str, args: UserAccessArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("apim-oauth:index:UserAccess", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        s = args.settings
        b = args.backend
        portal = s.developer_portal
        base = portal_base_url(portal.host)

        if s.backend.assignments:
            UserAssignments(
                f"{name}-assignments",
                UserAssignmentsArgs(
                    resource_object_id=b.service_principal_object_id,
                    assignments=tuple(
                        UserAssignment(
                            key=grant_key(a.role or "default-access", principal),
                            app_role_id=b.role_ids[a.role] if a.role else DEFAULT_ACCESS_ROLE_ID,
                            principal_object_id=principal.lower(),
                        )
                        for a in s.backend.assignments
                        for principal in a.principals
                    ),
                ),
                child,
            )

        self.consoles = {}
        self.baked_in = {}
        for c in portal.test_consoles:
            redirect_uri = console_redirect_uri(base, c.grant, c.server_name)
            console = TestConsole(
                f"{name}-{c.api}-console",
                TestConsoleArgs(
                    server_name=c.server_name,
                    display_name=c.display_name,
                    app_display_name=c.app_display_name,
                    grant=c.grant,
                    redirect_uri=redirect_uri,
                    scopes=c.scopes,
                    backend=ConsoleBackend(
                        b.client_id,
                        b.service_principal_object_id,
                        b.app_id_uri,
                        b.scope_ids,
                        s.backend.token_version,
                    ),
                    secret=client_secret(c.secret),
                    authorization_endpoint=s.cloud.authorize_endpoint(s.tenant_id),
                    token_endpoint=s.cloud.token_endpoint(s.tenant_id),
                    owners=args.owners,
                    resource_group_name=args.resource_group_name,
                    service_name=args.service_name,
                ),
                child,
            )
            self.consoles[c.api] = console
            # What the portal reads of the server and the API that names it (the secret stays in APIM).
            self.baked_in[f"console:{c.api}"] = {
                "server": c.server_name,
                "grant": c.grant,
                "clientId": console.client_id,
                "scopes": list(c.scopes),
                "appIdUri": b.app_id_uri,
                "authorize": s.cloud.authorize_endpoint(s.tenant_id),
                "token": s.cloud.token_endpoint(s.tenant_id),
            }

        self.sign_in_app = None
        self.portal_sign_in = None
        if (si := portal.sign_in) is not None:
            # Microsoft Graph's service principal in the tenant: its object ID (the resource of the
            # consent) and its scope IDs, as the provider documents (azuread_application_api_access).
            graph = azuread.get_service_principal(
                client_id=MICROSOFT_GRAPH_APP_ID, opts=pulumi.InvokeOptions(parent=self)
            )
            self.sign_in_app = ClientApp(
                f"{name}-portal-sign-in",
                ClientAppArgs(
                    display_name=si.display_name,
                    secret=client_secret(si.secret),
                    role_grants=(),
                    delegated=(
                        DelegatedGrant(
                            "graph",
                            MICROSOFT_GRAPH_APP_ID,
                            graph.object_id,
                            PORTAL_GRAPH_SCOPES,
                            graph.oauth2_permission_scope_ids,
                        ),
                    ),
                    owners=args.owners,
                    # MSAL 2 in the portal: a popup from the sign-in page, code + PKCE, SPA redirect
                    # (includes/api-management-developer-portal-entra-app.md).
                    sign_in=SignIn("spa", (sign_in_redirect_uri(base),)),
                    id_token_claims=PORTAL_ID_TOKEN_CLAIMS,
                    multitenant=si.multitenant,
                ),
                child,
            )
            assert self.sign_in_app.client_secret is not None  # the config requires its secret
            self.portal_sign_in = PortalSignInArgs(
                client_id=self.sign_in_app.client_id,
                client_secret=self.sign_in_app.client_secret,
                authority=s.cloud.login_host,
                signin_tenant=si.signin_tenant,
                allowed_tenants=si.allowed_tenants,
            )

        self._prefix = name
        self._resource_group_name = args.resource_group_name
        self._service_name = args.service_name
        self.summary = {
            "url": base,
            "testConsoles": {
                c.api: {
                    "authorizationServer": c.server_name,
                    "clientId": self.consoles[c.api].client_id,
                    "redirectUri": console_redirect_uri(base, c.grant, c.server_name),
                }
                for c in portal.test_consoles
            },
            "signIn": (
                {"clientId": self.sign_in_app.client_id, "redirectUri": sign_in_redirect_uri(base)}
                if self.sign_in_app is not None
                else None
            ),
        }

    def server_ids(self, api: str) -> tuple[pulumi.Output[str], ...]:
        """The authorization servers the API names for the test console (none without one)."""
        console = self.consoles.get(api)
        return (console.server_id,) if console is not None else ()

    def publish(self, after: Sequence[pulumi.Resource]) -> dict[str, Any] | None:
        """Configure the portal's sign-in and publish it once `after` (the APIs) exist; call once, last.

        Returns the `developerPortal` stack output: None when the stack uses no portal feature."""
        used = self.portal_sign_in is not None or bool(self.baked_in)
        if used:
            DeveloperPortal(
                f"{self._prefix}-portal",
                DeveloperPortalArgs(
                    resource_group_name=self._resource_group_name,
                    service_name=self._service_name,
                    sign_in=self.portal_sign_in,
                    baked_in=self.baked_in,
                    published_after=[*after, *(c.server for c in self.consoles.values())],
                ),
                pulumi.ResourceOptions(parent=self),
            )
        summary = self.summary if used else None
        self.register_outputs({"developerPortal": summary})
        return summary
