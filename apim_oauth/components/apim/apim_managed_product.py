"""A product in `apim-managed` mode: APIM's application-based access (reference 1).

APIM registers the product's Entra app with its managed identity and checks the tokens itself. The
product's `authenticationType` and `application` fields exist only in preview API versions, so the
product is declared as a generic ARM resource. A product holds links to APIs, never the APIs:
deleting a product deletes its links only, and every API stays for the other products that use it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import pulumi
from pulumi_azure_native import apimanagement, resources

from apim_oauth.components.apim.entra_app_product import PRODUCT_TYPE_BEFORE_SPLIT

# The first ARM version with a product's `authenticationType` and `application` (reference 2); the
# SDK's `apimanagement.Product` (2024-05-01) has neither.
APPLICATION_ACCESS_API_VERSION = "2024-10-01-preview"
APPLICATION_TOKEN = "application-token"
SUBSCRIPTION_KEY = "subscription-key"


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
    api_ids: Mapping[str, pulumi.Input[str]]
    """API name -> ARM resource ID of the API, for each API the product links to (in link order)."""
    resource_group_name: pulumi.Input[str]
    service_name: pulumi.Input[str]
    """The API Management service the product belongs to."""
    access_dependencies: Sequence[pulumi.Resource] = ()
    """What APIM needs before it can register the product's Entra app (the identity's Application
    Administrator role assignment)."""


def authentication_types(subscription_key: bool) -> list[str]:
    """The product's ARM `authenticationType` (reference 2)."""
    return [APPLICATION_TOKEN, SUBSCRIPTION_KEY] if subscription_key else [APPLICATION_TOKEN]


class ApimManagedProduct(pulumi.ComponentResource):
    """A product with application-based access and its API links."""

    product_id: pulumi.Output[str]
    """The product's identifier inside the service."""
    resource_id: pulumi.Output[str]
    """ARM resource ID of the product (what a client application's product link names)."""
    audience: pulumi.Output[str | None]
    """The `aud` of tokens for the product, as APIM reports it. Resolves to None while ARM does not
    report the product's app (see `_entra_application`)."""
    application_id: pulumi.Output[str | None]
    """Client ID of the Entra app APIM made for the product. Resolves to None while ARM does not
    report the product's app (see `_entra_application`)."""

    def __init__(
        self, name: str, args: ApimManagedProductArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        # Until the split per mode both kinds were `apim-oauth:apim:Product`: the alias moves a deployed
        # product to the new type without replacing it, and its children follow their parent's alias
        # (pulumi.com/docs/iac/operations/stack-management/refactoring-with-aliases, "Changing a
        # resource's type").
        aliases = pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=PRODUCT_TYPE_BEFORE_SPLIT)])
        super().__init__(
            "apim-oauth:apim:ApimManagedProduct", name, None, pulumi.ResourceOptions.merge(opts, aliases)
        )
        child = pulumi.ResourceOptions(parent=self)
        state = (
            apimanagement.ProductState.PUBLISHED
            if args.published
            else apimanagement.ProductState.NOT_PUBLISHED
        )
        properties: dict[str, Any] = {
            "displayName": args.display_name,
            "state": state.value,
            # ARM assumes true when omitted. Our reading: a subscription is needed only when keys
            # are one of the accepted credentials; the token alone needs none.
            "subscriptionRequired": args.subscription_key,
            "authenticationType": authentication_types(args.subscription_key),
        }
        if args.description:
            properties["description"] = args.description
        generic = resources.Resource(
            f"{name}-product",
            resource_provider_namespace="Microsoft.ApiManagement",
            parent_resource_path=pulumi.Output.concat("service/", args.service_name),
            resource_type="products",
            # The SDK spells the ARM name `resource_name_` (`resource_name` is the Pulumi name);
            # passing a `ResourceArgs` instead fails on the same clash in this SDK version.
            resource_name_=args.product_id,
            resource_group_name=args.resource_group_name,
            api_version=APPLICATION_ACCESS_API_VERSION,
            properties=properties,
            # APIM registers the product's Entra app with its managed identity as the product is
            # created: the Application Administrator role must be in place first (reference 1.B).
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.access_dependencies)),
        )
        self.product_id = generic.name
        self.resource_id = generic.id
        # Whether ARM accepts an `application.entra.applicationId` we supply, or only reports the
        # one APIM made, is unsure (reference 2): we send none and only read it back.
        product_id = args.product_id
        entra = generic.properties.apply(lambda p: _entra_application(product_id, p))
        self.application_id = entra.apply(lambda e: e["applicationId"])
        self.audience = entra.apply(lambda e: e["audience"])

        # No product policy: APIM checks the token itself, so the links need not wait for one.
        for api, api_id in args.api_ids.items():
            apimanagement.ProductApiLink(
                f"{name}-{api}-link",
                api_link_id=api,
                product_id=self.product_id,
                api_id=api_id,
                resource_group_name=args.resource_group_name,
                service_name=args.service_name,
                opts=child,
            )

        self.register_outputs(
            {
                "productId": self.product_id,
                "resourceId": self.resource_id,
                "audience": self.audience,
                "applicationId": self.application_id,
            }
        )


def _entra_application(product: str, properties: Any) -> dict[str, str | None]:
    """`properties.application.entra` of an application-token product, as ARM reports it.

    Whether ARM always reports it is unsure (reference 2), and APIM may register the app after the
    product exists: failing here would fail `up` with the product already made. Without it, warn
    and give None for both, so the deployment goes on and a later `up` (or refresh) fills them.
    """
    entra: dict[str, Any] = {}
    if isinstance(properties, dict):
        application = cast(dict[str, Any], properties).get("application")
        if isinstance(application, dict):
            found = cast(dict[str, Any], application).get("entra")
            if isinstance(found, dict):
                entra = cast(dict[str, Any], found)
    if not entra.get("applicationId"):
        pulumi.log.warn(
            f"product {product!r} reports no application.entra.applicationId yet (APIM may register "
            "its Entra app later, or application-token access is off): its audience and application "
            "ID are unknown until a later `pulumi up` or `pulumi refresh`"
        )
        return {"applicationId": None, "audience": None}
    application_id = str(entra["applicationId"])
    # The product app's application ID is the product's audience (reference 1.B.2) when ARM names none.
    return {"applicationId": application_id, "audience": str(entra.get("audience") or application_id)}
