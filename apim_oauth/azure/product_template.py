"""The ARM template that creates or updates an `apim-managed` product (application-based access).

Why a template deployment and not the generic `resources.Resource`: see docs/azure-contract.md,
section 1. In short, the provider adds `location` to a generic resource's body unless the path is on
its `AutoLocationDisabled` list (pulumi-azure-native provider/pkg/provider/provider.go
`applyDefaults`; provider/pkg/resources/resources.go), and a product has no `location`; a
resource-group deployment is on that list and sends the template resource exactly as written.

The body follows `Microsoft.ApiManagement/service/products@2024-10-01-preview` (azure-rest-api-specs
definitions.json `ProductEntityBaseParameters`; bicep-types-az types.md): `authenticationType`, and
the `application` configuration that "is required for application-token authentication type".
"""

from __future__ import annotations

import hashlib
from typing import Any

APPLICATION_ACCESS_API_VERSION = "2024-10-01-preview"
"""The first ARM version with a product's `authenticationType` and `application`; the SDK's typed
`apimanagement.Product` (2024-05-01) has neither."""
PRODUCT_TYPE = "Microsoft.ApiManagement/service/products"
TEMPLATE_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
APPLICATION_TOKEN = "application-token"
SUBSCRIPTION_KEY = "subscription-key"


def arm_literal(text: str) -> str:
    """`text` as a template string ARM takes literally, never as a template expression.

    ARM evaluates a string that starts with `[` and ends with `]` as an expression; a leading `[[`
    escapes it ("Template syntax", Escape characters, azure-docs
    articles/azure-resource-manager/templates/template-expressions.md).
    """
    return "[" + text if text.startswith("[") and text.endswith("]") else text


def authentication_types(subscription_key: bool) -> list[str]:
    """`authenticationType`: the token, and a subscription key too when the product accepts one."""
    return [APPLICATION_TOKEN, SUBSCRIPTION_KEY] if subscription_key else [APPLICATION_TOKEN]


def product_properties(
    *,
    display_name: str,
    description: str,
    published: bool,
    subscription_key: bool,
    application_id: str,
    audience: str,
) -> dict[str, Any]:
    """The product's `properties`, every value the program owns pinned in it."""
    properties: dict[str, Any] = {
        "displayName": arm_literal(display_name),
        "state": "published" if published else "notPublished",
        # ARM assumes true when omitted. Our reading: a subscription is needed only when keys are one
        # of the accepted credentials; the token alone needs none.
        "subscriptionRequired": subscription_key,
        "authenticationType": authentication_types(subscription_key),
        # The program registers the product's app (the `APIMProductApplication<product>` shape the
        # product documentation describes) and names it here, so both values are known before the
        # product exists; `applicationId` and `audience` are writable in the spec. Whether APIM then
        # uses this app as it would its own is not documented (docs/azure-contract.md, section 1);
        # the alternative is `"entra": {}`, which APIM fills in.
        "application": {"entra": {"applicationId": application_id, "audience": audience}},
    }
    if description:
        properties["description"] = arm_literal(description)
    return properties


def product_template(service_name: str, product_id: str, properties: dict[str, Any]) -> dict[str, Any]:
    """A template with the product as its one resource: no `location`, which a product does not have."""
    return {
        "$schema": TEMPLATE_SCHEMA,
        "contentVersion": "1.0.0.0",
        "resources": [
            {
                "type": PRODUCT_TYPE,
                "apiVersion": APPLICATION_ACCESS_API_VERSION,
                "name": f"{service_name}/{product_id}",
                "properties": properties,
            }
        ],
    }


def deployment_name(service_name: str, product_id: str) -> str:
    """The deployment's name in the resource group: one per service and product, at most 64 characters."""
    digest = hashlib.sha256(service_name.encode()).hexdigest()[:8]
    return f"apim-oauth-{product_id}-{digest}"
