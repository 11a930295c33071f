"""The whole deployment of one stack: wires the Entra and APIM components together.

Siblings are wired here and only here (docs/conventions.md#components-never-read-the-configuration), so each component can be built in a test
from hand-made args. Nothing Entra-side waits on the APIM service: an APIM service takes tens of
minutes to create, and the apps, principals, grants and secrets are made meanwhile. Only the
service's children and the role assignment for its identity depend on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_azuread as azuread

from apim_oauth.azure.naming import grant_key
from apim_oauth.azure.token_audience import token_audience
from apim_oauth.component_args import backend_args, service_args
from apim_oauth.components.apim.api import Api, ApiArgs, OpenApiImport
from apim_oauth.components.apim.apim_managed_product import ApimManagedProduct, ApimManagedProductArgs
from apim_oauth.components.apim.client_application import ClientApplication, ClientApplicationArgs
from apim_oauth.components.apim.entra_app_product import EntraAppProduct, EntraAppProductArgs
from apim_oauth.components.apim.service import Service
from apim_oauth.components.entra.backend_api import BackendApi, Owners
from apim_oauth.components.entra.client_app import (
    AppRoleGrant,
    ClientApp,
    ClientAppArgs,
    DelegatedGrant,
)
from apim_oauth.components.entra.gateway_access import GatewayAccess, GatewayAccessArgs, OnwardCall
from apim_oauth.components.entra.product_app import ProductApp, ProductAppArgs
from apim_oauth.components.user_access import UserAccess, UserAccessArgs, client_secret, sign_in
from apim_oauth.config.products import EntraAppProductSettings
from apim_oauth.config.requirements import TokenRequirements
from apim_oauth.config.rules import api_clients
from apim_oauth.config.settings import Settings
from apim_oauth.policies.model import ManagedIdentityAuth
from apim_oauth.policies.rendering import render_policy_document
from apim_oauth.policies.selection import token_policy


@dataclass(frozen=True)
class DeploymentArgs:
    settings: Settings
    """The validated stack configuration."""


@dataclass(frozen=True)
class _Audience:
    """The Entra app whose tokens a policy admits."""

    client_id: pulumi.Output[str]
    app_id_uri: pulumi.Output[str]


class Deployment(pulumi.ComponentResource):
    """Everything one stack declares; its attributes are the stack outputs (design contract)."""

    tenant_id: str
    cloud: str
    gateway_url: pulumi.Output[str]
    token_endpoint: str
    backend: pulumi.Output[dict[str, Any]]
    products: dict[str, pulumi.Output[dict[str, Any]]]
    clients: dict[str, dict[str, Any]]
    policies: dict[str, pulumi.Output[str]]
    developer_portal: dict[str, Any] | None
    onward: dict[str, pulumi.Output[dict[str, Any]]]

    def __init__(self, name: str, args: DeploymentArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("apim-oauth:index:Deployment", name, None, opts)
        s = args.settings
        child = pulumi.ResourceOptions(parent=self)
        self.policies = {}

        # The identity running `pulumi up` owns the apps it registers. A provider signed in to
        # another tenant would register apps the policies never admit: the invoke is awaited here,
        # so the check fails before any resource is registered.
        deployer = azuread.get_client_config(opts=pulumi.InvokeOptions(parent=self))
        me = _same_tenant(deployer.tenant_id, s.tenant_id, deployer.object_id)
        owners = Owners(sorted({me.lower(), *s.owners}) if s.owners else [me], listed=bool(s.owners))

        backend = BackendApi(f"{name}-backend", backend_args(s.backend, owners), child)
        backend_audience = _Audience(backend.client_id, backend.app_id_uri)
        product_apps = {
            p.name: ProductApp(
                f"{name}-{p.name}-app",
                ProductAppArgs(
                    product_name=p.name,
                    # APIM's own conventions for the app it makes for a product (docs/sources.md#apim-application-based-access).
                    display_name=f"APIMProductApplication{p.name}",
                    role_value=p.role_value,
                    token_version=s.backend.token_version,
                    owners=owners,
                ),
                child,
            )
            for p in s.products
            # An apim-managed product names its app in `application.entra` (docs/azure-contract.md).
            if p.mode == "apim-managed" or p.audience == "product"
        }

        entra_clients: dict[str, ClientApp] = {}
        for c in s.entra_app_clients:
            grants = [
                AppRoleGrant(
                    key=grant_key("backend", role),
                    resource_client_id=backend.client_id,
                    resource_object_id=backend.service_principal_object_id,
                    app_role_id=backend.role_ids[role],
                )
                for role in c.roles
            ]
            grants += [
                AppRoleGrant(
                    key=grant_key("product", product),
                    resource_client_id=product_apps[product].client_id,
                    resource_object_id=product_apps[product].service_principal_object_id,
                    app_role_id=product_apps[product].role_id,
                )
                for product in c.products
                if product in product_apps
            ]
            delegated = (
                DelegatedGrant(
                    key="",
                    resource_client_id=backend.client_id,
                    resource_object_id=backend.service_principal_object_id,
                    scopes=c.scopes,
                    scope_ids=backend.scope_ids,
                )
                if c.scopes
                else None
            )
            entra_clients[c.name] = ClientApp(
                f"{name}-{c.name}",
                ClientAppArgs(
                    display_name=c.display_name,
                    secret=client_secret(c.secret),
                    role_grants=tuple(grants),
                    delegated=(delegated,) if delegated is not None else (),
                    owners=owners,
                    sign_in=sign_in(c.sign_in),
                    token_version=s.backend.token_version if c.sign_in else None,
                ),
                child,
            )

        service = Service(f"{name}-apim", service_args(s.apim), child)
        group, service_name = service.resource_group_name, service.service_name
        access = UserAccess(f"{name}-users", UserAccessArgs(s, backend, owners, group, service_name), child)
        self.onward, resources = {}, {}
        if s.onward:
            # Besides the directory role, the one assignment that waits for the service (it needs the identity).
            gateway = GatewayAccess(
                f"{name}-gateway-access",
                GatewayAccessArgs(
                    principal_object_id=service.principal_id,
                    resource_object_id=backend.service_principal_object_id,
                    app_role_id=backend.role_ids[s.backend.gateway_role],
                    app_role_value=s.backend.gateway_role,
                    backend_client_id=backend.client_id,
                    backend_app_id_uri=backend.app_id_uri,
                    cloud=s.cloud,
                    tenant_id=s.tenant_id,
                    token_version=s.backend.token_version,
                    calls={o.api: OnwardCall(o.set_on, o.resource_is_client_id) for o in s.onward},
                ),
                child,
            )
            self.onward = gateway.backend_checks
            # Each policy that fetches the gateway's token waits until the role can be in it.
            resources = {
                api: pulumi.Output.all(resource, gateway.ready.id).apply(lambda v: str(v[0]))
                for api, resource in gateway.resources.items()
            }
        api_onward = {o.api: resources[o.api] for o in s.onward if o.set_on == "api"}

        apis: dict[str, Api] = {}
        for api in s.apis:
            allowed = [entra_clients[c.name] for c in api_clients(api.name, s.products, s.clients)]
            policy_xml = None
            if api.requirements is not None or api.name in api_onward:
                policy_xml = self._policy(
                    f"api-{api.name}",
                    api.requirements,
                    backend_audience,
                    allowed,
                    s,
                    api_onward.get(api.name),
                )
            # Keyed by the name APIM gives each operation; '.' appears in no API name, so no
            # operation's key can equal another API's.
            targets = {api.operation_name(op): op for op in api.operations}
            operation_policies = {
                target: self._policy(
                    f"api-{api.name}.{target}", op.requirements, backend_audience, allowed, s
                )
                for target, op in targets.items()
            }
            apis[api.name] = Api(
                f"{name}-{api.name}",
                ApiArgs(
                    api_id=api.name,
                    display_name=api.display_name,
                    path=api.path,
                    service_url=api.service_url,
                    openapi=OpenApiImport(api.openapi.import_format, api.openapi.import_value)
                    if api.openapi
                    else None,
                    policy_xml=policy_xml,
                    operation_policies=operation_policies,
                    configured_operation_ids={target: op.operation_id for target, op in targets.items()},
                    resource_group_name=group,
                    service_name=service_name,
                    authorization_servers=access.server_ids(api.name),
                ),
                child,
            )
        # The portal publishes what the APIs then name (their test consoles' servers).
        self.developer_portal = access.publish(list(apis.values()))

        product_resource_ids: dict[str, pulumi.Output[str]] = {}
        self.products = {}
        for p in s.products:
            api_ids = {a: apis[a].api_id for a in p.apis}
            if isinstance(p, EntraAppProductSettings):
                app = product_apps.get(p.name)
                audience = _Audience(app.client_id, app.app_id_uri) if app else backend_audience
                allowed = [entra_clients[c.name] for c in s.clients if p.name in c.products]
                product = EntraAppProduct(
                    f"{name}-{p.name}",
                    EntraAppProductArgs(
                        product_id=p.name,
                        display_name=p.display_name,
                        description=p.description,
                        published=p.published,
                        api_ids=api_ids,
                        policy_xml=self._policy(
                            f"product-{p.name}",
                            p.requirements,
                            audience,
                            allowed,
                            s,
                            resources[p.apis[0]] if p.onward else None,
                        ),
                        resource_group_name=group,
                        service_name=service_name,
                    ),
                    child,
                )
                product_resource_ids[p.name] = product.resource_id
                self.products[p.name] = pulumi.Output.all(
                    product.product_id, audience.client_id, audience.app_id_uri
                ).apply(
                    lambda v: {
                        "productId": v[0],
                        "mode": "entra-app",
                        "audience": token_audience(s.backend.token_version, client_id=v[1], app_id_uri=v[2]),
                        "scope": f"{v[2]}/.default",
                    }
                )
            else:
                app = product_apps[p.name]
                # The `aud` Entra puts in tokens for the app (docs/sources.md#entra-access-tokens), which APIM checks.
                aud = token_audience(
                    s.backend.token_version, client_id=app.client_id, app_id_uri=app.app_id_uri
                )
                managed = ApimManagedProduct(
                    f"{name}-{p.name}",
                    ApimManagedProductArgs(
                        product_id=p.name,
                        display_name=p.display_name,
                        description=p.description,
                        published=p.published,
                        subscription_key=p.subscription_key,
                        application_id=app.client_id,
                        audience=aud,
                        api_ids=api_ids,
                        depends_on=[service.role_ready] if service.role_ready else [],
                        resource_group_name=group,
                        service_name=service_name,
                        service_id=service.service_id,
                    ),
                    child,
                )
                product_resource_ids[p.name] = managed.resource_id
                self.products[p.name] = pulumi.Output.all(managed.product_id, aud, app.app_id_uri).apply(
                    lambda v: {
                        "productId": v[0],
                        "mode": "apim-managed",
                        "audience": v[1],
                        "scope": f"{v[2]}/.default",
                    }
                )

        apim_clients: dict[str, ClientApplication] = {}
        for c in s.apim_managed_clients:
            apim_clients[c.name] = ClientApplication(
                f"{name}-{c.name}",
                ClientApplicationArgs(
                    client_application_id=c.name,
                    display_name=c.display_name,
                    owner_id=service.user_ids[c.owner],
                    product_resource_ids={p: product_resource_ids[p] for p in c.products},
                    # APIM registers each client's Entra app with its identity (docs/sources.md#apim-application-based-access).
                    depends_on=[service.role_ready] if service.role_ready else [],
                    resource_group_name=group,
                    service_name=service_name,
                ),
                child,
            )

        self.tenant_id = s.tenant_id
        self.cloud = s.cloud.name
        self.gateway_url = service.gateway_url
        self.token_endpoint = s.cloud.token_endpoint(s.tenant_id)
        self.backend = pulumi.Output.all(backend.client_id, backend.app_id_uri).apply(
            lambda v: {
                "clientId": v[0],
                "appIdUri": v[1],
                "scopes": [f"{v[1]}/{sc.value}" for sc in s.backend.scopes],
            }
        )
        self.clients = {}
        for c in s.clients:
            handle: ClientApp | ClientApplication = (
                entra_clients[c.name] if c.name in entra_clients else apim_clients[c.name]
            )
            # A dict of outputs, not one: only the secret (already a secret output) is secret.
            self.clients[c.name] = {
                "clientId": handle.client_id,
                "clientSecret": handle.client_secret,
                "products": list(c.products),
            }
        self.register_outputs(
            {
                "tenantId": self.tenant_id,
                "cloud": self.cloud,
                "gatewayUrl": self.gateway_url,
                "tokenEndpoint": self.token_endpoint,
                "backend": self.backend,
                "products": self.products,
                "clients": self.clients,
                "policies": self.policies,
                "developerPortal": self.developer_portal,
                "onward": self.onward,
            }
        )

    def _policy(
        self,
        key: str,
        requirements: TokenRequirements | None,
        audience: _Audience,
        allowed_clients: Sequence[ClientApp],
        s: Settings,
        onward_resource: pulumi.Output[str] | None = None,
    ) -> pulumi.Output[str]:
        """Render a policy document once the IDs it names are known, and keep it for the outputs.
        `onward_resource`: the gateway's own token for it ends `<inbound>` (onward authentication)."""

        def render(values: list[Any]) -> str:
            client_id, app_id_uri, resource, *allowed = values
            validator = requirements and token_policy(
                requirements,
                cloud=s.cloud,
                tenant_id=s.tenant_id,
                token_version=s.backend.token_version,
                audience_client_id=client_id,
                audience_app_id_uri=app_id_uri,
                client_application_ids=tuple(allowed),
            )
            return render_policy_document(validator, ManagedIdentityAuth(resource) if resource else None)

        # Only validate-azure-ad-token names the callers; other policies must not wait for their apps.
        callers = (
            [c.client_id for c in allowed_clients]
            if requirements is not None and requirements.validator == "validate-azure-ad-token"
            else []
        )
        # One Output.all over every ID the document names, not one nested inside another.
        xml = pulumi.Output.all(
            audience.client_id, audience.app_id_uri, onward_resource or "", *callers
        ).apply(render)
        self.policies[key] = xml
        return xml


def _same_tenant(provider_tenant: str, configured_tenant: str, object_id: str) -> str:
    if provider_tenant.lower() != configured_tenant.lower():
        raise ValueError(
            f"the azuread provider is signed in to tenant {provider_tenant}, but the stack's "
            f"apim-oauth:tenantId is {configured_tenant}: sign in to the configured tenant"
        )
    return object_id
