"""Rules on products across sections: the APIs and APIM users they name exist, a token can pass every
policy layer of an API, APIs shared between products, and names joined into one resource name.

Joined names: resource names join two configured names with `-` (a product's link to an API is named
after both), and names may contain `-` themselves: product `a` with API `b-c` and product `a-b` with
API `c` would give two links one name, which the engine refuses as a duplicate URN (and which, once
deployed, no later rename could separate without replacing both). The rule is simple to state:
within each kind of pair, the joined names must differ. The error names both keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from apim_oauth.config.apim import APPLICATION_ACCESS_SKUS
from apim_oauth.config.apis import ApiSettings
from apim_oauth.config.errors import ConfigError, key
from apim_oauth.config.products import ApimManagedProductSettings, EntraAppProductSettings, ProductSettings
from apim_oauth.config.rules.backend import check_requirements
from apim_oauth.config.stack import StackConfig


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


Pair = tuple[str, str, str, str]
"""(first name, second name, key path of the pair, how to say it)."""


def _check_joined(pairs: Iterable[Pair]) -> None:
    seen: dict[str, Pair] = {}
    for pair in pairs:
        first, second, at, said = pair
        joined = f"{first}-{second}"
        other = seen.setdefault(joined, pair)
        if other is not pair and (other[0], other[1]) != (first, second):
            raise ConfigError(
                at,
                f"{said} and {other[3]} ({other[2]}) both join to {joined!r}, which names one resource "
                "for each: rename one of them",
            )


def check_joined_names(stack: StackConfig) -> None:
    _check_joined(
        (p.name, api, key(f"products[{i}].apis[{j}]"), f"product {p.name!r} with API {api!r}")
        for i, p in enumerate(stack.products)
        for j, api in enumerate(p.apis)
    )
    _check_joined(
        (c.name, product, key(f"clients[{i}].products[{j}]"), f"client {c.name!r} with product {product!r}")
        for i, c in enumerate(stack.clients)
        for j, product in enumerate(c.products)
    )
    # Operation policies are named after their API and operation. (A plain API's catch-all
    # operations, `<method>-all`, cannot collide this way: the method ends where `-all` begins.)
    _check_joined(
        (a.name, op, key(f"apis[{i}].oauth.operations[{j}].operationId"), f"API {a.name!r} operation {op!r}")
        for i, a in enumerate(stack.apis)
        for j, op in enumerate(o.operation_id for o in a.operations)
    )
