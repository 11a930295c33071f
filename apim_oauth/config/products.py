"""`apim-oauth:products`: one model per OAuth mode, told apart by `oauth.mode`.

`entra-app`: this program registers the product's Entra app (or uses the backend's) and renders the
`validate-jwt` policy that demands the token. `apim-managed`: APIM's application-based access
(preview): APIM registers the apps and checks the token itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal, Self, cast

from pydantic import Discriminator, Field, Tag, field_validator, model_validator

from apim_oauth.config.apis import OnwardSettings
from apim_oauth.config.errors import fail
from apim_oauth.config.requirements import REQUIREMENT_KEYS, TokenRequirements
from apim_oauth.config.types import SLUG, SLUG_HINT, Audience, Between, Flag, Model, Name, Text, distinct
from apim_oauth.policies.limits import MAX_RATE_PERIOD_SECONDS, MIN_QUOTA_PERIOD_SECONDS

Mode = Literal["entra-app", "apim-managed"]

_ENTRA_ONLY = "applies to entra-app mode only: APIM registers the apps of apim-managed products"


class EntraAppOAuth(TokenRequirements):
    """`oauth` of an `entra-app` product: whose tokens it admits and what they must carry."""

    mode: Literal["entra-app"]
    audience: Audience = "product"
    """Whose client ID the token's `aud` must be: the product's own Entra app, or the backend app."""

    misplaced: ClassVar[Mapping[str, str]] = {"owner": "applies to apim-managed mode only"}

    def check(self) -> None:
        if self.audience == "product":
            if self.scopes:
                raise fail(
                    "scopes",
                    "a product's own Entra app has no scopes; set audience: backend to require backend scopes",
                )
            if self.roles:
                raise fail(
                    "roles",
                    "a product with its own Entra app requires its own role (Product.<Name>.All); "
                    "set audience: backend to require backend roles",
                )
            if self.callers != "application":
                raise fail(
                    "callers",
                    "a product's own Entra app has only an application role; set audience: backend for delegated callers",
                )
        super().check()
        if self.audience == "backend" and not self.roles and not self.scopes:
            raise fail(
                "", "requires no role or scope: any app in the tenant could get a token; name roles or scopes"
            )


class ApimManagedOAuth(Model):
    """`oauth` of an `apim-managed` product: APIM registers the apps and validates the tokens."""

    mode: Literal["apim-managed"]
    owner: Name
    """The APIM user (`apim-oauth:apim.users[].id`) that owns the product's client applications."""

    misplaced: ClassVar[Mapping[str, str]] = dict.fromkeys(("audience", *REQUIREMENT_KEYS), _ENTRA_ONLY)


class LimitsConfig(Model):
    """Per-caller limits in a product: each calling application counted on its own (docs/cors.md,
    "Per-caller limits"). At least one of `calls` and `quota`."""

    calls: Annotated[int, Between(1, 2_000_000_000)] | None = None
    """Calls one application may make per `period` (`rate-limit-by-key`; 429 beyond)."""
    period: Annotated[int, Between(1, MAX_RATE_PERIOD_SECONDS)] = 60
    """Seconds of the sliding window for `calls`; at most 300."""
    quota: Annotated[int, Between(1, 2_000_000_000)] | None = None
    """Calls one application may make per `quotaPeriod` (`quota-by-key`, classic tiers only; 403 beyond)."""
    quota_period: Annotated[int, Between(0, 2_000_000_000)] = 2_592_000
    """Seconds after which the quota renews: at least 300, or 0 for never; default 30 days."""

    @model_validator(mode="after")
    def _rules(self) -> Self:
        if self.calls is None and self.quota is None:
            raise fail("", "sets no limit: give calls (per period), quota (per quotaPeriod), or both")
        if 0 < self.quota_period < MIN_QUOTA_PERIOD_SECONDS:
            raise fail(
                "quotaPeriod", f"must be 0 (never renews) or at least {MIN_QUOTA_PERIOD_SECONDS} seconds"
            )
        if self.quota is None and "quota_period" in self.model_fields_set:
            raise fail("quotaPeriod", "applies with quota")
        if self.calls is None and "period" in self.model_fields_set:
            raise fail("period", "applies with calls")
        return self


class _Product(Model):
    name: Annotated[str, Text(40, SLUG, SLUG_HINT)]
    display_name: Annotated[str, Text(300)]
    description: Annotated[str, Text(1000)] = ""
    published: Flag = True
    apis: Annotated[tuple[Name, ...], Field(min_length=1), distinct("API")]
    """Names of the APIs (`apim-oauth:apis[].name`) the product links to."""
    limits: LimitsConfig | None = None
    """Per-caller rate limit and quota (entra-app products: their policy counts each application)."""

    @property
    def role_value(self) -> str:
        """The app role APIM's convention gives a product app: `Product.<Name>.All`."""
        pascal = "".join(part.capitalize() for part in self.name.split("-"))
        return f"Product.{pascal}.All"


class EntraAppProductSettings(_Product):
    """A product whose token policy this program renders, for apps it registers in Entra."""

    subscription_key: Literal[False] = False
    """Always false: an entra-app product is open (its policy demands the token) and has no keys."""
    oauth: EntraAppOAuth
    onward: OnwardSettings | None = None
    """How the gateway authenticates to the backends of all the product's APIs, after the product's
    policy has validated the caller (unset: it forwards each call as it came)."""

    @field_validator("subscription_key", mode="before")
    @classmethod
    def _no_keys(cls, value: Any) -> Any:
        if value is True:
            # An entra-app product is "open" (its policy demands the token), and an open product has
            # no subscriptions of its own: a key could only come from an API- or service-scoped
            # subscription, which runs outside the product and skips its policy anyway.
            raise fail(
                "",
                "an entra-app product cannot accept its own subscription keys (it is an open product, which has "
                "none); for a product that takes a key or a token, use mode: apim-managed",
            )
        return value

    @property
    def mode(self) -> Literal["entra-app"]:
        return "entra-app"

    @property
    def audience(self) -> Audience:
        return self.oauth.audience

    @property
    def open(self) -> bool:
        """Whether APIM admits requests without a subscription key: always (the policy demands the token)."""
        return True

    @property
    def requirements(self) -> TokenRequirements:
        """The token policy; with the product's own app, its one role."""
        own = self.oauth.requirements
        if self.audience == "product":
            return own.model_copy(update={"roles": (self.role_value,)})
        return own


class ApimManagedProductSettings(_Product):
    """A product with APIM's application-based access (preview): APIM registers and checks the apps."""

    subscription_key: Flag = False
    """Accept a subscription key as an alternative to the token."""
    oauth: ApimManagedOAuth

    misplaced: ClassVar[Mapping[str, str]] = {
        "onward": "applies to entra-app products, whose policy this program renders; set onward on the APIs "
        "of an apim-managed product instead"
    }

    @property
    def mode(self) -> Literal["apim-managed"]:
        return "apim-managed"

    @property
    def owner(self) -> str:
        return self.oauth.owner

    @property
    def open(self) -> bool:
        """Whether APIM admits requests without a subscription key ("open" product)."""
        return not self.subscription_key


def _product_mode(value: Any) -> str | None:
    if isinstance(value, Mapping):
        oauth = cast("Mapping[str, Any]", value).get("oauth")
        mode = cast("Mapping[str, Any]", oauth).get("mode") if isinstance(oauth, Mapping) else None
        return mode if isinstance(mode, str) else None
    if isinstance(value, EntraAppProductSettings | ApimManagedProductSettings):
        return value.mode
    return None


ProductSettings = EntraAppProductSettings | ApimManagedProductSettings
"""A product, one model per `oauth.mode`."""

Product = Annotated[
    Annotated[EntraAppProductSettings, Tag("entra-app")]
    | Annotated[ApimManagedProductSettings, Tag("apim-managed")],
    Discriminator(_product_mode),
]
"""A product as the stack file gives it: the variant is chosen by `oauth.mode`."""
