"""`apim-oauth:clients`: the callers of the APIs.

A client's mode is not written: it is the mode of its products (a client of `apim-managed` products
is registered by APIM). So the file's shape is `ClientConfig`, and the cross-section rules resolve
each one into `EntraAppClientSettings` or `ApimManagedClientSettings`, which is what the components receive.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from apim_oauth.config.errors import fail
from apim_oauth.config.requirements import Roles, Scopes
from apim_oauth.config.sign_in import ClientSignIn
from apim_oauth.config.types import SLUG, SLUG_HINT, Between, Date, Model, Name, Text, distinct


@dataclass(frozen=True)
class SecretSlot:
    """One client secret; bump its date to replace it while the other slot stays valid."""

    name: Literal["blue", "green"]
    rotated: dt.date


class SecretSlots(Model):
    """The rotation date of each secret slot in use."""

    blue: Date | None = None
    green: Date | None = None

    @model_validator(mode="after")
    def _one(self) -> Self:
        if self.blue is None and self.green is None:
            raise fail("", "must name at least one slot (blue or green) with its rotation date")
        return self


class SecretSettings(Model):
    """The client's secrets: two slots so one can be replaced while the other stays valid."""

    validity_days: Annotated[int, Between(1, 730)] = 180
    """Days each secret stays valid from its rotation date (Entra's portal offers at most 24 months)."""
    slot_dates: SecretSlots = Field(alias="slots")

    @property
    def slots(self) -> tuple[SecretSlot, ...]:
        dates: tuple[tuple[Literal["blue", "green"], dt.date | None], ...] = (
            ("blue", self.slot_dates.blue),
            ("green", self.slot_dates.green),
        )
        return tuple(SecretSlot(name, rotated) for name, rotated in dates if rotated is not None)

    @property
    def active(self) -> SecretSlot:
        """The newest slot: the one callers should use."""
        return max(self.slots, key=lambda s: (s.rotated, s.name))


class ClientConfig(Model):
    """A client as the stack file gives it; which keys apply depends on its products' mode."""

    name: Annotated[str, Text(40, SLUG, SLUG_HINT)]
    display_name: Annotated[str, Text(120)]
    products: Annotated[tuple[Name, ...], distinct("product")] = ()
    """Names of the products (`apim-oauth:products[].name`) the client may call, all of one mode."""
    roles: Roles = ()
    """entra-app: backend app roles granted as application permissions (admin consent given)."""
    scopes: Scopes = ()
    """entra-app: backend scopes granted as delegated permissions (admin consent given)."""
    secret: SecretSettings | None = None
    """entra-app: the client's secrets and their rotation."""
    owner: Name | None = None
    """apim-managed: the APIM user that owns the client; defaults to its products' owner."""
    sign_in: ClientSignIn | None = None
    """entra-app: how the client signs users in (platform, redirect URIs); unset for a daemon."""


class EntraAppClientSettings(Model):
    """A client this program registers in Entra, with its permissions and secrets."""

    name: str
    display_name: str
    products: tuple[str, ...]
    roles: tuple[str, ...] = ()
    """Backend app roles granted as application permissions (admin consent given)."""
    scopes: tuple[str, ...] = ()
    """Backend scopes granted as delegated permissions (admin consent given)."""
    secret: SecretSettings | None = None
    sign_in: ClientSignIn | None = None
    """How the client signs users in; None for a daemon (client credentials only)."""

    @property
    def mode(self) -> Literal["entra-app"]:
        return "entra-app"


class ApimManagedClientSettings(Model):
    """A client application APIM registers (and makes the Entra app of) for apim-managed products."""

    name: str
    display_name: str
    products: tuple[str, ...]
    owner: str
    """The APIM user (`apim.users[].id`) that owns the client application."""

    @property
    def mode(self) -> Literal["apim-managed"]:
        return "apim-managed"


ClientSettings = EntraAppClientSettings | ApimManagedClientSettings
"""A client, one model per mode (the mode of its products)."""
