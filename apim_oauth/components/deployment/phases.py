"""The deployment's phases, in the order the root runs them: Entra, the service, people, APIs and
their policies, the portal, products, APIM clients. Each builds one kind of component as a child of
the root, from the settings and what earlier phases built (args from `apim_oauth.component_args`).

Nothing Entra-side waits on the APIM service: an APIM service takes tens of minutes to create, and
the apps, principals, grants and secrets are made meanwhile. Only the service's children and the
role assignment for its identity depend on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_azuread as azuread

from apim_oauth import component_args as args
from apim_oauth import credential_args
from apim_oauth.azure.token_audience import token_audience
from apim_oauth.component_args import Audience
from apim_oauth.components.apim.api import Api
from apim_oauth.components.apim.apim_managed_product import ApimManagedProduct
from apim_oauth.components.apim.client_application import ClientApplication
from apim_oauth.components.apim.developer_portal import DeveloperPortal
from apim_oauth.components.apim.entra_app_product import EntraAppProduct
from apim_oauth.components.apim.service import Service
from apim_oauth.components.entra.backend_api import BackendApi, Owners
from apim_oauth.components.entra.client_app import ClientApp
from apim_oauth.components.entra.gateway_access import GatewayAccess
from apim_oauth.components.entra.managed_identity_caller import ManagedIdentityCaller
from apim_oauth.components.entra.product_app import ProductApp
from apim_oauth.components.keyvault.secret_delivery import SecretDelivery
from apim_oauth.components.keyvault.vault import SecretVault
from apim_oauth.components.user_access import UserAccess
from apim_oauth.config.products import EntraAppProductSettings
from apim_oauth.config.rules.clients import api_clients
from apim_oauth.config.settings import Settings
from apim_oauth.policies.selection import caller_limits

Policies = dict[str, pulumi.Output[str]]
"""Every rendered policy document by key (`api-<api>`, `api-<api>.<operation>`, `product-<product>`)."""


@dataclass(frozen=True)
class Phase:
    """Where a phase builds: under the root, with names derived from the root's."""

    root: pulumi.ComponentResource
    name: str

    @property
    def child(self) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self.root)


@dataclass(frozen=True)
class EntraApps:
    owners: Owners
    backend: BackendApi
    product_apps: dict[str, ProductApp]
    """Product name -> its app (apim-managed products, entra-app products with `audience: product`)."""
    clients: dict[str, ClientApp]
    """Client name -> its app (entra-app clients)."""
    identities: dict[str, ManagedIdentityCaller]
    """Client name -> its grants (managed identities: no app)."""

    def caller_ids(self, names: Iterable[str]) -> list[pulumi.Output[str]]:
        """The client IDs of the named callers that have one (what `client-application-ids` lists)."""
        ids = [
            self.clients[n].client_id if n in self.clients else self.identities[n].client_id for n in names
        ]
        return [pulumi.Output.from_input(i) for i in ids if i is not None]

    @property
    def backend_audience(self) -> Audience:
        return Audience(self.backend.client_id, self.backend.app_id_uri)


@dataclass(frozen=True)
class Gateway:
    service: Service
    onward_checks: dict[str, pulumi.Output[dict[str, Any]]]
    """API name -> what its backend must check (stack output `onward`)."""
    onward_resources: dict[str, pulumi.Output[str]]
    """API name -> what the gateway asks a token for, once its role can be in the token."""


@dataclass(frozen=True)
class BuiltProduct:
    mode: str
    product_id: pulumi.Output[str]
    resource_id: pulumi.Output[str]
    audience: Audience
    """The app the product's tokens are for."""


def entra(at: Phase, s: Settings) -> EntraApps:
    # The identity running `pulumi up` owns the apps it registers. A provider signed in to another
    # tenant would register apps the policies never admit: the invoke is awaited here, so the check
    # fails before any resource is registered.
    deployer = azuread.get_client_config(opts=pulumi.InvokeOptions(parent=at.root))
    owners = args.owners(_same_tenant(deployer.tenant_id, s.tenant_id, deployer.object_id), s.owners)
    backend = BackendApi(f"{at.name}-backend", args.backend_args(s.backend, owners), at.child)
    product_apps = {
        p.name: ProductApp(f"{at.name}-{p.name}-app", args.product_app_args(p, s, owners), at.child)
        for p in s.products
        if args.has_product_app(p)
    }
    clients = {
        c.name: ClientApp(
            f"{at.name}-{c.name}", args.client_app_args(c, s, owners, backend, product_apps), at.child
        )
        for c in s.entra_app_clients
    }
    identities = {
        c.name: ManagedIdentityCaller(
            f"{at.name}-{c.name}",
            credential_args.managed_identity_caller_args(
                c.principal_id, c.client_id, c.roles, c.products, backend, product_apps
            ),
            at.child,
        )
        for c in s.managed_identity_clients
    }
    return EntraApps(owners, backend, product_apps, clients, identities)


def service(at: Phase, s: Settings, apps: EntraApps) -> Gateway:
    """The APIM service and, with onward authentication, the backend's role for its identity."""
    apim = Service(f"{at.name}-apim", args.service_args(s.apim), at.child)
    if not s.onward:
        return Gateway(apim, {}, {})
    # Besides the directory role, the one assignment that waits for the service (it needs the identity).
    gateway = GatewayAccess(
        f"{at.name}-gateway-access", args.gateway_access_args(s, apim, apps.backend), at.child
    )
    # Each policy that fetches the gateway's token waits until the role can be in it.
    resources = {
        api: pulumi.Output.all(resource, gateway.ready.id).apply(lambda v: str(v[0]))
        for api, resource in gateway.resources.items()
    }
    return Gateway(apim, gateway.backend_checks, resources)


def people(at: Phase, s: Settings, apps: EntraApps, apim: Service) -> UserAccess:
    """User assignments, test consoles and the portal's sign-in app (the portal itself: `portal`)."""
    access_args = args.user_access_args(s, apps.backend, apps.owners, apim)
    return UserAccess(_users(at), access_args, at.child)


def apis(
    at: Phase, s: Settings, apps: EntraApps, gateway: Gateway, access: UserAccess, policies: Policies
) -> dict[str, Api]:
    audience = apps.backend_audience
    api_onward = {o.api: gateway.onward_resources[o.api] for o in s.onward if o.set_on == "api"}
    built: dict[str, Api] = {}
    for api in s.apis:
        callers = apps.caller_ids(c.name for c in api_clients(api.name, s.products, s.clients))
        policy = None
        cors = s.cors_for(api.name)
        if api.requirements is not None or api.name in api_onward or cors is not None:
            xml = args.policy_xml(s, api.requirements, audience, callers, api_onward.get(api.name), cors=cors)
            policy = policies[f"api-{api.name}"] = xml
        # Keyed by the name APIM gives each operation; '.' appears in no API name, so no operation's
        # key can equal another API's.
        targets = {api.operation_name(op): op for op in api.operations}
        # The API's cors starts each operation's policy too. Policies at operation scope run on CORS
        # requests (the cors-policy page's usage notes ask for `<base />` at operation scope for that
        # reason: https://learn.microsoft.com/azure/api-management/cors-policy), and an operation's
        # validator stands before `<base />`: a preflight (no token) would be refused before the
        # API's cors ran. Which operation a preflight matches is not documented; with the same cors
        # first in both, it is answered either way, and only the first cors on the way applies.
        operation_policies = {
            target: args.policy_xml(s, op.requirements, audience, callers, cors=cors)
            for target, op in targets.items()
        }
        policies.update({f"api-{api.name}.{target}": xml for target, xml in operation_policies.items()})
        api_args = args.api_args(
            api, gateway.service, policy, operation_policies, access.server_ids(api.name)
        )
        built[api.name] = Api(f"{at.name}-{api.name}", api_args, at.child)
    return built


def portal(at: Phase, access: UserAccess, built_apis: Mapping[str, Api], apim: Service) -> None:
    """The portal's sign-in and a published revision, once the APIs naming the consoles' servers exist."""
    portal_args = args.developer_portal_args(access, list(built_apis.values()), apim)
    if portal_args is not None:
        # Under `UserAccess`, where it has always been: its URN and its children's are users' state.
        DeveloperPortal(f"{_users(at)}-portal", portal_args, pulumi.ResourceOptions(parent=access))


def products(
    at: Phase,
    s: Settings,
    apps: EntraApps,
    gateway: Gateway,
    built_apis: Mapping[str, Api],
    policies: Policies,
) -> dict[str, BuiltProduct]:
    built: dict[str, BuiltProduct] = {}
    for p in s.products:
        api_ids = {a: built_apis[a].api_id for a in p.apis}
        if isinstance(p, EntraAppProductSettings):
            app = apps.product_apps.get(p.name)
            audience = Audience(app.client_id, app.app_id_uri) if app else apps.backend_audience
            callers = apps.caller_ids(
                c.name for c in (*s.entra_app_clients, *s.managed_identity_clients) if p.name in c.products
            )
            onward = gateway.onward_resources[p.apis[0]] if p.onward else None
            xml = policies[f"product-{p.name}"] = args.policy_xml(
                s, p.requirements, audience, callers, onward, limits=caller_limits(p, s.backend.token_version)
            )
            product_args = args.entra_app_product_args(p, api_ids, xml, gateway.service)
            product = EntraAppProduct(f"{at.name}-{p.name}", product_args, at.child)
            built[p.name] = BuiltProduct(p.mode, product.product_id, product.resource_id, audience)
        else:
            app = apps.product_apps[p.name]
            audience = Audience(app.client_id, app.app_id_uri)
            aud = token_audience(s.backend.token_version, client_id=app.client_id, app_id_uri=app.app_id_uri)
            managed_args = args.apim_managed_product_args(p, app, aud, api_ids, gateway.service)
            managed = ApimManagedProduct(f"{at.name}-{p.name}", managed_args, at.child)
            built[p.name] = BuiltProduct(p.mode, managed.product_id, managed.resource_id, audience)
    return built


def secrets(at: Phase, s: Settings, apps: EntraApps, apim: Service) -> dict[str, SecretDelivery]:
    """With `keyVault`: the vault (in the service's resource group unless told), and each client's
    secrets in it, readable by the named readers only."""
    if s.key_vault is None:
        return {}
    vault_args = credential_args.secret_vault_args(
        s.key_vault, apim.resource_group_name, s.apim.location, s.tenant_id
    )
    vault = SecretVault(f"{at.name}-secrets", vault_args, at.child)
    deliveries: dict[str, SecretDelivery] = {}
    for c in s.entra_app_clients:
        if c.secret is None:
            continue
        readers = (*s.key_vault.readers, *c.secret.readers)
        delivery = credential_args.secret_delivery_args(
            c.name, apps.clients[c.name], vault, c.secret.active.name, readers
        )
        deliveries[c.name] = SecretDelivery(f"{at.name}-{c.name}-kv", delivery, at.child)
    return deliveries


def apim_clients(
    at: Phase, s: Settings, apim: Service, built_products: Mapping[str, BuiltProduct]
) -> dict[str, ClientApplication]:
    resource_ids = {name: p.resource_id for name, p in built_products.items()}
    return {
        c.name: ClientApplication(
            f"{at.name}-{c.name}", args.client_application_args(c, apim, resource_ids), at.child
        )
        for c in s.apim_managed_clients
    }


def _users(at: Phase) -> str:
    return f"{at.name}-users"


def _same_tenant(provider_tenant: str, configured_tenant: str, object_id: str) -> str:
    if provider_tenant.lower() != configured_tenant.lower():
        raise ValueError(
            f"the azuread provider is signed in to tenant {provider_tenant}, but the stack's "
            f"apim-oauth:tenantId is {configured_tenant}: sign in to the configured tenant"
        )
    return object_id
