"""A caller that is an existing Azure managed identity: no app registration, no credential to keep.

A managed identity is a service principal Azure made: it receives an app role by an app role
assignment whose principal is its principal (object) ID and whose resource is the API's service
principal (entra-docs `how-to-assign-app-role-managed-identity.md`; azuread `AppRoleAssignment
{app_role_id, principal_object_id, resource_object_id}`, each replacing on change:
hashicorp/terraform-provider-azuread `docs/resources/app_role_assignment.md`). Its tokens, fetched
from IMDS with the API's App ID URI as `resource`, carry those roles, its client ID as `azp`/`appid`
and its principal ID as `oid` (docs/design/callers-without-secrets.md, section 1). The platform
caches them: a new role can take hours to reach a token (entra-docs
`managed-identity-best-practice-recommendations.md`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azuread as azuread

from apim_oauth.components.entra.client_app import AppRoleGrant


@dataclass(frozen=True)
class ManagedIdentityCallerArgs:
    """Which identity, and the roles it gets."""

    principal_id: str
    """The identity's principal (object) ID, from configuration."""
    client_id: str | None
    """Its client ID, from configuration; None where no policy names it."""
    role_grants: tuple[AppRoleGrant, ...]
    """Every application permission it gets, and no other; distinct keys."""


class ManagedIdentityCaller(pulumi.ComponentResource):
    """The app role assignments of a managed identity that calls the gateway."""

    client_id: str | None
    principal_id: str
    role_assignments: dict[str, azuread.AppRoleAssignment]
    """Grant key -> the assignment of that app role to the identity."""

    def __init__(
        self, name: str, args: ManagedIdentityCallerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("apim-oauth:entra:ManagedIdentityCaller", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.client_id = args.client_id
        self.principal_id = args.principal_id
        # Named as a registered client's grants are (`<client>-role-<key>`).
        self.role_assignments = {
            g.key: azuread.AppRoleAssignment(
                f"{name}-role-{g.key}",
                azuread.AppRoleAssignmentArgs(
                    app_role_id=g.app_role_id,
                    principal_object_id=args.principal_id,
                    resource_object_id=g.resource_object_id,
                ),
                opts=child,
            )
            for g in args.role_grants
        }
        self.register_outputs({"clientId": args.client_id, "principalId": args.principal_id})
