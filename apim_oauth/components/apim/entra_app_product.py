"""A product in `entra-app` mode: a plain product whose product-scope policy demands the token.

This program registers the Entra apps and renders the policy (the parent passes it in); APIM only
runs it. A product holds links to APIs, never the APIs: deleting a product deletes its links only,
and every API stays for the other products that use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import apimanagement

from apim_oauth.components.apim.api import POLICY_FORMAT, POLICY_ID
from apim_oauth.components.apim.product_links import link_apis

PRODUCT_TYPE_BEFORE_SPLIT = "apim-oauth:apim:Product"
"""The type token of both product components until they were split per mode: their alias."""


def with_product_alias(opts: pulumi.ResourceOptions | None) -> pulumi.ResourceOptions:
    """`opts` plus the alias from the product type both modes had until the split.

    The alias moves a deployed product to its new type without replacing it, and its children follow
    their parent's alias (pulumi.com/docs/iac/operations/stack-management/refactoring-with-aliases,
    "Changing a resource's type").
    """
    aliases = pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=PRODUCT_TYPE_BEFORE_SPLIT)])
    return pulumi.ResourceOptions.merge(opts, aliases)


@dataclass(frozen=True)
class EntraAppProductArgs:
    """What the product is made of."""

    product_id: str
    """The product's identifier inside the service."""
    display_name: str
    description: str
    """Shown in the developer portal; empty for none."""
    published: bool
    """Published products are visible to developers in the portal."""
    api_ids: Mapping[str, pulumi.Input[str]]
    """API name -> ARM resource ID of the API, for each API the product links to (in link order)."""
    policy_xml: pulumi.Input[str]
    """Product-scope policy document, rendered by the parent: what demands the token."""
    resource_group_name: pulumi.Input[str]
    service_name: pulumi.Input[str]
    """The API Management service the product belongs to."""


class EntraAppProduct(pulumi.ComponentResource):
    """A product, its token policy and its API links."""

    product_id: pulumi.Output[str]
    """The product's identifier inside the service."""
    resource_id: pulumi.Output[str]
    """ARM resource ID of the product."""

    def __init__(
        self, name: str, args: EntraAppProductArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("apim-oauth:apim:EntraAppProduct", name, None, with_product_alias(opts))
        child = pulumi.ResourceOptions(parent=self)
        product = apimanagement.Product(
            f"{name}-product",
            product_id=args.product_id,
            resource_group_name=args.resource_group_name,
            service_name=args.service_name,
            display_name=args.display_name,
            description=args.description or None,
            state=apimanagement.ProductState.PUBLISHED
            if args.published
            else apimanagement.ProductState.NOT_PUBLISHED,
            # The policy demands the token; requiring a subscription here would reject every caller,
            # since token callers have no subscription. This makes the product "open".
            subscription_required=False,
            opts=child,
        )
        self.product_id = product.name
        self.resource_id = product.id

        policy = apimanagement.ProductPolicy(
            f"{name}-policy",
            product_id=self.product_id,
            resource_group_name=args.resource_group_name,
            service_name=args.service_name,
            policy_id=POLICY_ID,
            format=POLICY_FORMAT,
            value=args.policy_xml,
            opts=child,
        )

        # An open product has no subscription to stop callers: until its policy exists, a linked API
        # would answer any caller. Each link therefore waits for the policy.
        link_apis(
            self,
            name,
            product_id=self.product_id,
            api_ids=args.api_ids,
            resource_group_name=args.resource_group_name,
            service_name=args.service_name,
            depends_on=[policy],
        )

        self.register_outputs({"productId": self.product_id, "resourceId": self.resource_id})
