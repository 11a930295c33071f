"""Rules for onward authentication (`onward` of APIs and entra-app products) and the gateway's app
role on the backend app; and `Onward`, what they resolve for each API."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from apim_oauth.azure.naming import name_key
from apim_oauth.config.apis import APP_ID_URI, BACKEND_APP, CLIENT_ID, ApiSettings, OnwardSettings
from apim_oauth.config.backend import AppRoleSettings, BackendSettings
from apim_oauth.config.errors import ConfigError, key
from apim_oauth.config.products import EntraAppProductSettings, ProductSettings
from apim_oauth.config.rules.backend import backend_role
from apim_oauth.config.types import GUID
from apim_oauth.policies.values import policy_value_problem


@dataclass(frozen=True)
class Onward:
    """The onward authentication that applies to one API, and where it is configured."""

    api: str
    settings: OnwardSettings
    set_on: str
    """`api`, or `product <name>` when the API gets it from its product's policy."""

    @property
    def resource_is_client_id(self) -> bool:
        return self.settings.resource == CLIENT_ID


def _check_settings(where: str, onward: OnwardSettings, backend: BackendSettings) -> None:
    if onward.app != BACKEND_APP:
        raise ConfigError(
            f"{where}.app",
            f"no Entra app {onward.app!r} in the stack protects a backend: the gateway can only get tokens for "
            f"an app this stack registers, and it registers one, {BACKEND_APP!r} ({key('backend')})",
        )
    resource = onward.resource
    if resource in (CLIENT_ID, APP_ID_URI) or resource == backend.identifier_uri:
        return
    if re.fullmatch(GUID, resource):
        why = "the backend app's client ID is assigned by Entra at creation: write clientId (the default) for it"
    elif problem := policy_value_problem(resource):
        why = problem
    else:
        uris = backend.identifier_uri or "api://{client-id}, written appIdUri"
        why = f"the backend app answers to its client ID (clientId) and its identifier URI {uris}"
    # An unknown resource fails at run time with AADSTS500011 (no service principal for it; entra-docs
    # reference-error-codes.md), on every call.
    raise ConfigError(
        f"{where}.resource",
        f"{resource!r} is neither the backend app's client ID nor one of its identifier URIs: {why}",
    )


def resolve_onward(
    apis: Sequence[ApiSettings], products: Sequence[ProductSettings], backend: BackendSettings
) -> tuple[Onward, ...]:
    """The onward authentication of each API that has one (from the API or its product), checked."""
    found: dict[str, Onward] = {}
    for index, product in enumerate(products):
        if not isinstance(product, EntraAppProductSettings) or product.onward is None:
            continue
        where = key(f"products[{index}].onward")
        _check_settings(where, product.onward, backend)
        if product.audience == "backend":
            raise ConfigError(
                where,
                "the product admits tokens for the backend app (audience: backend), which the backend can check "
                "itself; the gateway's own token is for products whose callers hold tokens for the product's app",
            )
        for api in product.apis:
            found[api] = Onward(api, product.onward, f"product {product.name}")
    for index, api in enumerate(apis):
        where = key(f"apis[{index}].onward")
        holding = [p for p in products if api.name in p.apis]
        if api.onward is None:
            continue
        _check_settings(where, api.onward, backend)
        if api.name in found:
            raise ConfigError(
                where,
                f"the API already gets onward authentication from its {found[api.name].set_on}: set it in one place",
            )
        if api.oauth is not None:
            raise ConfigError(
                where,
                "the API's own oauth admits tokens for the backend app; with onward authentication the caller's "
                "token is for the product's app, never the backend: drop the API's oauth",
            )
        for product in holding:
            if isinstance(product, EntraAppProductSettings) and product.audience == "backend":
                raise ConfigError(
                    where,
                    f"product {product.name!r} admits tokens for the backend app (audience: backend); with onward "
                    "authentication the caller's token is for the product's app, never the backend",
                )
        if not holding:
            raise ConfigError(
                where,
                "the API is in no product, so no policy validates the caller before the gateway calls the backend "
                "with its own identity: add the API to a product",
            )
        found[api.name] = Onward(api.name, api.onward, "api")
    return tuple(found[a.name] for a in apis if a.name in found)


def gateway_role(backend: BackendSettings) -> AppRoleSettings:
    """The app role the backend app grants the gateway: the one `gatewayRole` names, else a new one."""
    return backend.role(backend.gateway_role) or AppRoleSettings(
        value=backend.gateway_role,
        display_name="API Management gateway",
        description="Lets the API Management gateway call this API with its managed identity.",
        allowed_member_types=("Application",),
    )


def with_gateway_role(backend: BackendSettings) -> BackendSettings:
    """`backend` with the gateway's app role defined (reused when `gatewayRole` names an app role).

    `appRoleAssignmentRequired` keeps its configured or default value: turning it on for a backend
    that had no roles would lock out its delegated users (AADSTS50105), a change nobody asked for."""
    where = key("backend.gatewayRole")
    if backend.role(backend.gateway_role) is not None:
        backend_role(
            where,
            backend,
            backend.gateway_role,
            "Application",
            "held by an application (allowedMemberTypes lacks Application), "
            "and the gateway's managed identity is one",
        )
        return backend
    added = gateway_role(backend)
    for index, other in enumerate(backend.app_roles):
        if name_key(other.value) == name_key(added.value):
            raise ConfigError(
                where,
                f"{added.value!r} and {other.value!r} ({key(f'backend.appRoles[{index}].value')}) differ only in "
                "case or punctuation: their grants would get one resource name; rename one",
            )
    if backend.scope(added.value) is not None:
        raise ConfigError(where, f"{added.value!r} is also a scope value: scopes and app roles must differ")
    return backend.model_copy(update={"app_roles": (*backend.app_roles, added)})
