"""A client application registered in APIM, for products with application-based access (reference 1.B.3).

APIM itself creates the client's Entra app (`APIMApplication<name>`) with its managed identity and
grants it `Product.<Name>.All` on each linked product's app; this program never touches Entra for it.
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
    """An APIM client application, its product links and its secret."""

    client_id: pulumi.Output[str]
    """Client ID of the Entra app APIM made for the client."""
    client_secret: pulumi.Output[str | None]
    """The client's secret (secret output); APIM issues it valid for one year (reference 1.B.3).
    None in a preview, which never reads it (see below)."""
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
            # APIM registers the client's Entra app with its managed identity (reference 1.B.3).
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on)),
        )
        self.client_id = self.application.entra_application_id

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

        if pulumi.runtime.is_dry_run():
            # listSecrets is a POST action, which the read-only identity that previews pull requests
            # cannot perform; granting it would also hand every client's secret to pull-request code.
            # A preview therefore never asks for the secret: the output is None (and still secret).
            no_secret: str | None = None
            self.client_secret = pulumi.Output.secret(no_secret)
        else:
            secrets = apimanagement.list_client_application_secrets_output(
                client_application_id=self.application.name,
                resource_group_name=args.resource_group_name,
                service_name=args.service_name,
                opts=pulumi.InvokeOutputOptions(parent=self, depends_on=[self.application]),
            )
            self.client_secret = pulumi.Output.secret(secrets.apply(_client_secret))

        self.register_outputs({"clientId": self.client_id, "clientSecret": self.client_secret})


def _client_secret(result: apimanagement.ListClientApplicationSecretsResult) -> str:
    entra = result.entra
    if entra is None or not entra.client_secret:
        raise ValueError("APIM returned no Entra client secret for the client application")
    return entra.client_secret
