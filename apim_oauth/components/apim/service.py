"""The API Management service: its resource group, managed identity, Entra role and owner users.

The service's system-assigned identity is what APIM uses to register Entra apps for products with
application-based access (docs/sources.md#apim-application-based-access); it needs the directory role Application Administrator,
which only a Privileged Role Administrator (or a pipeline identity with
`RoleManagement.ReadWrite.Directory`) can grant (docs/sources.md#apim-application-based-access). Teams whose administrator grants
the role by hand turn `assign_application_administrator` off.

A new role reaches the identity's tokens only after it has propagated, and the platform caches a
managed identity's token for around 24 hours without a way to refresh it early (entra-docs,
managed-identity-best-practice-recommendations.md, "Limitation of using managed identities for
authorization"): APIM must not fetch its first Graph token before the role is there. So what needs
the role waits for `role_ready`, a pause after the assignment is created (once: the pause runs on
create only, and again only for a new assignment).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azuread as azuread
import pulumiverse_time
from pulumi_azure_native import apimanagement, resources

# Directory role *template* ID of Application Administrator (docs/sources.md#well-known-ids-and-naming-rules): the same in every tenant,
# which is what `DirectoryRoleAssignment.role_id` expects for a built-in role.
APPLICATION_ADMINISTRATOR_ROLE_ID = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"
ROLE_PROPAGATION_PAUSE = "5m"
"""How long `role_ready` waits after the assignment. How long a directory role assignment takes to
reach token issuance is not documented: this is a guess, and the one line to change."""


@dataclass(frozen=True)
class ApimUser:
    """An APIM user; here, one that owns client applications (docs/sources.md#apim-application-based-access)."""

    user_id: str
    """The user's identifier inside the service (the key of `Service.user_ids`)."""
    email: str
    first_name: str
    last_name: str


@dataclass(frozen=True)
class ServiceArgs:
    """What the service is made of."""

    service_name: str
    """The service's name: the first label of its gateway host name."""
    resource_group_name: str
    """The resource group the service lives in."""
    create_resource_group: bool
    """Create the resource group here; False uses an existing one."""
    location: str
    """Azure region of the service (and of the resource group, when created)."""
    sku: str
    """Pricing tier (`Developer`, `Premium`, ...)."""
    capacity: int
    """Scale units of the tier."""
    publisher_name: str
    publisher_email: str
    """Who publishes the APIs; APIM sends its notifications to this address."""
    protect: bool
    """Mark the service and the group it creates `protect`ed, so neither `pulumi destroy` nor a rename
    can delete them."""
    assign_application_administrator: bool
    """Give the service's identity the Entra role Application Administrator; False when an
    administrator grants it by hand."""
    users: tuple[ApimUser, ...] = ()
    """APIM users to create (owners of client applications)."""


class Service(pulumi.ComponentResource):
    """An API Management instance with a system-assigned identity that may register Entra apps."""

    resource_group_name: pulumi.Output[str]
    service_name: pulumi.Output[str]
    gateway_url: pulumi.Output[str]
    principal_id: pulumi.Output[str]
    """Object ID of the service's system-assigned identity (its service principal in Entra)."""
    role_assignment: azuread.DirectoryRoleAssignment | None
    """Application Administrator for the identity; None when an administrator grants it by hand."""
    role_ready: pulumi.Resource | None
    """What must exist before APIM uses the role: the pause after the assignment; None when an
    administrator grants the role (then before the first `up` that registers client applications)."""
    service_id: pulumi.Output[str]
    """ARM resource ID of the service."""
    user_ids: dict[str, pulumi.Output[str]]
    """`ApimUser.user_id` -> ARM resource ID of the APIM user (the form `ClientApplication.owner_id` takes)."""
    service: apimanagement.ApiManagementService

    def __init__(self, name: str, args: ServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("apim-oauth:apim:Service", name, None, opts)
        s = args
        child = pulumi.ResourceOptions(parent=self)
        # Deleting the resource group deletes the service inside it, so a protected service needs a
        # protected group too: otherwise a rename of the group would still take the service with it.
        protected = pulumi.ResourceOptions(parent=self, protect=True) if s.protect else child

        if s.create_resource_group:
            group = resources.ResourceGroup(
                f"{name}-rg",
                resource_group_name=s.resource_group_name,
                location=s.location,
                # Retained: turning `createResourceGroup` off, or naming another group, must not delete
                # this one, and Azure deletes a group with everything in it, the service included
                # (ARM "Resource Groups - Delete"). Pulumi forgets the group instead; removing it is a
                # deliberate act outside the program (docs/lifecycle.md).
                opts=pulumi.ResourceOptions.merge(protected, pulumi.ResourceOptions(retain_on_delete=True)),
            )
            self.resource_group_name = group.name
        else:
            self.resource_group_name = pulumi.Output.from_input(s.resource_group_name)

        self.service = apimanagement.ApiManagementService(
            f"{name}-service",
            service_name=s.service_name,
            resource_group_name=self.resource_group_name,
            location=s.location,
            sku=apimanagement.ApiManagementServiceSkuPropertiesArgs(name=s.sku, capacity=s.capacity),
            publisher_name=s.publisher_name,
            publisher_email=s.publisher_email,
            # The identity APIM uses to create the Entra apps of application-based access (docs/sources.md#apim-application-based-access).
            identity=apimanagement.ApiManagementServiceIdentityArgs(
                type=apimanagement.ApimIdentityType.SYSTEM_ASSIGNED
            ),
            opts=protected,
        )
        self.service_name = self.service.name
        self.service_id = self.service.id
        self.gateway_url = self.service.gateway_url
        self.principal_id = self.service.identity.apply(_principal_id)

        self.role_assignment = None
        self.role_ready = None
        if s.assign_application_administrator:
            self._application_administrator(name)
        self.user_ids = {user.user_id: self._user(name, user) for user in s.users}

        self.register_outputs(
            {
                "resourceGroupName": self.resource_group_name,
                "serviceName": self.service_name,
                "gatewayUrl": self.gateway_url,
                "principalId": self.principal_id,
                "userIds": self.user_ids,
            }
        )

    def _application_administrator(self, name: str) -> None:
        # Needs Privileged Role Administrator (or RoleManagement.ReadWrite.Directory) from whoever
        # deploys (docs/sources.md#apim-application-based-access). Only this assignment waits for the service: it needs the
        # principal ID, which exists once the service does.
        self.role_assignment = azuread.DirectoryRoleAssignment(
            f"{name}-application-administrator",
            role_id=APPLICATION_ADMINISTRATOR_ROLE_ID,
            principal_object_id=self.principal_id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.role_ready = pulumiverse_time.Sleep(
            f"{name}-role-propagation",
            create_duration=ROLE_PROPAGATION_PAUSE,
            # A new assignment (a new identity, after the service is replaced) waits again.
            triggers={"assignment": self.role_assignment.id},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.role_assignment]),
        )

    def _user(self, name: str, user: ApimUser) -> pulumi.Output[str]:
        apim_user = apimanagement.User(
            f"{name}-user-{user.user_id}",
            user_id=user.user_id,
            resource_group_name=self.resource_group_name,
            service_name=self.service_name,
            email=user.email,
            first_name=user.first_name,
            last_name=user.last_name,
            # Owners exist to own client applications (docs/sources.md#apim-application-based-access); they need no sign-up mail.
            state=apimanagement.UserState.ACTIVE,
            notify=False,
            opts=pulumi.ResourceOptions(parent=self),
        )
        # The full ARM ID: ARM accepts `/users/{id}` in a ClientApplication's ownerId but reports
        # the full ID back (API 2024-10-01-preview examples), so this form reads back unchanged.
        return apim_user.id


def _principal_id(identity: apimanagement.outputs.ApiManagementServiceIdentityResponse | None) -> str:
    if identity is None or not identity.principal_id:
        # Only reachable if Azure dropped the identity we declared; the role would go to no one.
        raise ValueError("the API Management service reports no system-assigned identity principal ID")
    return identity.principal_id
