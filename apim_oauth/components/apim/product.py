"""A product: the APIs it links to and how its callers authenticate (reference 1).

`entra-app`: a plain product (API 2024-05-01) whose product-scope policy demands the token (or,
where configured, a subscription key instead, never neither: the parent renders that policy).
`apim-managed`: APIM's application-based access, whose `authenticationType` and `application`
fields exist only in preview API versions, so the product is declared as a generic ARM resource.

A product holds links to APIs, never the APIs: deleting a product deletes its links only, and every
API stays for the other products that use it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import pulumi
from pulumi_azure_native import apimanagement, resources

from apim_oauth.components.apim.api import POLICY_FORMAT, POLICY_ID
from apim_oauth.config.settings import ProductSettings

# The first ARM version with a product's `authenticationType` and `application` (reference 2); the
# SDK's `apimanagement.Product` (2024-05-01) has neither.
APPLICATION_ACCESS_API_VERSION = "2024-10-01-preview"
APPLICATION_TOKEN = "application-token"
SUBSCRIPTION_KEY = "subscription-key"


@dataclass(frozen=True)
class ProductArgs:
    """What the product is made of."""

    settings: ProductSettings
    """The product's configuration (name, display name, state, mode, APIs, subscription key)."""
    resource_group_name: pulumi.Input[str]
    service_name: pulumi.Input[str]
    """The API Management service the product belongs to."""
    api_ids: Mapping[str, pulumi.Input[str]]
    """API name -> ARM resource ID of the API, for every API in `settings.apis`."""
    policy_xml: pulumi.Input[str] | None = None
    """Product-scope policy document; required in `entra-app` mode, where it is what demands a credential."""
    access_dependencies: Sequence[pulumi.Resource] = ()
    """`apim-managed`: what APIM needs before it can register the product's Entra app (the
    identity's Application Administrator role assignment)."""


def authentication_types(settings: ProductSettings) -> list[str]:
    """The product's ARM `authenticationType` in `apim-managed` mode (reference 2)."""
    return [APPLICATION_TOKEN, SUBSCRIPTION_KEY] if settings.subscription_key else [APPLICATION_TOKEN]


class Product(pulumi.ComponentResource):
    """A product, its policy and its API links."""

    product_id: pulumi.Output[str]
    """The product's identifier inside the service."""
    resource_id: pulumi.Output[str]
    """ARM resource ID of the product (what a client application's product link names)."""
    audience: pulumi.Output[str | None] | None
    """`apim-managed`: the `aud` of tokens for the product, as APIM reports it; None in `entra-app` mode.
    Resolves to None while ARM does not report the product's app (see `_entra_application`)."""
    application_id: pulumi.Output[str | None] | None
    """`apim-managed`: client ID of the Entra app APIM made for the product; None in `entra-app` mode.
    Resolves to None while ARM does not report the product's app (see `_entra_application`)."""

    def __init__(self, name: str, args: ProductArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        s = args.settings
        missing = [api for api in s.apis if api not in args.api_ids]
        if missing:
            raise ValueError(f"product {s.name!r}: no API ID given for {', '.join(missing)}")
        if s.mode == "entra-app" and args.policy_xml is None:
            # The product needs no subscription key (below): without its policy it would be open to anyone.
            raise ValueError(f"product {s.name!r}: an entra-app product needs its policy document")
        super().__init__("apim-oauth:apim:Product", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        state = (
            apimanagement.ProductState.PUBLISHED if s.published else apimanagement.ProductState.NOT_PUBLISHED
        )

        self.audience = None
        self.application_id = None
        if s.mode == "entra-app":
            product = apimanagement.Product(
                f"{name}-product",
                product_id=s.name,
                resource_group_name=args.resource_group_name,
                service_name=args.service_name,
                display_name=s.display_name,
                description=s.description or None,
                state=state,
                # The policy demands the token, or accepts a subscription key in its place when the
                # product allows keys; requiring a subscription here would reject every token-only
                # caller, since such callers have no subscription.
                subscription_required=not s.open,
                opts=child,
            )
            self.product_id = product.name
            self.resource_id = product.id
        else:
            properties: dict[str, Any] = {
                "displayName": s.display_name,
                "state": state.value,
                # ARM assumes true when omitted. Our reading: a subscription is needed only when keys
                # are one of the accepted credentials; the token alone needs none.
                "subscriptionRequired": not s.open,
                "authenticationType": authentication_types(s),
            }
            if s.description:
                properties["description"] = s.description
            generic = resources.Resource(
                f"{name}-product",
                resource_provider_namespace="Microsoft.ApiManagement",
                parent_resource_path=pulumi.Output.concat("service/", args.service_name),
                resource_type="products",
                # The SDK spells the ARM name `resource_name_` (`resource_name` is the Pulumi name);
                # passing a `ResourceArgs` instead fails on the same clash in this SDK version.
                resource_name_=s.name,
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
            entra = generic.properties.apply(lambda p: _entra_application(s.name, p))
            self.application_id = entra.apply(lambda e: e["applicationId"])
            self.audience = entra.apply(lambda e: e["audience"])

        policy: apimanagement.ProductPolicy | None = None
        if args.policy_xml is not None:
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

        # An open (token-only) product has no subscription to stop callers: until its policy exists,
        # a linked API would answer any caller. Each link therefore waits for the policy.
        link_opts = pulumi.ResourceOptions(parent=self, depends_on=[policy] if policy is not None else [])

        for api in s.apis:
            apimanagement.ProductApiLink(
                f"{name}-{api}-link",
                api_link_id=api,
                product_id=self.product_id,
                api_id=args.api_ids[api],
                resource_group_name=args.resource_group_name,
                service_name=args.service_name,
                opts=link_opts,
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
