"""What the Entra backend and the APIM service are given, from the validated configuration: pure
mappings, settings -> args.

Components take their own typed args and never read the configuration (docs/conventions.md#components-never-read-the-configuration); these
functions are the one place that knows both shapes.
"""

from __future__ import annotations

from apim_oauth.components.apim.service import ApimUser, ServiceArgs
from apim_oauth.components.entra.backend_api import AppRole, BackendApiArgs, Owners, Scope
from apim_oauth.config.apim import ApimSettings
from apim_oauth.config.backend import BackendSettings


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
