"""Rules against the tenant and the backend app: the providers point at the stack's cloud and tenant,
the App ID URI is one the tenant accepts, and every app role and scope a policy names is one the
backend app defines, for the callers the policy admits."""

from __future__ import annotations

from collections.abc import Sequence

from apim_oauth.config.apis import ApiSettings
from apim_oauth.config.backend import AppRoleSettings, BackendSettings
from apim_oauth.config.errors import NAMESPACE, ConfigError, key
from apim_oauth.config.requirements import TokenRequirements
from apim_oauth.config.stack import StackConfig
from apim_oauth.config.types import MemberType


def backend_role(
    where: str, backend: BackendSettings, value: str, holder: MemberType, cannot: str
) -> AppRoleSettings:
    """The backend app's role `value`, which a `holder` may hold; else a `ConfigError` at `where`
    (the role is missing, or `app role <value> cannot be <cannot>`)."""
    role = backend.role(value)
    if role is None:
        raise ConfigError(where, f"the backend app defines no app role {value!r}")
    if holder not in role.allowed_member_types:
        raise ConfigError(where, f"app role {value!r} cannot be {cannot}")
    return role


def backend_scope(where: str, backend: BackendSettings, value: str) -> None:
    """The backend app defines the scope `value`; else a `ConfigError` at `where`."""
    if backend.scope(value) is None:
        raise ConfigError(where, f"the backend app defines no scope {value!r}")


def check_providers(stack: StackConfig) -> None:
    # A provider pointed at another cloud or tenant would deploy policies that reject every token.
    cloud = stack.cloud
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
    holder: MemberType = "Application" if req.callers == "application" else "User"
    for index, value in enumerate(req.roles):
        backend_role(
            f"{where}.roles[{index}]",
            backend,
            value,
            holder,
            f"held by {req.callers} callers (allowedMemberTypes lacks {holder})",
        )
    for index, value in enumerate(req.scopes):
        backend_scope(f"{where}.scopes[{index}]", backend, value)


def check_apis(apis: Sequence[ApiSettings], backend: BackendSettings) -> None:
    for index, api in enumerate(apis):
        if api.oauth is None:
            continue
        if api.requirements is not None:
            check_requirements(key(f"apis[{index}].oauth"), api.requirements, backend)
        for op_index, op in enumerate(api.operations):
            check_requirements(key(f"apis[{index}].oauth.operations[{op_index}]"), op, backend)
