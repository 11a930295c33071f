"""The developer portal's own settings: sign-in with Entra ID, and publishing what it bakes in.

Sign-in is the APIM identity provider `aad` (azure-docs `includes/api-management-developer-portal-entra-app.md`,
2025-12-03; contract `Microsoft.ApiManagement/service/identityProviders@2024-05-01`). The published
portal keeps the provider's client ID, authority, sign-in tenant and client library, and the test
consoles' settings, as they were at publishing time (Azure/api-management-developer-portal
`src/publishing/aadConfigPublisher.ts`; azure-docs `api-management-howto-oauth2.md`: "republish the
developer portal after every modification"), so this component also publishes a new portal revision
whenever those values change, and only then.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
from pulumi_azure_native import apimanagement, resources

from apim_oauth.azure.developer_portal import (
    AAD_CLIENT_LIBRARY,
    portal_deployment_name,
    portal_revision_template,
    revision_name,
)

# azure-native 3.29 has no typed PortalRevision (no `portalRevisions` in the SDK): the revision goes in
# an ARM template (`apim_oauth.azure.developer_portal.portal_revision_template`).


@dataclass(frozen=True)
class PortalSignInArgs:
    """The `aad` identity provider: who may sign in to the portal with Entra ID."""

    client_id: pulumi.Input[str]
    """Client ID of the portal's sign-in app (SPA redirect to `/signin`)."""
    client_secret: pulumi.Input[str]
    """That app's active secret: the contract requires one (a secret output)."""
    authority: str
    """The cloud's login host: the portal fetches `https://{authority}/{tenant}/.well-known/...`."""
    signin_tenant: str
    """The tenant the portal signs users in with (instead of `common`)."""
    allowed_tenants: tuple[str, ...]
    """Tenants whose users may sign in (at most 32, the contract's limit)."""


@dataclass(frozen=True)
class DeveloperPortalArgs:
    """What the portal is configured with and when to publish it."""

    resource_group_name: pulumi.Input[str]
    service_name: pulumi.Input[str]
    sign_in: PortalSignInArgs | None = None
    """Sign-in with Entra ID; None leaves the portal's identity providers alone."""
    baked_in: Mapping[str, pulumi.Input[object]] = field(default_factory=dict[str, pulumi.Input[object]])
    """What the published portal keeps besides sign-in (each test console's server settings), by key;
    empty and no sign-in: nothing is published."""
    published_after: Sequence[pulumi.Resource] = ()
    """Resources the portal reads when it publishes (authorization servers, APIs naming them)."""


class DeveloperPortal(pulumi.ComponentResource):
    """The `aad` identity provider and the portal revision that publishes it."""

    identity_provider: apimanagement.IdentityProvider | None
    revision: resources.Deployment | None
    revision_name: pulumi.Output[str] | None
    """The published revision's name: a hash of what the portal bakes in."""

    def __init__(
        self, name: str, args: DeveloperPortalArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("apim-oauth:apim:DeveloperPortal", name, None, opts)
        baked: dict[str, pulumi.Input[object]] = dict(args.baked_in)
        waits: list[pulumi.Resource] = list(args.published_after)

        self.identity_provider = None
        if (s := args.sign_in) is not None:
            self.identity_provider = apimanagement.IdentityProvider(
                f"{name}-aad",
                # The resource name is the provider type (contract: `aad`, `aadB2C`, ...).
                identity_provider_name=apimanagement.IdentityProviderType.AAD,
                resource_group_name=args.resource_group_name,
                service_name=args.service_name,
                type=apimanagement.IdentityProviderType.AAD,
                client_id=s.client_id,
                client_secret=pulumi.Output.secret(s.client_secret),
                client_library=AAD_CLIENT_LIBRARY,
                # Explicit per cloud: the portal builds its authority URL from it (`aadServiceV2.ts`).
                authority=s.authority,
                signin_tenant=s.signin_tenant,
                allowed_tenants=list(s.allowed_tenants),
                opts=pulumi.ResourceOptions(parent=self, additional_secret_outputs=["clientSecret"]),
            )
            waits.append(self.identity_provider)
            # What `aadConfigPublisher.ts` writes into the published runtime configuration.
            baked["aad"] = {
                "clientId": s.client_id,
                "authority": s.authority,
                "signinTenant": s.signin_tenant,
                "clientLibrary": AAD_CLIENT_LIBRARY,
                "allowedTenants": list(s.allowed_tenants),
            }

        self.revision = None
        self.revision_name = None
        if baked:
            # Client IDs are outputs: the name is known once the apps exist, and stays the same after.
            self.revision_name = pulumi.Output.from_input(baked).apply(revision_name)
            service_name = pulumi.Output.from_input(args.service_name)
            # A template deployment, not the generic resource (which the provider would send with a
            # location: docs/azure-contract.md, section 1). A new name is a new template, so the
            # deployment runs and the portal publishes; an unchanged one sends nothing. Deleting the
            # deployment deletes its record only: published revisions stay (the API cannot delete them).
            self.revision = resources.Deployment(
                f"{name}-revision",
                deployment_name=service_name.apply(portal_deployment_name),
                resource_group_name=args.resource_group_name,
                properties=resources.DeploymentPropertiesArgs(
                    # Incremental: the revision is created; nothing else in the resource group is touched.
                    mode=resources.DeploymentMode.INCREMENTAL,
                    template=pulumi.Output.all(service_name, self.revision_name).apply(
                        lambda v: portal_revision_template(v[0], v[1])
                    ),
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=waits),
            )

        outputs: dict[str, object] = {}
        if self.revision_name is not None:
            outputs["revisionName"] = self.revision_name
        self.register_outputs(outputs)
