"""Which input changes make the provider replace a resource instead of updating it, per resource type.

Sources (read for this table, not guessed):
- pulumi-azure-native 3.29.0 (the version pinned here), `provider/pkg/gen`: every path parameter of a
  resource's PUT operation is an input with `WillReplaceOnChanges` (its ARM ID changes with it;
  `mergePathParamsAsInputs`/`operationInputs`); `properties.go` `forceNew`: a property with
  `x-ms-mutability` create and read but not update forces a replacement; `replacement.go`
  `forceNewMap`: `Resources.ResourceGroup: location`. Below: the path parameters of each type's PUT
  in the Microsoft.ApiManagement and Microsoft.Resources specs.
- terraform-provider-azuread v3.9.0 (git f0169e0; pulumi-azuread 6.x bridges its v3 line), each
  resource's schema in `internal/services/**/<resource>_resource.go`: the attributes with
  `ForceNew: true`, in the Pulumi SDK's camelCase names.

Open question, one line to change: the APIM service's `location` (ARM guideline RPC-Put-V1-14 makes a
tracked resource's location create-only; the apimanagement spec's own `x-ms-mutability` was not read
here). A resource group's `location` is force-new in azure-native's own map.
"""

from __future__ import annotations

_APIM_PARENT = ("resourceGroupName", "serviceName")

FORCE_NEW: dict[str, frozenset[str]] = {
    # azure-native: path parameters (and create-only properties)
    "azure-native:resources:ResourceGroup": frozenset({"resourceGroupName", "location"}),
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
    # azuread: `ForceNew: true` in the Terraform schema
    "azuread:index/application:Application": frozenset({"templateId"}),
    "azuread:index/applicationIdentifierUri:ApplicationIdentifierUri": frozenset(
        {"applicationId", "identifierUri"}
    ),
    "azuread:index/applicationPassword:ApplicationPassword": frozenset(
        {"applicationId", "displayName", "startDate", "endDate", "endDateRelative", "rotateWhenChanged"}
    ),
    "azuread:index/servicePrincipal:ServicePrincipal": frozenset({"clientId"}),
    "azuread:index/appRoleAssignment:AppRoleAssignment": frozenset(
        {"appRoleId", "principalObjectId", "resourceObjectId"}
    ),
    "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment": frozenset(
        {"roleId", "principalObjectId", "appScopeId", "directoryScopeId"}
    ),
    "azuread:index/servicePrincipalDelegatedPermissionGrant:ServicePrincipalDelegatedPermissionGrant": frozenset(
        {"resourceServicePrincipalObjectId", "servicePrincipalObjectId", "userObjectId"}
    ),
}


def forces_replacement(type_: str, property_path: str) -> bool:
    """Whether a change at `property_path` (`a.b.c`) replaces a resource of `type_` (its top-level property)."""
    return property_path.split(".", 1)[0] in FORCE_NEW.get(type_, frozenset())
