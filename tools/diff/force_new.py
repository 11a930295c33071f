"""Which input changes make the provider replace a resource instead of updating it, per resource type.

Sources (read for this table, not guessed):
- pulumi-azure-native (the SDK pinned here is 3.29.0; provider sources read at the commits the
  search index holds): each path parameter of a resource's PUT (resource group, service and the
  resource's own name) is part of its ARM ID and is an input with `WillReplaceOnChanges` (as in the
  provider's hand-written resources too, `provider/pkg/resources/customresources/
  custom_servicebus_defaultrule.go`); `provider/pkg/gen/properties.go` `forceNew`: a property with
  `x-ms-mutability` create and read but not update forces a replacement; `provider/pkg/gen/
  replacement.go` `forceNewMap`: `Resources.ResourceGroup: location`. Below: the path parameters of
  each type's PUT, in the SDK's input names (`pulumi_azure_native.apimanagement`, `.resources`).
- terraform-provider-azuread v3.9.0 (git f0169e0; pulumi-azuread 6.x bridges its v3 line), each
  resource's schema in `internal/services/**/<resource>_resource.go`: the attributes with
  `ForceNew: true`, in the Pulumi SDK's camelCase names.

The APIM service's `location` is create-only in its spec (azure-rest-api-specs, Microsoft.ApiManagement
stable/2024-05-01 apimdeployment.json, `ApiManagementServiceResource.location`: `x-ms-mutability`
read and create), so azure-native marks it force-new; a resource group's `location` is in
azure-native's own map.
"""

from __future__ import annotations

_APIM_PARENT = ("resourceGroupName", "serviceName")

FORCE_NEW: dict[str, frozenset[str]] = {
    # azure-native: path parameters (and create-only properties)
    "azure-native:resources:ResourceGroup": frozenset({"resourceGroupName", "location"}),
    "azure-native:resources:Deployment": frozenset({"resourceGroupName", "deploymentName"}),
    "azure-native:resources:Resource": frozenset(
        {
            "resourceGroupName",
            "resourceProviderNamespace",
            "parentResourcePath",
            "resourceType",
            "resourceName",
        }
    ),
    "azure-native:apimanagement:ApiManagementService": frozenset({*_APIM_PARENT, "location"}),
    "azure-native:apimanagement:Api": frozenset({*_APIM_PARENT, "apiId"}),
    "azure-native:apimanagement:ApiOperation": frozenset({*_APIM_PARENT, "apiId", "operationId"}),
    "azure-native:apimanagement:ApiPolicy": frozenset({*_APIM_PARENT, "apiId", "policyId"}),
    "azure-native:apimanagement:ApiOperationPolicy": frozenset(
        {*_APIM_PARENT, "apiId", "operationId", "policyId"}
    ),
    "azure-native:apimanagement:Product": frozenset({*_APIM_PARENT, "productId"}),
    "azure-native:apimanagement:ProductPolicy": frozenset({*_APIM_PARENT, "productId", "policyId"}),
    "azure-native:apimanagement:ProductApiLink": frozenset({*_APIM_PARENT, "productId", "apiLinkId"}),
    "azure-native:apimanagement:User": frozenset({*_APIM_PARENT, "userId"}),
    "azure-native:apimanagement:ClientApplication": frozenset({*_APIM_PARENT, "clientApplicationId"}),
    "azure-native:apimanagement:ClientApplicationProductLink": frozenset(
        {*_APIM_PARENT, "clientApplicationId", "clientApplicationProductLinkId"}
    ),
    "azure-native:apimanagement:AuthorizationServer": frozenset({*_APIM_PARENT, "authsid"}),
    "azure-native:apimanagement:IdentityProvider": frozenset({*_APIM_PARENT, "identityProviderName"}),
    "azure-native:keyvault:Vault": frozenset({"resourceGroupName", "vaultName"}),
    "azure-native:keyvault:Secret": frozenset({"resourceGroupName", "vaultName", "secretName"}),
    # A role assignment's PUT is `{scope}/providers/Microsoft.Authorization/roleAssignments/{name}`; the
    # name this program gives one derives from the secret, the principal and the role, so a change
    # of either is a new name too.
    "azure-native:authorization:RoleAssignment": frozenset({"scope", "roleAssignmentName"}),
    # azuread: `ForceNew: true` in the Terraform schema
    "azuread:index/application:Application": frozenset({"templateId"}),
    "azuread:index/applicationIdentifierUri:ApplicationIdentifierUri": frozenset(
        {"applicationId", "identifierUri"}
    ),
    "azuread:index/applicationPassword:ApplicationPassword": frozenset(
        {"applicationId", "displayName", "startDate", "endDate", "endDateRelative", "rotateWhenChanged"}
    ),
    "azuread:index/servicePrincipal:ServicePrincipal": frozenset({"clientId"}),
    "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential": frozenset(
        {"applicationId", "displayName"}
    ),
    "azuread:index/applicationCertificate:ApplicationCertificate": frozenset(
        {"applicationId", "encoding", "endDate", "endDateRelative", "keyId", "startDate", "type", "value"}
    ),
    "azuread:index/appRoleAssignment:AppRoleAssignment": frozenset(
        {"appRoleId", "principalObjectId", "resourceObjectId"}
    ),
    "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment": frozenset(
        {"roleId", "principalObjectId", "appScopeId", "directoryScopeId"}
    ),
    "azuread:index/servicePrincipalDelegatedPermissionGrant:ServicePrincipalDelegatedPermissionGrant": frozenset(
        {"resourceServicePrincipalObjectId", "servicePrincipalObjectId", "userObjectId"}
    ),
    # pulumiverse-time, bridged from terraform-provider-time: `internal/provider/resource_time_sleep.go`,
    # `triggers` has the RequiresReplace plan modifier; the durations update in place.
    "time:index/sleep:Sleep": frozenset({"triggers"}),
}


def forces_replacement(type_: str, property_path: str) -> bool:
    """Whether a change at `property_path` (`a.b.c`) replaces a resource of `type_` (its top-level property)."""
    return property_path.split(".", 1)[0] in FORCE_NEW.get(type_, frozenset())
