"""Settings -> component args: what each component is given, from the validated configuration and
the components already built; the one place that knows both shapes. In the order the deployment's
phases (`components/deployment/phases.py`) use them: Entra, service, people, APIs, products, clients.

Components take their own typed args and never read the configuration (docs/conventions.md#components-never-read-the-configuration), so a test
builds any of them from hand-made args. This module registers nothing, so it stands outside
`components/` (Pulumi components only).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from apim_oauth import credential_args
from apim_oauth.azure.developer_portal import console_redirect_uri, portal_base_url, sign_in_redirect_uri
from apim_oauth.azure.naming import grant_key
from apim_oauth.components.apim.api import Api, ApiArgs, OpenApiImport
from apim_oauth.components.apim.apim_managed_product import ApimManagedProductArgs
from apim_oauth.components.apim.client_application import ClientApplicationArgs
from apim_oauth.components.apim.developer_portal import DeveloperPortalArgs
from apim_oauth.components.apim.entra_app_product import EntraAppProductArgs
from apim_oauth.components.apim.service import ApimUser, Service, ServiceArgs
from apim_oauth.components.entra.backend_api import AppRole, BackendApi, BackendApiArgs, Owners, Scope
from apim_oauth.components.entra.client_app import (
    ClientAppArgs,
    ClientSecret,
    DelegatedGrant,
    SecretSlot,
    SignIn,
)
from apim_oauth.components.entra.gateway_access import GatewayAccessArgs, OnwardCall
from apim_oauth.components.entra.product_app import ProductApp, ProductAppArgs
from apim_oauth.components.entra.user_assignments import (
    DEFAULT_ACCESS_ROLE_ID,
    UserAssignment,
    UserAssignmentsArgs,
)
from apim_oauth.components.test_console import ConsoleBackend, TestConsoleArgs
from apim_oauth.components.user_access import PortalSignInAppArgs, UserAccess, UserAccessArgs
from apim_oauth.config.apim import ApimSettings
from apim_oauth.config.apis import ApiSettings
from apim_oauth.config.backend import BackendSettings
from apim_oauth.config.clients import ClientSignIn, SecretSettings
from apim_oauth.config.products import ApimManagedProductSettings, EntraAppProductSettings, ProductSettings
from apim_oauth.config.requirements import TokenRequirements
from apim_oauth.config.rules.clients import ApimManagedClientSettings, EntraAppClientSettings
from apim_oauth.config.settings import Settings
from apim_oauth.policies.cors import CorsPolicy
from apim_oauth.policies.limits import CallerLimits
from apim_oauth.policies.model import ManagedIdentityAuth
from apim_oauth.policies.rendering import render_policy_document
from apim_oauth.policies.selection import token_policy


def owners(deployer_object_id: str, configured: Sequence[str]) -> Owners:
    """The identity running `pulumi up` owns the apps it registers, beside the configured owners."""
    if configured:
        return Owners(sorted({deployer_object_id.lower(), *configured}), listed=True)
    return Owners([deployer_object_id], listed=False)


def backend_args(b: BackendSettings, owners: Owners) -> BackendApiArgs:
    return BackendApiArgs(
        display_name=b.display_name,
        identifier_uri=b.identifier_uri,
        token_version=b.token_version,
        app_role_assignment_required=b.app_role_assignment_required,
        scopes=tuple(
            Scope(
                value=sc.value,
                admin_consent_display_name=sc.admin_consent_display_name,
                admin_consent_description=sc.admin_consent_description,
                user_consent_display_name=sc.user_consent_display_name,
                user_consent_description=sc.user_consent_description,
                type=sc.type,
                enabled=sc.enabled,
            )
            for sc in b.scopes
        ),
        app_roles=tuple(
            AppRole(
                value=r.value,
                display_name=r.display_name,
                description=r.description,
                allowed_member_types=r.allowed_member_types,
                enabled=r.enabled,
            )
            for r in b.app_roles
        ),
        owners=owners,
    )


def has_product_app(p: ProductSettings) -> bool:
    """An apim-managed product names its app in `application.entra` (docs/azure-contract.md,
    section 1); an entra-app product has one when its tokens are for the product, not the backend."""
    return p.mode == "apim-managed" or p.audience == "product"


def product_app_args(p: ProductSettings, s: Settings, owners: Owners) -> ProductAppArgs:
    return ProductAppArgs(
        product_name=p.name,
        # APIM's own conventions for the app it makes for a product (docs/sources.md#apim-application-based-access).
        display_name=f"APIMProductApplication{p.name}",
        role_value=p.role_value,
        token_version=s.backend.token_version,
        owners=owners,
    )


def client_secret(secret: SecretSettings) -> ClientSecret:
    """The configured secret slots as the client app takes them."""
    return ClientSecret(secret.validity_days, tuple(SecretSlot(s.name, s.rotated) for s in secret.slots))


def optional_secret(secret: SecretSettings | None) -> ClientSecret | None:
    return None if secret is None else client_secret(secret)


def sign_in(c: ClientSignIn | None) -> SignIn | None:
    """A client's configured sign-in as the client app takes it."""
    return None if c is None else SignIn(c.platform, c.redirect_uris, c.implicit_id_tokens)


def client_app_args(
    c: EntraAppClientSettings,
    s: Settings,
    owners: Owners,
    backend: BackendApi,
    product_apps: Mapping[str, ProductApp],
) -> ClientAppArgs:
    """An entra-app client: the backend's roles and the products' roles it holds, its scopes, and
    how it proves itself (secrets, federated credentials, a certificate: `credential_args`)."""
    b = backend
    delegated = DelegatedGrant("", b.client_id, b.service_principal_object_id, c.scopes, b.scope_ids)
    return ClientAppArgs(
        display_name=c.display_name,
        secret=optional_secret(c.secret),
        role_grants=credential_args.role_grants(c.roles, c.products, backend, product_apps),
        delegated=(delegated,) if c.scopes else (),
        owners=owners,
        sign_in=sign_in(c.sign_in),
        token_version=s.backend.token_version if c.sign_in else None,
        federated=credential_args.federated_trusts(c.federated),
        certificate=credential_args.certificate(c.certificate),
    )


def service_args(a: ApimSettings) -> ServiceArgs:
    return ServiceArgs(
        service_name=a.name,
        resource_group_name=a.resource_group,
        create_resource_group=a.create_resource_group,
        location=a.location,
        sku=a.sku,
        capacity=a.capacity,
        publisher_name=a.publisher_name,
        publisher_email=a.publisher_email,
        protect=a.protect,
        assign_application_administrator=a.assign_application_administrator,
        users=tuple(ApimUser(u.id, u.email, u.first_name, u.last_name) for u in a.users),
    )


def gateway_access_args(s: Settings, service: Service, backend: BackendApi) -> GatewayAccessArgs:
    return GatewayAccessArgs(
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
    )


def user_access_args(s: Settings, backend: BackendApi, owners: Owners, service: Service) -> UserAccessArgs:
    """Every redirect URI from the configuration (the portal's host), none from the service."""
    portal = s.developer_portal
    base = portal_base_url(portal.host)
    assignments = UserAssignmentsArgs(
        resource_object_id=backend.service_principal_object_id,
        assignments=tuple(
            UserAssignment(
                key=grant_key(a.role or "default-access", principal),
                app_role_id=backend.role_ids[a.role] if a.role else DEFAULT_ACCESS_ROLE_ID,
                principal_object_id=principal.lower(),
            )
            for a in s.backend.assignments
            for principal in a.principals
        ),
    )
    console_backend = ConsoleBackend(
        backend.client_id,
        backend.service_principal_object_id,
        backend.app_id_uri,
        backend.scope_ids,
        s.backend.token_version,
    )
    consoles = {
        c.api: TestConsoleArgs(
            server_name=c.server_name,
            display_name=c.display_name,
            app_display_name=c.app_display_name,
            grant=c.grant,
            redirect_uri=console_redirect_uri(base, c.grant, c.server_name),
            scopes=c.scopes,
            backend=console_backend,
            secret=optional_secret(c.secret),
            authorization_endpoint=s.cloud.authorize_endpoint(s.tenant_id),
            token_endpoint=s.cloud.token_endpoint(s.tenant_id),
            owners=owners,
            resource_group_name=service.resource_group_name,
            service_name=service.service_name,
        )
        for c in portal.test_consoles
    }
    si = portal.sign_in
    return UserAccessArgs(
        portal_url=base,
        assignments=assignments if s.backend.assignments else None,
        consoles=consoles,
        sign_in=PortalSignInAppArgs(
            display_name=si.display_name,
            secret=client_secret(si.secret),
            redirect_uri=sign_in_redirect_uri(base),
            multitenant=si.multitenant,
            authority=s.cloud.login_host,
            signin_tenant=si.signin_tenant,
            allowed_tenants=si.allowed_tenants,
            owners=owners,
        )
        if si is not None
        else None,
    )


def developer_portal_args(
    access: UserAccess, apis: Sequence[Api], service: Service
) -> DeveloperPortalArgs | None:
    """The portal publishes once the APIs that name the consoles' servers exist; None when the stack
    uses no portal feature (nothing to configure or publish)."""
    if access.portal_sign_in is None and not access.baked_in:
        return None
    return DeveloperPortalArgs(
        resource_group_name=service.resource_group_name,
        service_name=service.service_name,
        sign_in=access.portal_sign_in,
        baked_in=access.baked_in,
        published_after=[*apis, *(c.server for c in access.consoles.values())],
    )


@dataclass(frozen=True)
class Audience:
    """The Entra app whose tokens a policy admits."""

    client_id: pulumi.Output[str]
    app_id_uri: pulumi.Output[str]


def policy_xml(
    s: Settings,
    requirements: TokenRequirements | None,
    audience: Audience,
    allowed_clients: Sequence[pulumi.Output[str]],
    onward_resource: pulumi.Output[str] | None = None,
    *,
    cors: CorsPolicy | None = None,
    limits: CallerLimits | None = None,
) -> pulumi.Output[str]:
    """A policy document, rendered once the IDs it names are known. `onward_resource`: the gateway's
    own token for it ends `<inbound>` (onward authentication); `cors` starts it (browser callers);
    `limits` follow the validator (per-caller limits)."""

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
        onward = ManagedIdentityAuth(resource) if resource else None
        return render_policy_document(validator, onward, cors=cors, limits=limits)

    # Only validate-azure-ad-token names the callers; other policies must not wait for their apps.
    callers = (
        list(allowed_clients)
        if requirements is not None and requirements.validator == "validate-azure-ad-token"
        else []
    )
    # One Output.all over every ID the document names, not one nested inside another.
    return pulumi.Output.all(audience.client_id, audience.app_id_uri, onward_resource or "", *callers).apply(
        render
    )


def api_args(
    api: ApiSettings,
    service: Service,
    policy: pulumi.Output[str] | None,
    operation_policies: Mapping[str, pulumi.Output[str]],
    authorization_servers: tuple[pulumi.Output[str], ...],
) -> ApiArgs:
    """`operation_policies` keyed by the name APIM gives each operation (`ApiSettings.operation_name`)."""
    return ApiArgs(
        api_id=api.name,
        display_name=api.display_name,
        path=api.path,
        service_url=api.service_url,
        openapi=OpenApiImport(api.openapi.import_format, api.openapi.import_value) if api.openapi else None,
        policy_xml=policy,
        operation_policies=operation_policies,
        configured_operation_ids={api.operation_name(op): op.operation_id for op in api.operations},
        resource_group_name=service.resource_group_name,
        service_name=service.service_name,
        authorization_servers=authorization_servers,
    )


def entra_app_product_args(
    p: EntraAppProductSettings,
    api_ids: Mapping[str, pulumi.Output[str]],
    policy: pulumi.Output[str],
    service: Service,
) -> EntraAppProductArgs:
    return EntraAppProductArgs(
        product_id=p.name,
        display_name=p.display_name,
        description=p.description,
        published=p.published,
        api_ids=api_ids,
        policy_xml=policy,
        resource_group_name=service.resource_group_name,
        service_name=service.service_name,
    )


def apim_managed_product_args(
    p: ApimManagedProductSettings,
    app: ProductApp,
    audience: pulumi.Output[str],
    api_ids: Mapping[str, pulumi.Output[str]],
    service: Service,
) -> ApimManagedProductArgs:
    return ApimManagedProductArgs(
        product_id=p.name,
        display_name=p.display_name,
        description=p.description,
        published=p.published,
        subscription_key=p.subscription_key,
        application_id=app.client_id,
        audience=audience,
        api_ids=api_ids,
        depends_on=[service.role_ready] if service.role_ready else [],
        resource_group_name=service.resource_group_name,
        service_name=service.service_name,
        service_id=service.service_id,
    )


def client_application_args(
    c: ApimManagedClientSettings, service: Service, product_resource_ids: Mapping[str, pulumi.Output[str]]
) -> ClientApplicationArgs:
    return ClientApplicationArgs(
        client_application_id=c.name,
        display_name=c.display_name,
        owner_id=service.user_ids[c.owner],
        product_resource_ids={p: product_resource_ids[p] for p in c.products},
        # APIM registers each client's Entra app with its identity (docs/sources.md#apim-application-based-access).
        depends_on=[service.role_ready] if service.role_ready else [],
        resource_group_name=service.resource_group_name,
        service_name=service.service_name,
    )
