"""Who may sign in: users and groups assigned to an API's service principal, per app role.

With `appRoleAssignmentRequired` on a service principal, Entra issues tokens for it only to
principals assigned to it: an unassigned user gets AADSTS50105 (entra-docs
`howto-restrict-your-app-to-a-set-of-users.md`, `reference-error-codes.md`). An assignment is
`azuread.AppRoleAssignment {app_role_id, principal_object_id, resource_object_id}`, every field
replacing on change (hashicorp/terraform-provider-azuread `docs/resources/app_role_assignment.md`);
`00000000-0000-0000-0000-000000000000` is the default access role. A group assignment covers its
direct members only (Graph `appRoleAssignment`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azuread as azuread

DEFAULT_ACCESS_ROLE_ID = "00000000-0000-0000-0000-000000000000"
"""The app role ID of an assignment "without any specific app roles" (Graph `appRoleAssignment.appRoleId`)."""


@dataclass(frozen=True)
class UserAssignment:
    """One user or group assigned one role."""

    key: str
    """Stable, unique suffix of the assignment's resource name (role and principal); a new key replaces it."""
    app_role_id: str
    """The role's GUID on the API's app, or `DEFAULT_ACCESS_ROLE_ID`."""
    principal_object_id: str
    """Object ID of the user or group."""


@dataclass(frozen=True)
class UserAssignmentsArgs:
    resource_object_id: pulumi.Input[str]
    """Object ID of the API's service principal."""
    assignments: tuple[UserAssignment, ...]


class UserAssignments(pulumi.ComponentResource):
    """The app role assignments that let the configured users and groups get tokens for an API."""

    assignments: dict[str, azuread.AppRoleAssignment]
    """Assignment key -> its resource."""

    def __init__(
        self, name: str, args: UserAssignmentsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("apim-oauth:entra:UserAssignments", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.assignments = {
            a.key: azuread.AppRoleAssignment(
                f"{name}-{a.key}",
                azuread.AppRoleAssignmentArgs(
                    app_role_id=a.app_role_id,
                    principal_object_id=a.principal_object_id,
                    resource_object_id=args.resource_object_id,
                ),
                opts=child,
            )
            for a in args.assignments
        }
        self.register_outputs({"count": len(self.assignments)})
