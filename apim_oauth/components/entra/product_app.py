"""The Entra app that represents one `entra-app` product: its own audience and one application role.

The same shape APIM gives the app it makes for application-based access (docs/sources.md#apim-application-based-access): an
app named `APIMProductApplication<product>` with the role `Product.<Name>.All`, so a product can
move between the two modes without its callers learning a new pattern.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azuread as azuread

from apim_oauth.azure.clouds import TokenVersion
from apim_oauth.azure.ids import permission_id
from apim_oauth.components.entra.backend_api import SIGN_IN_AUDIENCE, Owners, expose_api


@dataclass(frozen=True)
class ProductAppArgs:
    """What the product's app is made of."""

    product_name: str
    """The product's name; the role ID derives from it, so it must not change."""
    display_name: str
    """Display name in Entra; APIM's own convention is `APIMProductApplication<product>`."""
    role_value: str
    """The one application role; APIM's own convention is `Product.<Name>.All`."""
    token_version: TokenVersion
    """Access token version; it decides the `aud` the product's policy must expect (docs/sources.md#entra-access-tokens)."""
    owners: Owners
    """The app's owners (see `Owners`)."""


class ProductApp(pulumi.ComponentResource):
    """A product's app registration, its App ID URI and its service principal."""

    client_id: pulumi.Output[str]
    """The product's audience: the `aud` of v2 tokens issued for it."""
    app_id_uri: pulumi.Output[str]
    """`api://{client_id}`; callers ask for `<app_id_uri>/.default`."""
    service_principal_object_id: pulumi.Output[str]
    """The resource of the role assignments that admit a client to the product."""
    role_id: str
    """Stable GUID of the product's application role."""
    application: azuread.Application
    service_principal: azuread.ServicePrincipal

    def __init__(self, name: str, args: ProductAppArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("apim-oauth:entra:ProductApp", name, None, opts)

        self.role_id = permission_id(f"product/{args.product_name}", "role", args.role_value)
        self.application = azuread.Application(
            f"{name}-app",
            azuread.ApplicationArgs(
                display_name=args.display_name,
                sign_in_audience=SIGN_IN_AUDIENCE,
                owners=args.owners.object_ids,
                api=azuread.ApplicationApiArgs(requested_access_token_version=args.token_version),
                app_roles=[
                    azuread.ApplicationAppRoleArgs(
                        id=self.role_id,
                        value=args.role_value,
                        display_name=f"Call the APIs of product {args.product_name}",
                        description=(
                            f"Lets an application call the APIs of the API Management product "
                            f"{args.product_name!r} with client credentials."
                        ),
                        # Client-credentials callers only, as APIM's own product apps (docs/sources.md#apim-application-based-access).
                        allowed_member_types=["Application"],
                        enabled=True,
                    )
                ],
            ),
            # URI set by the ApplicationIdentifierUri below (see BackendApi); owners: see Owners.
            opts=pulumi.ResourceOptions(
                parent=self, ignore_changes=["identifier_uris", *args.owners.ignore_changes]
            ),
        )
        self.app_id_uri, self.service_principal = expose_api(
            self,
            name,
            self.application,
            identifier_uri=None,
            # Only clients holding the product role get a token at all (docs/sources.md#entra-access-tokens): admission to the
            # product is decided in Entra, not just by the gateway's `roles` check.
            app_role_assignment_required=True,
            owners=args.owners,
        )

        self.client_id = self.application.client_id
        self.service_principal_object_id = self.service_principal.object_id
        self.register_outputs(
            {
                "clientId": self.client_id,
                "appIdUri": self.app_id_uri,
                "servicePrincipalObjectId": self.service_principal_object_id,
                "roleId": self.role_id,
            }
        )
