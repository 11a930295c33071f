"""The developer portal's test console for one API: its Entra app and its APIM authorization server.

azure-docs `api-management-howto-oauth2.md` (2024-04-01) as one component: "Register another
application ... to represent a client application (the test console)", its delegated permission on
the backend's scopes (and admin consent, so no developer meets a consent prompt), and the
authorization server the portal reads. The redirect URI is given by the parent, built from the
configuration (service name, cloud, custom portal host): the app never waits for the APIM service.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi

from apim_oauth.azure.clouds import TokenVersion
from apim_oauth.azure.developer_portal import ConsoleGrant
from apim_oauth.components.apim.authorization_server import AuthorizationServer, AuthorizationServerArgs
from apim_oauth.components.entra.backend_api import Owners
from apim_oauth.components.entra.client_app import (
    ClientApp,
    ClientAppArgs,
    ClientSecret,
    DelegatedGrant,
    SignIn,
)


@dataclass(frozen=True)
class ConsoleBackend:
    """The API the console's tokens are for (the backend app)."""

    client_id: pulumi.Input[str]
    service_principal_object_id: pulumi.Input[str]
    app_id_uri: pulumi.Input[str]
    """The backend's App ID URI: the console asks for `{app_id_uri}/{scope}` (v2 endpoints)."""
    scope_ids: Mapping[str, str]
    """Scope value -> GUID on the backend app."""
    token_version: TokenVersion


@dataclass(frozen=True)
class TestConsoleArgs:
    """What one API's test console is made of; every value already checked by the configuration."""

    server_name: str
    """The authorization server's name (lower-case with PKCE: the portal sends it lower-cased)."""
    display_name: str
    """What the portal shows for the server (at most 50 characters)."""
    app_display_name: str
    """Display name of the console's Entra app."""
    grant: ConsoleGrant
    redirect_uri: str
    """Exactly the redirect URI the portal sends for this grant and server."""
    scopes: tuple[str, ...]
    """Backend scope values the console asks for and gets (admin consent)."""
    backend: ConsoleBackend
    secret: ClientSecret | None
    """The console app's secrets for the code grant (APIM keeps the active one); None for PKCE."""
    authorization_endpoint: str
    token_endpoint: str
    owners: Owners
    resource_group_name: pulumi.Input[str]
    service_name: pulumi.Input[str]


class TestConsole(pulumi.ComponentResource):
    """The console's Entra app (one redirect URI, delegated permission, consent) and its APIM server."""

    server_id: pulumi.Output[str]
    """The server's name in APIM: what the API's authentication settings name."""
    client_id: pulumi.Output[str]
    app: ClientApp
    server: AuthorizationServer

    def __init__(self, name: str, args: TestConsoleArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("apim-oauth:index:TestConsole", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        b = args.backend
        # Code grant: the portal's backend redeems the code server-side with the secret (Web platform);
        # PKCE: the browser redeems it cross-origin with no secret, which Entra allows only for a SPA
        # redirect URI (entra-docs v2-oauth2-auth-code-flow.md; AADSTS9002326 with a Web one).
        platform = "web" if args.grant == "authorizationCode" else "spa"
        self.app = ClientApp(
            f"{name}-app",
            ClientAppArgs(
                display_name=args.app_display_name,
                secret=args.secret,
                role_grants=(),
                delegated=(
                    DelegatedGrant("", b.client_id, b.service_principal_object_id, args.scopes, b.scope_ids),
                ),
                owners=args.owners,
                sign_in=SignIn(platform, (args.redirect_uri,)),
                token_version=b.token_version,
            ),
            child,
        )
        scopes = args.scopes
        self.server = AuthorizationServer(
            f"{name}-server",
            AuthorizationServerArgs(
                server_name=args.server_name,
                display_name=args.display_name,
                grant=args.grant,
                authorization_endpoint=args.authorization_endpoint,
                token_endpoint=args.token_endpoint,
                default_scopes=pulumi.Output.from_input(b.app_id_uri).apply(
                    lambda uri: [f"{uri}/{scope}" for scope in scopes]
                ),
                client_id=self.app.client_id,
                client_secret=self.app.client_secret,
                resource_group_name=args.resource_group_name,
                service_name=args.service_name,
            ),
            child,
        )
        self.server_id = self.server.server_id
        self.client_id = self.app.client_id
        self.register_outputs(
            {"serverId": self.server_id, "clientId": self.client_id, "redirectUri": args.redirect_uri}
        )
