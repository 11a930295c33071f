"""`apim-oauth:apim`: the API Management service, its SKU and the users that own client applications."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal, cast

from pydantic import model_validator

from apim_oauth.config.errors import fail
from apim_oauth.config.types import SLUG, SLUG_HINT, Between, Email, Flag, Model, Text, distinct

Sku = Literal[
    "Developer",
    "Basic",
    "Standard",
    "Premium",
    "Consumption",
    "Isolated",
    "BasicV2",
    "StandardV2",
    "PremiumV2",
]
# Application-based access (product OAuth managed by APIM) is a preview for these tiers only (docs/sources.md#apim-application-based-access).
APPLICATION_ACCESS_SKUS = frozenset({"Developer", "Basic", "Standard", "Premium"})


class ApimUserSettings(Model):
    """An APIM user that owns client applications of `apim-managed` products."""

    id: Annotated[str, Text(40, SLUG, SLUG_HINT)]
    """The user's identifier in APIM (a slug); products name it as their `oauth.owner`."""
    email: Email
    first_name: Annotated[str, Text(100)]
    last_name: Annotated[str, Text(100)]


class ApimSettings(Model):
    """The API Management service."""

    name: Annotated[
        str,
        Text(
            50,
            r"[a-zA-Z](?:[a-zA-Z0-9-]{0,48}[a-zA-Z0-9])?",
            "1-50 letters, digits and '-', starting with a letter (it becomes a DNS name)",
        ),
    ]
    """The service name; its gateway is `https://{name}.azure-api.net` (or the cloud's suffix)."""
    resource_group: Annotated[str, Text(90, r"[-\w._()]{1,90}", "an Azure resource group name")]
    create_resource_group: Flag = True
    """Create the resource group (else it must exist)."""
    location: Annotated[str, Text(90, r"[a-z0-9]+", "an Azure region name such as westeurope")] = cast(
        "str", None
    )
    """Azure region; defaults to `azure-native:location`."""
    sku: Sku
    capacity: Annotated[int, Between(0, 31)] = 1
    """Scale units; defaults to 1 (0 for Consumption, which has none)."""
    publisher_name: Annotated[str, Text(100)]
    publisher_email: Email
    protect: Flag = False
    """Mark the service `protect`ed, so `pulumi destroy` or a rename cannot delete it."""
    assign_application_administrator: Flag = False
    """Give the service's identity the Entra role Application Administrator (needs Privileged Role
    Administrator). Defaults to true when a product is `apim-managed`, where APIM registers Entra apps."""
    users: Annotated[tuple[ApimUserSettings, ...], distinct("user id", lambda u: u.id, at=".id")] = ()
    """APIM users that own the client applications of `apim-managed` products."""

    @model_validator(mode="before")
    @classmethod
    def _capacity_by_sku(cls, data: Any) -> Any:
        raw = cast("Mapping[str, Any]", data) if isinstance(data, Mapping) else None
        if raw is not None and raw.get("capacity") is None and raw.get("sku") == "Consumption":
            return {**raw, "capacity": 0}
        return cast("object", data)

    @model_validator(mode="after")
    def _rules(self) -> ApimSettings:
        if self.sku == "Consumption" and self.capacity != 0:
            raise fail("capacity", "must be 0 for the Consumption SKU")
        if self.sku == "Developer" and self.capacity != 1:
            raise fail("capacity", "must be 1 for the Developer SKU")
        if self.sku != "Consumption" and self.capacity < 1:
            raise fail("capacity", f"must be at least 1 for the {self.sku} SKU")
        if cast("str | None", self.location) is None:
            raise fail("location", "is required (or set azure-native:location)")
        return self
