"""A client application registered in APIM, for products with application-based access (docs/sources.md#apim-application-based-access).

APIM itself creates the client's Entra app (`APIMApplication<name>`) with its managed identity and
grants it `Product.<Name>.All` on each linked product's app; this program never touches Entra for it.

Its secret is not read here. `listSecrets` (2024-10-01-preview) is a POST that the specification
does not call read-only, and the product documentation's only secret flow *generates* one ("Add
secret" > "Generate": "You won't be able to retrieve it again", azure-docs
articles/api-management/applications.md). Called on every `up`, it could issue a new secret on
every deploy. The client's owner gets and rotates the secret instead (docs/rotate-a-client-secret.md);
`client_secret` is always None, the same in every preview and every `up`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import apimanagement


@dataclass(frozen=True)
class ClientApplicationArgs:
    """What the client application is made of."""

    client_application_id: str
    """The client application's identifier inside the service."""
    display_name: str
    """Also the name of the Entra app APIM registers for it."""
    resource_group_name: pulumi.Input[str]
    service_name: pulumi.Input[str]
    """The API Management service the client is registered in."""
    owner_id: pulumi.Input[str]
    """ARM resource ID of the APIM user that owns the client (`Service.user_ids`)."""
    product_resource_ids: Mapping[str, pulumi.Input[str]]
    """Product name -> ARM resource ID of the product, for each `apim-managed` product the client may
    call (in link order)."""
    depends_on: Sequence[pulumi.Resource] = ()
    """What APIM needs before it can register the client's Entra app (the identity's role assignment)."""


class ClientApplication(pulumi.ComponentResource):
    """An APIM client application and its product links."""

    client_id: pulumi.Output[str | None]
    """Client ID of the Entra app APIM made for the client; None (with a warning) if APIM reports none."""
    client_secret: pulumi.Output[str | None]
    """Always None (a secret output, as every client's): the owner gets the secret from APIM (see above)."""
    application: apimanagement.ClientApplication

    def __init__(
        self, name: str, args: ClientApplicationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        s = args
        super().__init__("apim-oauth:apim:ClientApplication", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        self.application = apimanagement.ClientApplication(
            f"{name}-application",
            client_application_id=s.client_application_id,
            resource_group_name=args.resource_group_name,
            service_name=args.service_name,
            display_name=s.display_name,
            owner_id=args.owner_id,
            # APIM registers the client's Entra app with its managed identity (docs/sources.md#apim-application-based-access).
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on)),
        )
        client = s.client_application_id
        self.client_id = self.application.entra_application_id.apply(lambda v: _reported(client, v))

        for product, product_resource_id in s.product_resource_ids.items():
            apimanagement.ClientApplicationProductLink(
                f"{name}-{product}-link",
                client_application_product_link_id=product,
                client_application_id=self.application.name,
                # The full ARM ID of the product, not its name (API 2024-10-01-preview).
                product_id=product_resource_id,
                resource_group_name=args.resource_group_name,
                service_name=args.service_name,
                opts=child,
            )

        no_secret: str | None = None
        self.client_secret = pulumi.Output.secret(no_secret)

        self.register_outputs({"clientId": self.client_id, "clientSecret": self.client_secret})


def _reported(client: str, entra_application_id: str | None) -> str | None:
    # `entraApplicationId` is read-only, "set by the system when the application is created"
    # (2024-10-01-preview). Without it the client cannot ask for a token, but failing here would fail
    # the whole `up` with the client application already made.
    if not entra_application_id:
        pulumi.log.warn(
            f"client application {client!r}: APIM reports no entraApplicationId (no Entra app "
            "registered yet?); its clientId output is empty until a later `pulumi up` or refresh"
        )
        return None
    return entra_application_id
