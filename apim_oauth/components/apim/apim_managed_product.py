"""A product in `apim-managed` mode: APIM's application-based access (docs/sources.md#apim-application-based-access).

APIM checks the tokens itself, against the Entra app named in the product's `application.entra`:
the app the program registers for the product (`ProductApp`), so the product's audience and
application ID are known before the product exists. The product's `authenticationType` and
`application` exist only in preview API versions and the SDK's typed `Product` lacks them, so the
product is sent in an ARM template deployment, which sends no `location` (a product has none); see
`apim_oauth.azure.product_template` and docs/azure-contract.md, section 1.

A product holds links to APIs, never the APIs: its links are typed resources, deleted with the
product's configuration. The product itself outlives its configuration: deleting a template
deployment deletes its history record only, so the product (and any subscription to it) stays in
APIM, linked to nothing, until an administrator deletes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_azure_native import resources

from apim_oauth.azure.product_template import deployment_name, product_properties, product_template
from apim_oauth.components.apim.entra_app_product import with_product_alias
from apim_oauth.components.apim.product_links import link_apis


@dataclass(frozen=True)
class ApimManagedProductArgs:
    """What the product is made of."""

    product_id: str
    """The product's identifier inside the service."""
    display_name: str
    description: str
    """Shown in the developer portal; empty for none."""
    published: bool
    """Published products are visible to developers in the portal."""
    subscription_key: bool
    """Accept a subscription key as well as the token (then a caller needs a subscription or a token)."""
    application_id: pulumi.Input[str]
    """Client ID of the product's Entra app (`ProductApp.client_id`)."""
    audience: pulumi.Input[str]
    """The `aud` of the tokens Entra issues for that app: its client ID for v2 tokens, its App ID URI
    for v1 (docs/sources.md#entra-access-tokens)."""
    api_ids: Mapping[str, pulumi.Input[str]]
    """API name -> ARM resource ID of the API, for each API the product links to (in link order)."""
    resource_group_name: pulumi.Input[str]
    service_name: pulumi.Input[str]
    """The API Management service the product belongs to."""
    service_id: pulumi.Input[str]
    """ARM resource ID of that service."""
    depends_on: Sequence[pulumi.Resource] = ()
    """What APIM may need before it configures the product's app (the role pause, `Service.role_ready`)."""


class ApimManagedProduct(pulumi.ComponentResource):
    """A product with application-based access and its API links."""

    product_id: pulumi.Output[str]
    """The product's identifier inside the service, once the product exists."""
    resource_id: pulumi.Output[str]
    """ARM resource ID of the product (what a client application's product link names)."""
    audience: pulumi.Output[str]
    """The `aud` of tokens for the product, as sent in `application.entra.audience`."""
    application_id: pulumi.Output[str]
    """Client ID of the product's Entra app, as sent in `application.entra.applicationId`."""
    deployment: resources.Deployment

    def __init__(
        self, name: str, args: ApimManagedProductArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("apim-oauth:apim:ApimManagedProduct", name, None, with_product_alias(opts))
        product_id = args.product_id

        def template(values: list[Any]) -> dict[str, Any]:
            service_name, application_id, audience = values
            properties = product_properties(
                display_name=args.display_name,
                description=args.description,
                published=args.published,
                subscription_key=args.subscription_key,
                application_id=application_id,
                audience=audience,
            )
            return product_template(service_name, product_id, properties)

        service_name = pulumi.Output.from_input(args.service_name)
        self.deployment = resources.Deployment(
            f"{name}-product",
            deployment_name=service_name.apply(lambda s: deployment_name(s, product_id)),
            resource_group_name=args.resource_group_name,
            properties=resources.DeploymentPropertiesArgs(
                # Incremental: the template's one resource is created or updated; nothing else in the
                # resource group is touched (Complete mode would delete everything not in it).
                mode=resources.DeploymentMode.INCREMENTAL,
                template=pulumi.Output.all(service_name, args.application_id, args.audience).apply(template),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on)),
        )
        # Both wait for the deployment, so what names the product is created after it.
        self.product_id = self.deployment.id.apply(lambda _: product_id)
        self.resource_id = pulumi.Output.all(args.service_id, self.deployment.id).apply(
            lambda v: f"{v[0]}/products/{product_id}"
        )
        self.application_id = pulumi.Output.from_input(args.application_id)
        self.audience = pulumi.Output.from_input(args.audience)

        # No product policy: APIM checks the token itself, so the links need not wait for one.
        link_apis(
            self,
            name,
            product_id=self.product_id,
            api_ids=args.api_ids,
            resource_group_name=args.resource_group_name,
            service_name=args.service_name,
        )

        self.register_outputs(
            {
                "productId": self.product_id,
                "resourceId": self.resource_id,
                "audience": self.audience,
                "applicationId": self.application_id,
            }
        )
