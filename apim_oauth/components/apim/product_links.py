"""A product's links to its APIs, the same in both product modes.

A product holds links to APIs, never the APIs: deleting a product deletes its links only, and every
API stays for the other products that use it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
from pulumi_azure_native import apimanagement


def link_apis(
    product: pulumi.ComponentResource,
    name: str,
    *,
    product_id: pulumi.Input[str],
    api_ids: Mapping[str, pulumi.Input[str]],
    resource_group_name: pulumi.Input[str],
    service_name: pulumi.Input[str],
    depends_on: Sequence[pulumi.Resource] = (),
) -> None:
    """One `ProductApiLink` per API (`{name}-{api}-link`, in `api_ids` order), children of `product`."""
    opts = pulumi.ResourceOptions(parent=product, depends_on=list(depends_on) or None)
    for api, api_id in api_ids.items():
        apimanagement.ProductApiLink(
            f"{name}-{api}-link",
            api_link_id=api,
            product_id=product_id,
            api_id=api_id,
            resource_group_name=resource_group_name,
            service_name=service_name,
            opts=opts,
        )
