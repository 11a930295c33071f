"""People, not only daemons: who may sign in to the backend, the developer portal's test consoles, and
the portal's own sign-in app.

Nothing here waits for the APIM service except the APIM resources themselves (the consoles'
authorization servers): every redirect URI comes from the configuration (the portal's host), so the
Entra apps, their consent and their secrets are made while APIM provisions. The portal itself
(`DeveloperPortal`) publishes what the APIs name, so the deployment builds it once they exist, from
what this component exposes (`portal_sign_in`, `baked_in`, `consoles`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_azuread as azuread

from apim_oauth.components.apim.developer_portal import PortalSignInArgs
from apim_oauth.components.entra.backend_api import Owners
from apim_oauth.components.entra.client_app import (
    ClientApp,
    ClientAppArgs,
    ClientSecret,
    DelegatedGrant,
    SignIn,
)
from apim_oauth.components.entra.user_assignments import UserAssignments, UserAssignmentsArgs
from apim_oauth.components.test_console import TestConsole, TestConsoleArgs

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


@dataclass(frozen=True)
class PortalSignInAppArgs:
    """The portal's sign-in app and the `aad` identity provider that names it."""

    display_name: str
    secret: ClientSecret
    """The app's secrets: the identity provider requires one."""
    redirect_uri: str
    """The portal's `/signin` page (SPA platform)."""
    multitenant: bool
    """Let users of other tenants sign in (`AzureADMultipleOrgs`)."""
    authority: str
    """The cloud's login host."""
    signin_tenant: str
    allowed_tenants: tuple[str, ...]
    owners: Owners


@dataclass(frozen=True)
class UserAccessArgs:
    portal_url: str
    """The developer portal's base URL (its host from the configuration)."""
    assignments: UserAssignmentsArgs | None
    """Users and groups assigned roles on the backend; None for none."""
    consoles: Mapping[str, TestConsoleArgs]
    """API name -> its test console."""
    sign_in: PortalSignInAppArgs | None
    """Portal sign-in with Entra ID; None leaves the portal's identity providers alone."""


class UserAccess(pulumi.ComponentResource):
    """User assignments on the backend, a test console per API that has one, and the portal's sign-in app."""

    consoles: dict[str, TestConsole]
    """API name -> its test console."""
    sign_in_app: ClientApp | None
    portal_sign_in: PortalSignInArgs | None
    """What the portal's `aad` identity provider is given; None without portal sign-in."""
    baked_in: dict[str, pulumi.Input[Any]]
    """What the published portal keeps from the consoles (by key), for the portal revision's name."""
    summary: dict[str, Any] | None
    """The `developerPortal` stack output: None when the stack uses no portal feature."""

    def __init__(self, name: str, args: UserAccessArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("apim-oauth:index:UserAccess", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        if args.assignments is not None:
            UserAssignments(f"{name}-assignments", args.assignments, child)
        self.consoles = {
            api: TestConsole(f"{name}-{api}-console", c, child) for api, c in args.consoles.items()
        }
        # What the portal reads of each server and the API that names it (the secret stays in APIM).
        self.baked_in = {
            f"console:{api}": {
                "server": c.server_name,
                "grant": c.grant,
                "clientId": self.consoles[api].client_id,
                "scopes": list(c.scopes),
                "appIdUri": c.backend.app_id_uri,
                "authorize": c.authorization_endpoint,
                "token": c.token_endpoint,
            }
            for api, c in args.consoles.items()
        }
        self.sign_in_app = None
        self.portal_sign_in = None
        if args.sign_in is not None:
            self.sign_in_app = self._sign_in_app(name, args.sign_in)
            assert self.sign_in_app.client_secret is not None  # its args always carry a secret
            self.portal_sign_in = PortalSignInArgs(
                client_id=self.sign_in_app.client_id,
                client_secret=self.sign_in_app.client_secret,
                authority=args.sign_in.authority,
                signin_tenant=args.sign_in.signin_tenant,
                allowed_tenants=args.sign_in.allowed_tenants,
            )
        self.summary = self._summary(args) if self.portal_sign_in is not None or self.baked_in else None
        self.register_outputs({"developerPortal": self.summary})

    def _sign_in_app(self, name: str, si: PortalSignInAppArgs) -> ClientApp:
        # Microsoft Graph's service principal in the tenant: its object ID (the resource of the
        # consent) and its scope IDs, as the provider documents (azuread_application_api_access).
        graph = azuread.get_service_principal(
            client_id=MICROSOFT_GRAPH_APP_ID, opts=pulumi.InvokeOptions(parent=self)
        )
        return ClientApp(
            f"{name}-portal-sign-in",
            ClientAppArgs(
                display_name=si.display_name,
                secret=si.secret,
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
                owners=si.owners,
                # MSAL 2 in the portal: a popup from the sign-in page, code + PKCE, SPA redirect
                # (includes/api-management-developer-portal-entra-app.md).
                sign_in=SignIn("spa", (si.redirect_uri,)),
                id_token_claims=PORTAL_ID_TOKEN_CLAIMS,
                multitenant=si.multitenant,
            ),
            pulumi.ResourceOptions(parent=self),
        )

    def _summary(self, args: UserAccessArgs) -> dict[str, Any]:
        return {
            "url": args.portal_url,
            "testConsoles": {
                api: {
                    "authorizationServer": c.server_name,
                    "clientId": self.consoles[api].client_id,
                    "redirectUri": c.redirect_uri,
                }
                for api, c in args.consoles.items()
            },
            "signIn": (
                {"clientId": self.sign_in_app.client_id, "redirectUri": args.sign_in.redirect_uri}
                if self.sign_in_app is not None and args.sign_in is not None
                else None
            ),
        }

    def server_ids(self, api: str) -> tuple[pulumi.Output[str], ...]:
        """The authorization servers the API names for the test console (none without one)."""
        console = self.consoles.get(api)
        return (console.server_id,) if console is not None else ()
