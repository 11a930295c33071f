"""Rules that span sections of the configuration: names that must resolve, and combinations the
gateway or Entra would turn into a deployment that rejects every caller.

Each rule raises `ConfigError` naming the key to change; they run after every section is valid.
"""

from __future__ import annotations

from collections.abc import Sequence

from apim_oauth.azure.clouds import Cloud
from apim_oauth.config.apim import APPLICATION_ACCESS_SKUS
from apim_oauth.config.apis import ApiSettings
from apim_oauth.config.backend import BackendSettings
from apim_oauth.config.clients import (
    ApimManagedClientSettings,
    ClientConfig,
    ClientSettings,
    EntraAppClientSettings,
)
from apim_oauth.config.errors import NAMESPACE, ConfigError
from apim_oauth.config.products import ApimManagedProductSettings, EntraAppProductSettings, ProductSettings
from apim_oauth.config.requirements import TokenRequirements
from apim_oauth.config.stack import StackConfig
from apim_oauth.config.types import Match


def key(path: str) -> str:
    return f"{NAMESPACE}:{path}"


def check_providers(stack: StackConfig) -> None:
    # A provider pointed at another cloud or tenant would deploy policies that reject every token.
    cloud: Cloud = stack.cloud
    expected = {
        "azuread:environment": (stack.azuread_environment, cloud.azuread_environment),
        "azure-native:environment": (stack.azure_native_environment, cloud.azure_native_environment),
        "azuread:tenantId": (stack.azuread_tenant_id, stack.tenant_id),
        "azure-native:tenantId": (stack.azure_native_tenant_id, stack.tenant_id),
    }
    for name, (value, want) in expected.items():
        if value is not None and value.lower() != want:
            raise ConfigError(name, f"is {value!r} but {NAMESPACE}:cloud/tenantId need {want!r}")


def check_backend(backend: BackendSettings, tenant_id: str) -> None:
    if problem := backend.check_identifier_uri(tenant_id):
        raise ConfigError(key("backend.identifierUri"), problem)


def check_requirements(where: str, req: TokenRequirements, backend: BackendSettings) -> None:
    """Every role and scope `req` names is one the backend app defines, for the callers it admits."""
    for index, value in enumerate(req.roles):
        role = backend.role(value)
        if role is None:
            raise ConfigError(f"{where}.roles[{index}]", f"the backend app defines no app role {value!r}")
        wanted = "Application" if req.callers == "application" else "User"
        if wanted not in role.allowed_member_types:
            raise ConfigError(
                f"{where}.roles[{index}]",
                f"app role {value!r} cannot be held by {req.callers} callers (allowedMemberTypes lacks {wanted})",
            )
    for index, value in enumerate(req.scopes):
        if backend.scope(value) is None:
            raise ConfigError(f"{where}.scopes[{index}]", f"the backend app defines no scope {value!r}")


def check_apis(apis: Sequence[ApiSettings], backend: BackendSettings) -> None:
    for index, api in enumerate(apis):
        if api.oauth is None:
            continue
        if api.requirements is not None:
            check_requirements(key(f"apis[{index}].oauth"), api.requirements, backend)
        for op_index, op in enumerate(api.operations):
            check_requirements(key(f"apis[{index}].oauth.operations[{op_index}]"), op, backend)


def check_products(stack: StackConfig) -> None:
    api_names = {a.name for a in stack.apis}
    user_ids = {u.id for u in stack.apim.users}
    for index, product in enumerate(stack.products):
        where = key(f"products[{index}]")
        for api_index, api in enumerate(product.apis):
            if api not in api_names:
                raise ConfigError(
                    f"{where}.apis[{api_index}]",
                    f"no API named {api!r} (APIs: {', '.join(sorted(api_names))})",
                )
        if isinstance(product, ApimManagedProductSettings):
            if stack.apim.sku not in APPLICATION_ACCESS_SKUS:
                raise ConfigError(
                    f"{where}.oauth.mode",
                    f"application-based access is not available on the {stack.apim.sku} SKU "
                    f"(only {', '.join(sorted(APPLICATION_ACCESS_SKUS))})",
                )
            if product.owner not in user_ids:
                raise ConfigError(
                    f"{where}.oauth.owner", f"no APIM user {product.owner!r} in {key('apim.users')}"
                )
        elif product.audience == "backend":
            check_requirements(f"{where}.oauth", product.requirements, stack.backend)


def check_policy_layers(apis: Sequence[ApiSettings], products: Sequence[ProductSettings]) -> None:
    # The gateway runs the operation's policy, the API's and the product's in turn (each validator
    # sits before `<base />`, which pulls in the scope above): a token must pass all of them. API and
    # operation policies admit tokens for the backend app, so every product holding such an API must
    # admit the same tokens, from the same kind of caller, or no token passes both.
    for index, api in enumerate(apis):
        layers = ([api.requirements] if api.requirements else []) + [o.requirements for o in api.operations]
        if not layers:
            continue
        for product in (p for p in products if api.name in p.apis):
            if not isinstance(product, EntraAppProductSettings) or product.audience != "backend":
                admits = "APIM's own app" if product.mode == "apim-managed" else "its own Entra app"
                raise ConfigError(
                    key(f"apis[{index}].oauth"),
                    f"admits tokens for the backend app, but product {product.name!r} admits tokens for {admits}: "
                    "no token passes both; put the API in products with audience: backend, or drop its oauth",
                )
            for layer in layers:
                if layer.callers != product.requirements.callers:
                    raise ConfigError(
                        key(f"apis[{index}].oauth"),
                        f"expects {layer.callers} callers, but product {product.name!r} admits "
                        f"{product.requirements.callers} callers: no token passes both",
                    )


def check_product_sharing(products: Sequence[ProductSettings]) -> None:
    # APIM accepts an API in only one open product (one that needs no subscription): requests
    # without a key run in that product's context. entra-app products are open (their policy
    # demands the token), and so is an apim-managed product that takes no subscription key. For the
    # same reason a token-only call to an API in both an entra-app and an apim-managed product runs
    # in the entra-app one, whose policy expects another audience.
    # API name -> (product name, key path of the API in that product)
    open_owner: dict[str, tuple[str, str]] = {}
    entra_owner: dict[str, tuple[str, str]] = {}
    managed_owner: dict[str, tuple[str, str]] = {}
    for index, product in enumerate(products):
        for api_index, api in enumerate(product.apis):
            where = key(f"products[{index}].apis[{api_index}]")
            if product.open and api in open_owner:
                name, other = open_owner[api]
                raise ConfigError(
                    where,
                    f"API {api!r} is already in product {name!r} ({other}): APIM puts an API in only one product "
                    "that needs no subscription key (entra-app products, and apim-managed ones without subscriptionKey)",
                )
            clash = managed_owner.get(api) if product.mode == "entra-app" else entra_owner.get(api)
            if clash is not None:
                name, other = clash
                raise ConfigError(
                    where,
                    f"API {api!r} is also in product {name!r} ({other}): a token-only call would run in the entra-app "
                    "product, whose policy expects tokens for another app; give the apim-managed product its own APIs",
                )
            if product.open:
                open_owner[api] = (product.name, where)
            (entra_owner if product.mode == "entra-app" else managed_owner)[api] = (product.name, where)


def resolve_clients(stack: StackConfig) -> tuple[ClientSettings, ...]:
    """Each client as the model of its products' mode, checked against the products and the backend."""
    return tuple(_client(key(f"clients[{i}]"), c, stack) for i, c in enumerate(stack.clients))


def _client(where: str, c: ClientConfig, stack: StackConfig) -> ClientSettings:
    by_name = {p.name: p for p in stack.products}
    for index, product in enumerate(c.products):
        if product not in by_name:
            raise ConfigError(
                f"{where}.products[{index}]",
                f"no product named {product!r} (products: {', '.join(sorted(by_name))})",
            )
    products = [by_name[p] for p in c.products]
    managed = [p for p in products if isinstance(p, ApimManagedProductSettings)]
    if managed and len(managed) != len(products):
        raise ConfigError(
            f"{where}.products",
            "mixes entra-app and apim-managed products: APIM registers its own Entra app for apim-managed "
            "clients, so declare two clients",
        )
    if managed:
        for name in ("roles", "scopes", "secret"):
            if name in c.model_fields_set:
                raise ConfigError(
                    f"{where}.{name}",
                    "applies to clients of entra-app products only: APIM manages apim-managed clients",
                )
        if c.sign_in is not None:
            raise ConfigError(
                f"{where}.signIn",
                "applies to clients of entra-app products only: APIM registers apim-managed clients",
            )
        owners = {p.owner for p in managed}
        if c.owner is not None:
            all_owners = {p.owner for p in stack.products if isinstance(p, ApimManagedProductSettings)}
            if c.owner not in all_owners:
                raise ConfigError(
                    f"{where}.owner", f"no owner {c.owner!r} among the apim-managed products' owners"
                )
            owner = c.owner
        elif len(owners) == 1:
            owner = owners.pop()
        else:
            raise ConfigError(f"{where}.owner", "is required: the client's products have different owners")
        return ApimManagedClientSettings(
            name=c.name, display_name=c.display_name, products=c.products, owner=owner
        )
    if c.owner is not None:
        raise ConfigError(f"{where}.owner", "applies to clients of apim-managed products only")
    backend = stack.backend
    for index, value in enumerate(c.roles):
        role = backend.role(value)
        if role is None:
            raise ConfigError(f"{where}.roles[{index}]", f"the backend app defines no app role {value!r}")
        if "Application" not in role.allowed_member_types:
            raise ConfigError(
                f"{where}.roles[{index}]",
                f"app role {value!r} cannot be granted to an application (allowedMemberTypes)",
            )
    for index, value in enumerate(c.scopes):
        if backend.scope(value) is None:
            raise ConfigError(f"{where}.scopes[{index}]", f"the backend app defines no scope {value!r}")
    entra = [p for p in products if isinstance(p, EntraAppProductSettings) and p.audience == "backend"]
    for product in entra:
        if product.requirements.roles:
            _check_holds(f"{where}.roles", "roles", product, c.roles, product.requirements.roles_match)
    for product in entra:
        if product.requirements.scopes:
            _check_holds(f"{where}.scopes", "scopes", product, c.scopes, product.requirements.scopes_match)
    return EntraAppClientSettings(
        name=c.name,
        display_name=c.display_name,
        products=c.products,
        roles=c.roles,
        scopes=c.scopes,
        secret=c.secret,
        sign_in=c.sign_in,
    )


def _check_holds(
    where: str, kind: str, product: EntraAppProductSettings, held: tuple[str, ...], match: Match
) -> None:
    """A client linked to a product must be granted what the product's policy requires."""
    required = product.requirements.roles if kind == "roles" else product.requirements.scopes
    common = set(held) & set(required)
    enough = common == set(required) if match == "all" else bool(common)
    if not enough:
        raise ConfigError(
            where,
            f"product {product.name!r} requires {match} of the {kind} {', '.join(required)}; "
            "grant them here or the gateway will reject this client",
        )


def api_clients(
    api: str, products: Sequence[ProductSettings], clients: Sequence[ClientSettings]
) -> tuple[EntraAppClientSettings, ...]:
    """The entra-app clients linked to a product that contains `api`."""
    names = {p.name for p in products if api in p.apis}
    return tuple(c for c in clients if isinstance(c, EntraAppClientSettings) and names & set(c.products))


def check_azure_ad_token_clients(
    products: Sequence[ProductSettings], apis: Sequence[ApiSettings], clients: Sequence[ClientSettings]
) -> None:
    # validate-azure-ad-token admits only the listed client applications (docs/sources.md#token-policies): with none it
    # would reject every caller.
    for index, product in enumerate(products):
        if (
            isinstance(product, EntraAppProductSettings)
            and product.requirements.validator == "validate-azure-ad-token"
            and not any(product.name in c.products for c in clients)
        ):
            raise ConfigError(
                key(f"products[{index}].oauth.validator"),
                "validate-azure-ad-token admits only listed client applications, and no client is linked to this product",
            )
    for index, api in enumerate(apis):
        reqs = [("", api.requirements)] + [
            (f".operations[{i}]", o.requirements) for i, o in enumerate(api.operations)
        ]
        for suffix, req in reqs:
            if (
                req
                and req.validator == "validate-azure-ad-token"
                and not api_clients(api.name, products, clients)
            ):
                raise ConfigError(
                    key(f"apis[{index}].oauth{suffix}.validator"),
                    "validate-azure-ad-token admits only listed client applications, and no client reaches this API",
                )
