"""An APIM authorization server: how the developer portal's test console gets a user's token for an API.

The portal steps of azure-docs `api-management-howto-oauth2.md` (2024-04-01), "Configure an OAuth 2.0
authorization server in API Management", as one component. The contract is
`Microsoft.ApiManagement/service/authorizationServers@2024-05-01` (Azure/bicep-types-az `types.md`,
`AuthorizationServerContractProperties`); what the portal does with it is
Azure/api-management-developer-portal `src/services/oauthService.ts`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import apimanagement

from apim_oauth.azure.developer_portal import ConsoleGrant

# `clientRegistrationEndpoint` is required by the contract though Entra has no self-service page for
# it; the how-to says to enter a placeholder such as `http://localhost`. The portal only shows it.
CLIENT_REGISTRATION_PLACEHOLDER = "http://localhost"
# Contract: "GET must be always present. POST is optional."; the how-to says to select POST. The
# portal opens the authorize URL with GET in a popup either way (`oauthService.ts`).
AUTHORIZATION_METHODS = (apimanagement.AuthorizationMethod.GET, apimanagement.AuthorizationMethod.POST)
# The portal's defaults, which the how-to says to accept: client credentials in a Basic header, the
# token in the Authorization header (where the gateway's validate-jwt reads it).
CLIENT_AUTHENTICATION_METHODS = (apimanagement.ClientAuthenticationMethod.BASIC,)
BEARER_TOKEN_SENDING_METHODS = (apimanagement.BearerTokenSendingMethod.AUTHORIZATION_HEADER,)


@dataclass(frozen=True)
class AuthorizationServerArgs:
    """What the authorization server is made of; every value already checked by the configuration."""

    server_name: str
    """The server's resource name; the portal puts it in the code-grant redirect URIs (lower-case)."""
    display_name: str
    """What the portal shows (1-50 characters)."""
    grant: ConsoleGrant
    """`authorizationCode` (the portal's backend redeems the code with the secret) or
    `authorizationCodeWithPkce` (the browser redeems it, no secret)."""
    authorization_endpoint: str
    """The cloud's v2 authorize endpoint for the tenant."""
    token_endpoint: str
    """The cloud's v2 token endpoint for the tenant."""
    default_scopes: pulumi.Input[Sequence[str]]
    """Full scope URIs (`{appIdUri}/{scope}`) the console asks for; sent space-separated."""
    client_id: pulumi.Input[str]
    """Client ID of the console's Entra app."""
    client_secret: pulumi.Input[str] | None
    """The console app's secret (a secret output) for the code grant; None for PKCE."""
    resource_group_name: pulumi.Input[str]
    service_name: pulumi.Input[str]


class AuthorizationServer(pulumi.ComponentResource):
    """The test console's OAuth 2.0 authorization server for one API."""

    server_id: pulumi.Output[str]
    """The server's name as APIM knows it: what an API's `oAuth2AuthenticationSettings` names."""
    server: apimanagement.AuthorizationServer

    def __init__(
        self, name: str, args: AuthorizationServerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("apim-oauth:apim:AuthorizationServer", name, None, opts)
        # The contract keeps `clientSecret` write-only; as an input it must stay a secret in the state.
        secret = pulumi.Output.secret(args.client_secret) if args.client_secret is not None else None
        self.server = apimanagement.AuthorizationServer(
            f"{name}-server",
            authsid=args.server_name,
            resource_group_name=args.resource_group_name,
            service_name=args.service_name,
            display_name=args.display_name,
            description="OAuth 2.0 for the developer portal's test console (Microsoft Entra ID, v2 endpoints).",
            client_registration_endpoint=CLIENT_REGISTRATION_PLACEHOLDER,
            authorization_endpoint=args.authorization_endpoint,
            token_endpoint=args.token_endpoint,
            authorization_methods=list(AUTHORIZATION_METHODS),
            # One grant per server: its redirect URI (and so the console app's platform) depends on it.
            grant_types=[args.grant],
            client_authentication_method=list(CLIENT_AUTHENTICATION_METHODS),
            bearer_token_sending_methods=list(BEARER_TOKEN_SENDING_METHODS),
            # The portal splits it on spaces into the scope list (`src/models/authorizationServer.ts`).
            default_scope=pulumi.Output.from_input(args.default_scopes).apply(" ".join),
            client_id=args.client_id,
            client_secret=secret,
            # Both explicit: the portal lists a server in the console only if `useInTestConsole`
            # (`consoleUtils.tsx` getAuthServers); documentation shows which server protects the API.
            use_in_test_console=True,
            use_in_api_documentation=True,
            opts=pulumi.ResourceOptions(parent=self, additional_secret_outputs=["clientSecret"]),
        )
        self.server_id = self.server.name
        self.register_outputs({"serverId": self.server_id})
