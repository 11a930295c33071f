"""One stack's whole configuration, parsed and validated once: what `__main__.py` hands the components.

`parse` reads the config map (as the Pulumi engine or `load_stack_file` gives it) through the model
(`StackConfig`, one model per section), then the cross-section rules (`rules`, which also resolve
what depends on several sections); the first mistake is a `ConfigError` naming its key. Nothing
downstream checks the configuration again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from apim_oauth.azure.clouds import Cloud
from apim_oauth.config.apim import ApimSettings
from apim_oauth.config.apis import ApiSettings
from apim_oauth.config.backend import BackendSettings
from apim_oauth.config.credentials import KeyVaultConfig
from apim_oauth.config.errors import NAMESPACE, ConfigError, from_validation
from apim_oauth.config.locations import named
from apim_oauth.config.products import ProductSettings
from apim_oauth.config.reading import DocumentError, load_json, looks_like_json
from apim_oauth.config.rules.backend import check_apis, check_backend, check_providers
from apim_oauth.config.rules.browsers import ApiCors, check_limits, resolve_cors
from apim_oauth.config.rules.clients import (
    ApimManagedClientSettings,
    ClientSettings,
    EntraAppClientSettings,
    ManagedIdentityClientSettings,
    check_azure_ad_token_clients,
    check_client_sign_in,
    resolve_clients,
)
from apim_oauth.config.rules.credentials import check_managed_identity_client_ids, check_secret_readers
from apim_oauth.config.rules.onward import Onward, resolve_onward, with_gateway_role
from apim_oauth.config.rules.people import (
    DeveloperPortalSettings,
    check_assignments,
    resolve_developer_portal,
)
from apim_oauth.config.rules.products import (
    check_joined_names,
    check_policy_layers,
    check_product_sharing,
    check_products,
)
from apim_oauth.config.stack import StackConfig
from apim_oauth.config.types import BASE_DIR, STACK_FILE
from apim_oauth.policies.cors import CorsPolicy

OBJECT_KEYS = ("apim", "apis", "backend", "products", "clients", "owners", "developerPortal", "keyVault")
"""The structured keys: the engine hands them to the program as JSON text."""


@dataclass(frozen=True)
class Settings:
    """One stack's whole configuration."""

    cloud: Cloud
    tenant_id: str
    """The tenant's GUID, lowercase (as tokens carry it)."""
    apim: ApimSettings
    apis: tuple[ApiSettings, ...]
    backend: BackendSettings
    products: tuple[ProductSettings, ...]
    clients: tuple[ClientSettings, ...]
    developer_portal: DeveloperPortalSettings
    """The developer portal as the Entra apps see it (host), its test consoles and Entra sign-in."""
    owners: tuple[str, ...] = ()
    """Object IDs that own every Entra app besides the deploying identity (lowercase)."""
    onward: tuple[Onward, ...] = ()
    """APIs whose backend the gateway calls with its own managed identity (`backend` then defines
    the gateway's app role)."""
    cors: tuple[ApiCors, ...] = ()
    """The `cors` of each API a browser calls (`rules.browsers`)."""
    key_vault: KeyVaultConfig | None = None
    """The vault client secrets are delivered to; None: secrets are stack outputs."""

    def cors_for(self, api: str) -> CorsPolicy | None:
        """The `cors` API `api`'s policy starts with, if a browser calls it."""
        return next((c.policy for c in self.cors if c.api == api), None)

    def product(self, name: str) -> ProductSettings:
        return next(p for p in self.products if p.name == name)

    @property
    def entra_app_clients(self) -> tuple[EntraAppClientSettings, ...]:
        return tuple(c for c in self.clients if isinstance(c, EntraAppClientSettings))

    @property
    def managed_identity_clients(self) -> tuple[ManagedIdentityClientSettings, ...]:
        return tuple(c for c in self.clients if isinstance(c, ManagedIdentityClientSettings))

    @property
    def apim_managed_clients(self) -> tuple[ApimManagedClientSettings, ...]:
        return tuple(c for c in self.clients if isinstance(c, ApimManagedClientSettings))


def _decode(key: str, value: Any) -> Any:
    # The engine hands structured values to the program as JSON text; YAML gives them parsed.
    if key.split(":", 1)[1] in OBJECT_KEYS and isinstance(value, str):
        if not looks_like_json(value):
            # Plain text where a mapping or a list goes (`apis: echo`): say so, not "Expecting value".
            shown = value if len(value) <= 40 else value[:40] + "..."
            raise ConfigError(key, f"expects a mapping or a list here, not the text {shown!r}")
        try:
            return load_json(value, key)
        except DocumentError as error:
            raise ConfigError(key, error.message) from None
    return value


def parse(config: Mapping[str, Any], *, base_dir: Path) -> Settings:
    """Validate a stack's config map (namespaced keys) into `Settings`; raise `ConfigError`.

    `base_dir` is where relative file paths in the configuration (OpenAPI documents) start.
    """
    raw = {k: _decode(k, v) if k.startswith(f"{NAMESPACE}:") else v for k, v in config.items()}
    try:
        return _settings(raw, base_dir)
    except ConfigError as error:
        # A person finds an entry by its name, not its position (locations.named).
        raise named(error, raw) from None


def _settings(raw: Mapping[str, Any], base_dir: Path) -> Settings:
    try:
        stack = StackConfig.model_validate(raw, context={STACK_FILE: True, BASE_DIR: base_dir})
    except ValidationError as error:
        raise from_validation(error) from None
    check_providers(stack)
    check_backend(stack.backend, stack.tenant_id)
    check_apis(stack.apis, stack.backend)
    check_products(stack)
    check_joined_names(stack)
    check_policy_layers(stack.apis, stack.products)
    check_product_sharing(stack.products)
    clients = resolve_clients(stack)
    check_azure_ad_token_clients(stack.products, stack.apis, clients)
    check_client_sign_in(stack)
    check_managed_identity_client_ids(stack, clients)
    check_secret_readers(stack)
    portal = resolve_developer_portal(stack)
    check_assignments(stack, portal)
    cors = resolve_cors(stack, clients, portal)
    check_limits(stack)
    onward = resolve_onward(stack.apis, stack.products, stack.backend)
    backend = with_gateway_role(stack.backend) if onward else stack.backend
    return Settings(
        cloud=stack.cloud,
        tenant_id=stack.tenant_id.lower(),
        apim=stack.apim,
        apis=stack.apis,
        backend=backend,
        products=stack.products,
        clients=clients,
        owners=stack.owners,
        developer_portal=portal,
        onward=onward,
        cors=cors,
        key_vault=stack.key_vault,
    )


def from_pulumi() -> Settings:
    """Settings from the running program's stack configuration (as the Pulumi engine passes it)."""
    from pulumi.runtime import config as runtime_config

    raw: dict[str, Any] = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    return parse(raw, base_dir=Path(__file__).resolve().parents[2])
