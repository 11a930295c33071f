"""IDs the offline engine gives resources: GUIDs from names, ARM IDs shaped as Azure's."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

_NAMESPACE = uuid.UUID("6f1f7c3e-2a8b-5d4e-9c0a-7b1e3d5f9a2c")


def stable_guid(*parts: str) -> str:
    """A GUID that depends only on `parts`."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


OFFLINE_SUBSCRIPTION_ID = stable_guid("subscription")


# azure-native type -> (input that names the Azure resource, ARM path below the resource group); the
# inputs are the SDK's path parameters (pulumi_azure_native 3.29.0, e.g. `ProductApiLink.api_link_id`).
_APIM = "providers/Microsoft.ApiManagement/service/{serviceName}"
_ARM_PATHS: dict[str, tuple[str, str]] = {
    "azure-native:apimanagement:ApiManagementService": (
        "serviceName",
        "providers/Microsoft.ApiManagement/service/{name}",
    ),
    "azure-native:apimanagement:Api": ("apiId", _APIM + "/apis/{name}"),
    "azure-native:apimanagement:ApiPolicy": ("policyId", _APIM + "/apis/{apiId}/policies/{name}"),
    "azure-native:apimanagement:ApiOperationPolicy": (
        "policyId",
        _APIM + "/apis/{apiId}/operations/{operationId}/policies/{name}",
    ),
    "azure-native:apimanagement:Product": ("productId", _APIM + "/products/{name}"),
    "azure-native:apimanagement:ProductPolicy": ("policyId", _APIM + "/products/{productId}/policies/{name}"),
    "azure-native:apimanagement:ProductApiLink": (
        "apiLinkId",
        _APIM + "/products/{productId}/apiLinks/{name}",
    ),
    "azure-native:apimanagement:User": ("userId", _APIM + "/users/{name}"),
    "azure-native:apimanagement:ClientApplication": (
        "clientApplicationId",
        _APIM + "/clientApplications/{name}",
    ),
    "azure-native:apimanagement:ClientApplicationProductLink": (
        "clientApplicationProductLinkId",
        _APIM + "/clientApplications/{clientApplicationId}/productLinks/{name}",
    ),
    "azure-native:resources:Deployment": (
        "deploymentName",
        "providers/Microsoft.Resources/deployments/{name}",
    ),
    "azure-native:apimanagement:AuthorizationServer": ("authsid", _APIM + "/authorizationServers/{name}"),
    "azure-native:apimanagement:IdentityProvider": (
        "identityProviderName",
        _APIM + "/identityProviders/{name}",
    ),
    "azure-native:keyvault:Vault": ("vaultName", "providers/Microsoft.KeyVault/vaults/{name}"),
    "azure-native:keyvault:Secret": (
        "secretName",
        "providers/Microsoft.KeyVault/vaults/{vaultName}/secrets/{name}",
    ),
    "azure-native:resources:Resource": (
        "resourceName",
        "providers/{resourceProviderNamespace}/{parentResourcePath}/{resourceType}/{name}",
    ),
}


def azure_name(type_: str, name: str, inputs: Mapping[str, Any]) -> str:
    """The name Azure gives the resource: its name input, else the Pulumi name (no auto-naming offline)."""
    if type_ == "azure-native:resources:ResourceGroup":
        return str(inputs.get("resourceGroupName") or name)
    key = _ARM_PATHS.get(type_, ("", ""))[0]
    return str(inputs.get(key) or name)


def arm_like_id(type_: str, name: str, inputs: Mapping[str, Any]) -> str:
    if not type_.startswith("azure-native:"):
        return stable_guid(type_, name)
    subscription = f"/subscriptions/{OFFLINE_SUBSCRIPTION_ID}"
    own_name = azure_name(type_, name, inputs)
    if type_ == "azure-native:resources:ResourceGroup":
        return f"{subscription}/resourceGroups/{own_name}"
    template = _ARM_PATHS.get(type_, ("", "providers/{type}/{name}"))[1]
    values = {k: str(v) for k, v in inputs.items() if isinstance(v, str)}
    values.update(name=own_name, type=type_.split(":", 1)[1])
    path = template.format_map(_Default(values))
    return f"{subscription}/resourceGroups/{inputs.get('resourceGroupName') or 'unknown'}/{path}"


class _Default(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return f"{{{key}}}"
