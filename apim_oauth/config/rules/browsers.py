"""Browser callers and per-caller limits: which pages may call each API (its `cors`), and where a
product's limits can run.

An API gets a `cors` when a browser calls it: it has a developer-portal test console (the portal's
page calls the gateway, Azure/api-management-developer-portal `ConsoleRequestResponse.tsx`
`sendFromBrowser`, unless the portal's CORS proxy is used), a product of a single-page-app client
holds it (the app's `fetch` with `Authorization` is cross-origin), or `apis[].cors` lists origins.
Origins come from where those pages live: the portal's host as its redirect URIs are built
(`rules.people`), each SPA redirect URI's origin, and the configured ones. Methods are the API's
operations'; headers are listed (`authorization`, `content-type`, and `ocp-apim-subscription-key`
where a product takes keys), since `*` never covers `Authorization` (Fetch standard).
Facts and sources: `apim_oauth.policies.cors`, `apim_oauth.policies.limits`, docs/cors.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from apim_oauth.config.apim import Sku
from apim_oauth.config.apis import ApiSettings
from apim_oauth.config.errors import ConfigError, key
from apim_oauth.config.products import ApimManagedProductSettings, ProductSettings
from apim_oauth.config.rules.clients import ClientSettings, EntraAppClientSettings
from apim_oauth.config.rules.people import DeveloperPortalSettings
from apim_oauth.config.stack import StackConfig
from apim_oauth.policies.cors import CorsPolicy, origin_of, origins_problem

SUBSCRIPTION_KEY_HEADER = "ocp-apim-subscription-key"
"""The header APIM reads a subscription key from unless an API names another (ARM
`subscriptionKeyParameterNames`, default `Ocp-Apim-Subscription-Key`)."""
BASE_HEADERS = ("authorization", "content-type")

NO_RATE_LIMIT_SKUS: frozenset[Sku] = frozenset({"Consumption"})
"""Tiers where `rate-limit-by-key` does not run (its reference's "applies to" list)."""
NO_QUOTA_SKUS: frozenset[Sku] = frozenset({"Consumption", "BasicV2", "StandardV2", "PremiumV2"})
"""Tiers where `quota-by-key` does not run: classic tiers only."""


@dataclass(frozen=True)
class ApiCors:
    """The `cors` an API's policy starts with."""

    api: str
    policy: CorsPolicy


def resolve_cors(
    stack: StackConfig, clients: Sequence[ClientSettings], portal: DeveloperPortalSettings
) -> tuple[ApiCors, ...]:
    """The `cors` of every API a browser calls; ConfigError where one cannot work."""
    proxy = stack.developer_portal is not None and stack.developer_portal.cors_proxy
    resolved: list[ApiCors] = []
    for index, api in enumerate(stack.apis):
        where = key(f"apis[{index}]")
        origins = _origins(api, stack.products, clients, None if proxy else f"https://{portal.host}")
        if not origins:
            if api.cors is not None:
                raise ConfigError(
                    f"{where}.cors.origins", "no page can call the API: list the origins of the pages that do"
                )
            continue
        credentials = api.cors is not None and api.cors.credentials
        configured = api.cors.origins if api.cors is not None else ()
        if problem := origins_problem(configured, credentials):
            raise ConfigError(f"{where}.cors.{'credentials' if credentials else 'origins'}", problem)
        if "OPTIONS" in api.methods:
            # cors-policy.md: a request that matches an OPTIONS operation skips the preflight handling.
            raise ConfigError(
                f"{where}.openApi",
                "defines an OPTIONS operation: browsers' preflights would go to it instead of the cors "
                "policy, and get no CORS headers; remove it, browsers call this API",
            )
        policy = CorsPolicy(
            origins=("*",) if "*" in configured else origins,
            methods=api.methods,
            headers=_headers(api, stack.products),
            allow_credentials=credentials,
        )
        resolved.append(ApiCors(api.name, policy))
    return tuple(resolved)


def _origins(
    api: ApiSettings,
    products: Sequence[ProductSettings],
    clients: Sequence[ClientSettings],
    portal_origin: str | None,
) -> tuple[str, ...]:
    found: list[str] = []
    if api.test_console is not None and portal_origin is not None:
        found.append(portal_origin)
    holders = {p.name for p in products if api.name in p.apis}
    for client in clients:
        if not isinstance(client, EntraAppClientSettings) or not holders & set(client.products):
            continue
        if client.sign_in is not None and client.sign_in.platform == "spa":
            found.extend(origin_of(uri) for uri in client.sign_in.redirect_uris)
    if api.cors is not None:
        found.extend(api.cors.origins)
    return tuple(dict.fromkeys(found))


def _headers(api: ApiSettings, products: Sequence[ProductSettings]) -> tuple[str, ...]:
    keyed = any(
        isinstance(p, ApimManagedProductSettings) and p.subscription_key
        for p in products
        if api.name in p.apis
    )
    configured = api.cors.headers if api.cors is not None else ()
    listed = (*BASE_HEADERS, SUBSCRIPTION_KEY_HEADER) if keyed else BASE_HEADERS
    return tuple(dict.fromkeys((*listed, *configured)))


def check_limits(stack: StackConfig) -> None:
    """Limits only where this program renders the product's policy, and the tier runs them."""
    for index, product in enumerate(stack.products):
        limits = product.limits
        if limits is None:
            continue
        where = key(f"products[{index}].limits")
        if isinstance(product, ApimManagedProductSettings):
            raise ConfigError(
                where,
                "applies to entra-app products, whose policy this program renders; APIM validates the tokens "
                "of an apim-managed product itself",
            )
        if limits.calls is not None and stack.apim.sku in NO_RATE_LIMIT_SKUS:
            raise ConfigError(
                f"{where}.calls", f"rate-limit-by-key does not run on the {stack.apim.sku} tier"
            )
        if limits.quota is not None and stack.apim.sku in NO_QUOTA_SKUS:
            raise ConfigError(
                f"{where}.quota",
                f"quota-by-key does not run on the {stack.apim.sku} tier (classic tiers only: Developer, "
                "Basic, Standard, Premium)",
            )
