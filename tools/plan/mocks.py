"""The offline engine's answers: deterministic IDs and outputs for each resource, and the invokes.

Every ID and fabricated output is derived from the resource's type and name (uuid5), never from a
random source or the clock, so the same configuration gives a byte-identical plan on any day.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any, cast

import pulumi

from apim_oauth.azure.clouds import Cloud
from tools.plan.arm_ids import OFFLINE_SUBSCRIPTION_ID, arm_like_id, azure_name, stable_guid
from tools.plan.model import is_secret

# The identity that runs `pulumi up`; the getClientConfig invokes answer with it.
DEPLOYER_CLIENT_ID = stable_guid("deployer-client")
DEPLOYER_OBJECT_ID = stable_guid("deployer-object")


class OfflineMocks(pulumi.runtime.Mocks):
    """Deterministic IDs and outputs; answers the invokes the program makes."""

    def __init__(self, *, tenant_id: str, cloud: Cloud) -> None:
        self.tenant_id = tenant_id
        self.cloud = cloud
        self.calls: list[str] = []
        """The token of each invoke answered, in order."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        fabricate = _FABRICATORS.get(args.typ)
        inputs = cast("dict[str, Any]", args.inputs)  # pyright: ignore[reportUnknownMemberType]
        outputs: dict[str, Any] = dict(inputs)
        # Mocks do no auto-naming: without a name, `resource.name` would resolve to None.
        if args.typ.startswith("azure-native:"):
            outputs["name"] = azure_name(args.typ, args.name, inputs)
        else:
            outputs.setdefault("name", args.name)
        if fabricate is not None:
            outputs.update(fabricate(self, args.name, inputs))
        resource_id = outputs.pop("__id", None) or arm_like_id(args.typ, args.name, inputs)
        return resource_id, outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        result = self._answer(args)
        self.calls.append(args.token)
        return result

    def _answer(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        if args.token in (
            "azuread:index/getClientConfig:getClientConfig",
            "azure-native:authorization:getClientConfig",
        ):
            config = {
                "clientId": DEPLOYER_CLIENT_ID,
                "objectId": DEPLOYER_OBJECT_ID,
                "tenantId": self.tenant_id,
                "subscriptionId": OFFLINE_SUBSCRIPTION_ID,
            }
            # The SDK wants a list of failures here, not None (docs/sources.md#the-pulumi-sdks-mocks).
            return config, []
        if args.token == "azuread:index/getServicePrincipal:getServicePrincipal":
            # A service principal that already exists in the tenant (Microsoft Graph's, say): its
            # object ID and the IDs of the scopes a program asks for, fabricated from the client ID.
            call_args = cast("dict[str, Any]", args.args)  # pyright: ignore[reportUnknownMemberType]
            client_id = str(call_args.get("clientId", ""))
            scopes = ("openid", "profile", "email", "offline_access", "User.Read")
            return {
                "clientId": client_id,
                "objectId": stable_guid("existing-sp", client_id),
                "oauth2PermissionScopeIds": {
                    s: stable_guid("existing-sp-scope", client_id, s) for s in scopes
                },
                "appRoleIds": {},
            }, []
        raise NotImplementedError(f"the offline engine does not answer the invoke {args.token}")


def _fake_secret(*parts: str) -> str:
    return "offline-" + hashlib.sha256("/".join(parts).encode()).hexdigest()[:32]


def _application(m: OfflineMocks, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    del m
    roles = cast("list[dict[str, Any]]", inputs.get("appRoles") or [])
    api = cast("dict[str, Any]", inputs.get("api") or {})
    scopes = cast("list[dict[str, Any]]", api.get("oauth2PermissionScopes") or [])
    client_id = stable_guid("client-id", name)
    return {
        "__id": f"/applications/{stable_guid('object-id', name)}",
        "clientId": client_id,
        "objectId": stable_guid("object-id", name),
        "appRoleIds": {r["value"]: r["id"] for r in roles if "value" in r},
        "oauth2PermissionScopeIds": {s["value"]: s["id"] for s in scopes if "value" in s},
    }


def _service_principal(m: OfflineMocks, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    object_id = stable_guid("sp-object-id", name)
    return {"__id": object_id, "objectId": object_id, "applicationTenantId": m.tenant_id}


def _application_password(m: OfflineMocks, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    del m, inputs
    key_id = stable_guid("key-id", name)
    return {"keyId": key_id, "value": _fake_secret("password", name)}


def _apim_service(m: OfflineMocks, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    service_name = str(inputs.get("serviceName") or name)
    identity = dict(inputs.get("identity") or {})
    if identity:
        identity.update({"principalId": stable_guid("apim-principal", name), "tenantId": m.tenant_id})
    return {"identity": identity, "gatewayUrl": m.cloud.gateway_url(service_name), "name": service_name}


def _apim_client_application(m: OfflineMocks, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    return {"entraApplicationId": stable_guid("apim-client-app", name), "entraTenantId": m.tenant_id}


def _directory_role_assignment(m: OfflineMocks, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    del m, inputs
    return {"__id": stable_guid("role-assignment", name)}


def _key_vault(m: OfflineMocks, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    vault = azure_name("azure-native:keyvault:Vault", name, inputs)
    properties = dict(inputs.get("properties") or {})
    return {"properties": {**properties, "vaultUri": f"https://{vault}.{m.cloud.key_vault_suffix}/"}}


def _key_vault_secret(m: OfflineMocks, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    # ARM never returns a secret's value (pulumi-azure-native `keyvault.SecretPropertiesArgs.value`):
    # neither does the offline engine, so no plan holds one. The properties arrive wrapped as a secret,
    # since the value inside them is one.
    given = cast("dict[str, Any]", inputs.get("properties") or {})
    if is_secret(given):
        given = cast("dict[str, Any]", given["value"])
    properties = {k: v for k, v in given.items() if k != "value"}
    secret = azure_name("azure-native:keyvault:Secret", name, inputs)
    uri = f"https://{inputs.get('vaultName')}.{m.cloud.key_vault_suffix}/secrets/{secret}"
    version = stable_guid("secret-version", name).replace("-", "")
    return {"properties": {**properties, "secretUri": uri, "secretUriWithVersion": f"{uri}/{version}"}}


def _role_assignment(m: OfflineMocks, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    del m
    guid = str(inputs.get("roleAssignmentName") or stable_guid("role-assignment", name))
    return {"__id": f"{inputs.get('scope')}/providers/Microsoft.Authorization/roleAssignments/{guid}"}


_FABRICATORS: dict[str, Callable[[OfflineMocks, str, Mapping[str, Any]], dict[str, Any]]] = {
    "azuread:index/application:Application": _application,
    "azuread:index/servicePrincipal:ServicePrincipal": _service_principal,
    "azuread:index/applicationPassword:ApplicationPassword": _application_password,
    "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment": _directory_role_assignment,
    "azure-native:apimanagement:ApiManagementService": _apim_service,
    "azure-native:apimanagement:ClientApplication": _apim_client_application,
    "azure-native:keyvault:Vault": _key_vault,
    "azure-native:keyvault:Secret": _key_vault_secret,
    "azure-native:authorization:RoleAssignment": _role_assignment,
}
