"""The `config:` map of a stack file as one model: the program's keys and the provider keys it reads.

Keys of other namespaces pass through untouched (providers read them); an unknown `apim-oauth:` key
is refused. The JSON Schema of the stack file (`stacks/schema.json`) is generated from this model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, cast

from pydantic import ConfigDict, Field, PlainValidator, ValidationInfo, WithJsonSchema, model_validator

from apim_oauth.azure.clouds import CLOUDS, Cloud
from apim_oauth.config.apim import ApimSettings
from apim_oauth.config.apis import ApiSettings
from apim_oauth.config.backend import BackendSettings
from apim_oauth.config.clients import ClientConfig
from apim_oauth.config.credentials import KeyVaultConfig
from apim_oauth.config.developer_portal import DeveloperPortalConfig
from apim_oauth.config.errors import NAMESPACE, fail, key
from apim_oauth.config.products import Product
from apim_oauth.config.types import GUID, Model, ObjectId, Text, closest, distinct


def _cloud(value: object) -> Cloud:
    if isinstance(value, Cloud):
        return value
    if isinstance(value, str) and value in CLOUDS:
        return CLOUDS[value]  # type: ignore[index]  # checked just above
    raise fail("", f"{value!r} is not one of {', '.join(repr(c) for c in CLOUDS)}")


CloudSetting = Annotated[
    Cloud,
    PlainValidator(_cloud),
    WithJsonSchema({"enum": list(CLOUDS), "description": "The Microsoft cloud."}),
]

TenantId = Annotated[str, Text(36, GUID, "the tenant ID must be a GUID")]

# The keys of other namespaces the program reads.
PROVIDER_KEYS = (
    "azure-native:location",
    "azure-native:environment",
    "azure-native:tenantId",
    "azuread:environment",
    "azuread:tenantId",
)


class StackConfig(Model):
    """A stack's configuration (the `config:` map of `stacks/Pulumi.<stack>.yaml`)."""

    model_config = ConfigDict(
        alias_generator=None,
        json_schema_extra={
            # Other namespaces (providers, ESC environments) are theirs to check; ours is closed.
            "patternProperties": {rf"^(?!{NAMESPACE}:)[A-Za-z0-9_.-]+:": {}},
        },
    )

    cloud: CloudSetting = Field(default="global", validate_default=True, alias=key("cloud"))
    tenant_id: TenantId = Field(alias=key("tenantId"))
    """The Entra tenant (GUID) whose tokens the gateway accepts and where the apps are registered."""
    apim: ApimSettings = Field(alias=key("apim"))
    backend: BackendSettings = Field(alias=key("backend"))
    apis: Annotated[
        tuple[ApiSettings, ...],
        Field(min_length=1),
        distinct("API name", lambda a: a.name, at=".name"),
        distinct("API path", lambda a: a.path, at=".path", fold=True),
    ] = Field(alias=key("apis"))
    products: Annotated[
        tuple[Product, ...], Field(min_length=1), distinct("product name", lambda p: p.name, at=".name")
    ] = Field(alias=key("products"))
    clients: Annotated[tuple[ClientConfig, ...], distinct("client name", lambda c: c.name, at=".name")] = (
        Field(default=(), alias=key("clients"))
    )
    owners: Annotated[tuple[ObjectId, ...], distinct("owner")] = Field(default=(), alias=key("owners"))
    """Owners of every Entra app the program registers, besides the identity that deploys: list
    every identity that runs `pulumi up` (people and pipelines). Listed owners are reconciled on each
    `up`; unlisted, an app keeps the owner that created it (docs/lifecycle.md)."""
    developer_portal: DeveloperPortalConfig | None = Field(default=None, alias=key("developerPortal"))
    """The developer portal: its custom host, and developer sign-in with Entra ID."""
    key_vault: KeyVaultConfig | None = Field(default=None, alias=key("keyVault"))
    """Where client secrets go instead of the stack outputs (docs/rotate-a-client-secret.md)."""
    location: str | None = Field(default=None, alias="azure-native:location")
    """The default Azure region of the azure-native provider (and of `apim-oauth:apim.location`)."""
    azure_native_environment: str | None = Field(default=None, alias="azure-native:environment")
    azure_native_tenant_id: str | None = Field(default=None, alias="azure-native:tenantId")
    azuread_environment: str | None = Field(default=None, alias="azuread:environment")
    azuread_tenant_id: str | None = Field(default=None, alias="azuread:tenantId")

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, Mapping):
            return data
        raw = cast("Mapping[str, Any]", data)
        ours = [f.alias for f in cls.model_fields.values() if f.alias and f.alias.startswith(f"{NAMESPACE}:")]
        result: dict[str, Any] = {}
        for name, value in raw.items():
            if name.startswith(f"{NAMESPACE}:") and name not in ours:
                suggestion = closest(name, ours)
                hint = f" (did you mean {suggestion!r}?)" if suggestion else ""
                raise fail(name, f"unknown key{hint}; allowed: {', '.join(ours)}")
            if (name in ours or name in PROVIDER_KEYS) and value is not None:
                result[name] = value
        return _with_defaults(result)


def _with_defaults(raw: dict[str, Any]) -> dict[str, Any]:
    """Defaults of `apim` that depend on other keys, filled in before `apim` is validated."""
    apim = raw.get(key("apim"))
    if not isinstance(apim, Mapping):
        return raw
    apim = dict(cast("Mapping[str, Any]", apim))
    location = raw.get("azure-native:location")
    if apim.get("location") is None and isinstance(location, str):
        apim["location"] = location
    if apim.get("assignApplicationAdministrator") is None:
        # Application Administrator is a broad role: assigned by default only where APIM registers apps.
        apim["assignApplicationAdministrator"] = _mentions_apim_managed(raw.get(key("products")))
    return {**raw, key("apim"): apim}


def _mentions_apim_managed(products: object) -> bool:
    """Whether any product asks for apim-managed mode (read before products are validated)."""
    if not isinstance(products, list | tuple):
        return False
    for product in cast("list[object]", products):
        oauth = cast("Mapping[str, object]", product).get("oauth") if isinstance(product, Mapping) else None
        if isinstance(oauth, Mapping) and cast("Mapping[str, object]", oauth).get("mode") == "apim-managed":
            return True
    return False
