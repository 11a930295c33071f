"""The gateway's right to call a backend: the backend app's role for it, assigned to APIM's identity.

`authentication-managed-identity` gets a token for the backend with APIM's system-assigned identity
(azure-docs `authentication-managed-identity-policy.md`). Entra puts an app role in that token's
`roles` once the role is assigned to the identity's service principal: an app role assignment whose
principal is the identity (ARM `identity.principalId`) and whose resource is the backend's service
principal (entra-docs `how-to-assign-app-role-managed-identity.md`). In the azuread provider that is
`AppRoleAssignment {app_role_id, principal_object_id, resource_object_id}`, each replacing on change
(hashicorp/terraform-provider-azuread `docs/resources/app_role_assignment.md`); creating it needs
`AppRoleAssignment.ReadWrite.All` and `Application.Read.All` (pipeline) or Application Administrator.

The platform caches a managed identity's token per resource for around 24 hours, with no way to
refresh it early (entra-docs `managed-identity-best-practice-recommendations.md`, "Limitation of
using managed identities for authorization"): a token the gateway fetched before the role reached
token issuance would lack the role for hours. So `ready` is a pause after the assignment is created
(the service's `ROLE_PROPAGATION_PAUSE`, once per assignment), and the policy step that fetches the
token waits for it.

The assignment waits for the APIM service (it needs the principal ID); nothing else Entra-side here
does. The component also reports, per API, what the backend's own token validation must accept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_azuread as azuread
import pulumiverse_time

from apim_oauth.azure.clouds import Cloud, TokenVersion
from apim_oauth.azure.onward_token import backend_check
from apim_oauth.components.apim.service import ROLE_PROPAGATION_PAUSE


@dataclass(frozen=True)
class OnwardCall:
    """One API whose backend the gateway calls with its managed identity."""

    set_on: str
    """Where the policy step is: `api`, or `product <name>`."""
    resource_is_client_id: bool
    """The policy asks for a token for the backend app's client ID (else for its App ID URI)."""


@dataclass(frozen=True)
class GatewayAccessArgs:
    """Who gets which role on which backend."""

    principal_object_id: pulumi.Input[str]
    """Object ID of APIM's system-assigned identity (ARM `identity.principalId`)."""
    resource_object_id: pulumi.Input[str]
    """Object ID of the backend app's service principal."""
    app_role_id: str
    """The stable GUID of the gateway's app role on the backend app."""
    app_role_value: str
    """The role's value: what the gateway's tokens carry in `roles`."""
    backend_client_id: pulumi.Input[str]
    backend_app_id_uri: pulumi.Input[str]
    cloud: Cloud
    tenant_id: str
    token_version: TokenVersion
    """The backend app's access token version (its `requestedAccessTokenVersion`)."""
    calls: Mapping[str, OnwardCall] = field(default_factory=dict[str, OnwardCall])
    """API name -> how the gateway calls its backend."""


class GatewayAccess(pulumi.ComponentResource):
    """The app role assignment that lets the gateway's managed identity get tokens with the backend's role."""

    assignment: azuread.AppRoleAssignment
    ready: pulumiverse_time.Sleep
    """Done once the role can be in the gateway's tokens: what the policy step waits for."""
    resources: dict[str, pulumi.Output[str]]
    """API name -> what the gateway asks a token for (the `resource` of its policy step)."""
    backend_checks: dict[str, pulumi.Output[dict[str, Any]]]
    """API name -> what the backend must accept: `issuer`, `audience`, `gatewayObjectId` (the token's
    `oid`), `role` (in its `roles`), with the `resource` the gateway asks for and where that is set."""

    def __init__(
        self, name: str, args: GatewayAccessArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("apim-oauth:entra:GatewayAccess", name, None, opts)
        self.assignment = azuread.AppRoleAssignment(
            f"{name}-assignment",
            azuread.AppRoleAssignmentArgs(
                app_role_id=args.app_role_id,
                principal_object_id=args.principal_object_id,
                resource_object_id=args.resource_object_id,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.ready = pulumiverse_time.Sleep(
            f"{name}-propagation",
            create_duration=ROLE_PROPAGATION_PAUSE,
            # A new assignment (a new identity, after the service is replaced) waits again.
            triggers={"assignment": self.assignment.id},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.assignment]),
        )
        # The backend app's client ID by default (the policy reference's example for "your own" app),
        # else its App ID URI (the configuration checked that a written-out URI is that one).
        self.resources = {
            api: pulumi.Output.from_input(
                args.backend_client_id if call.resource_is_client_id else args.backend_app_id_uri
            )
            for api, call in args.calls.items()
        }
        self.backend_checks = {
            api: pulumi.Output.all(
                args.backend_client_id, self.resources[api], args.principal_object_id
            ).apply(lambda v, call=call: _check(args, call, client_id=v[0], resource=v[1], principal_id=v[2]))
            for api, call in args.calls.items()
        }
        self.register_outputs({"assignmentId": self.assignment.id, "backendChecks": self.backend_checks})


def _check(
    args: GatewayAccessArgs, call: OnwardCall, *, client_id: str, resource: str, principal_id: str
) -> dict[str, Any]:
    check = backend_check(
        args.cloud, args.tenant_id, args.token_version, resource=resource, client_id=client_id
    )
    return {
        "authentication": "managed-identity",
        "setOn": call.set_on,
        "resource": resource,
        "issuer": check.issuer,
        "audience": check.audience,
        "tokenVersion": check.token_version,
        "gatewayObjectId": principal_id,
        "role": args.app_role_value,
        "roleId": args.app_role_id,
    }
