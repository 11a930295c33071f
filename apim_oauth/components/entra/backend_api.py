"""The Entra app that represents the API: scopes, app roles, App ID URI, service principal.

The portal steps of registering an API's app (docs/sources.md#protecting-an-api-with-entra-apps) as one component. Scope and role IDs come from
`apim_oauth.azure.ids.permission_id`, so they are known at plan time and never change for a given value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pulumi
import pulumi_azuread as azuread

from apim_oauth.azure.clouds import TokenVersion
from apim_oauth.azure.ids import permission_id

# The audience of a single-tenant line-of-business API; the other audiences change token rules.
SIGN_IN_AUDIENCE = "AzureADMyOrg"

# `ignore_changes` of every Application and ServicePrincipal: the identity that creates an app owns it,
# and later runs by other identities neither add nor remove owners. The owners passed are whoever runs
# Pulumi; else a PR preview (another identity) would show an owners change on every app, and one `up` by
# a person would drop the pipeline as owner (with `Application.ReadWrite.OwnedBy`, losing its own apps).
OWNERS_FIXED = ("owners",)


@dataclass(frozen=True)
class Owners:
    """Who owns the Entra apps the program registers (and their service principals)."""

    object_ids: pulumi.Input[Sequence[str]]
    """Object IDs: the deploying identity, and those the stack lists."""
    listed: bool = False
    """True when the stack lists owners (`apim-oauth:owners`): the list is the truth and every `up`
    reconciles it, so a pipeline with `Application.ReadWrite.OwnedBy` can manage apps a person
    created, and the reverse. False: the deploying identity, set at creation only (`OWNERS_FIXED`)."""

    @property
    def ignore_changes(self) -> list[str]:
        return [] if self.listed else [*OWNERS_FIXED]


@dataclass(frozen=True)
class Scope:
    """A delegated permission (OAuth2 scope) the app exposes."""

    value: str
    """What tokens carry in `scp`; its ID derives from it (`permission_id`)."""
    admin_consent_display_name: str
    admin_consent_description: str
    user_consent_display_name: str | None
    user_consent_description: str | None
    type: Literal["Admin", "User"]
    """Who may consent: `Admin` only, or each `User` for themselves."""
    enabled: bool


@dataclass(frozen=True)
class AppRole:
    """An app role the app defines (an application permission when `Application` may hold it)."""

    value: str
    """What tokens carry in `roles`; its ID derives from it (`permission_id`)."""
    display_name: str
    description: str
    allowed_member_types: tuple[Literal["Application", "User"], ...]
    """Who may be assigned the role: client applications, users, or both."""
    enabled: bool


@dataclass(frozen=True)
class BackendApiArgs:
    """What the backend app is made of. Scope and role values are distinct from each other (they
    share one namespace on an app registration) and follow Entra's rules (docs/sources.md#well-known-ids-and-naming-rules)."""

    display_name: str
    identifier_uri: str | None
    """App ID URI; None means `api://{client_id}`."""
    token_version: TokenVersion
    """`requestedAccessTokenVersion`: the version of the access tokens Entra issues for the app."""
    app_role_assignment_required: bool
    """Whether Entra issues tokens only to principals assigned an app role (docs/sources.md#entra-access-tokens)."""
    scopes: tuple[Scope, ...]
    app_roles: tuple[AppRole, ...]
    owners: Owners
    """The app's owners: the deploying identity at least, so `Application.ReadWrite.OwnedBy` suffices.

    See `Owners` for when later changes apply."""
    permission_key: str = "backend"
    """Stable key the scope and role IDs derive from; changing it changes every ID (revoking all grants)."""


class BackendApi(pulumi.ComponentResource):
    """The backend app registration, its App ID URI and its service principal."""

    client_id: pulumi.Output[str]
    """The application (client) ID: the `aud` of v2 access tokens."""
    app_id_uri: pulumi.Output[str]
    """The App ID URI, resolved once it is set on the app (so `<uri>/.default` works when it is known)."""
    service_principal_object_id: pulumi.Output[str]
    """Object ID of the service principal: the resource of app role assignments and consent grants."""
    role_ids: dict[str, str]
    """App role value -> its stable GUID."""
    scope_ids: dict[str, str]
    """Scope value -> its stable GUID."""
    application: azuread.Application
    service_principal: azuread.ServicePrincipal

    def __init__(self, name: str, args: BackendApiArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("apim-oauth:entra:BackendApi", name, None, opts)

        self.scope_ids = {s.value: permission_id(args.permission_key, "scope", s.value) for s in args.scopes}
        self.role_ids = {r.value: permission_id(args.permission_key, "role", r.value) for r in args.app_roles}

        self.application = azuread.Application(
            f"{name}-app",
            azuread.ApplicationArgs(
                display_name=args.display_name,
                sign_in_audience=SIGN_IN_AUDIENCE,
                owners=args.owners.object_ids,
                api=azuread.ApplicationApiArgs(
                    # Entra's default (null) means v1 tokens whose `aud` is the App ID URI, not the client
                    # ID: the most common cause of 401s under a v2 policy (docs/sources.md#entra-access-tokens).
                    requested_access_token_version=args.token_version,
                    oauth2_permission_scopes=[
                        azuread.ApplicationApiOauth2PermissionScopeArgs(
                            id=self.scope_ids[s.value],
                            value=s.value,
                            admin_consent_display_name=s.admin_consent_display_name,
                            admin_consent_description=s.admin_consent_description,
                            user_consent_display_name=s.user_consent_display_name,
                            user_consent_description=s.user_consent_description,
                            type=s.type,
                            enabled=s.enabled,
                        )
                        for s in args.scopes
                    ],
                ),
                app_roles=[
                    azuread.ApplicationAppRoleArgs(
                        id=self.role_ids[r.value],
                        value=r.value,
                        display_name=r.display_name,
                        description=r.description,
                        allowed_member_types=list(r.allowed_member_types),
                        enabled=r.enabled,
                    )
                    for r in args.app_roles
                ],
            ),
            # The URI is managed by the ApplicationIdentifierUri below; without this, each `up` would
            # remove it again from the app (the provider's documented pairing rule). Owners: see OWNERS_FIXED.
            opts=pulumi.ResourceOptions(
                parent=self, ignore_changes=["identifier_uris", *args.owners.ignore_changes]
            ),
        )

        self.app_id_uri, self.service_principal = expose_api(
            self,
            name,
            self.application,
            identifier_uri=args.identifier_uri,
            # Else Entra gives any app in the tenant an app-only token with no `roles` (docs/sources.md#entra-access-tokens).
            app_role_assignment_required=args.app_role_assignment_required,
            owners=args.owners,
        )

        self.client_id = self.application.client_id
        self.service_principal_object_id = self.service_principal.object_id
        self.register_outputs(
            {
                "clientId": self.client_id,
                "appIdUri": self.app_id_uri,
                "servicePrincipalObjectId": self.service_principal_object_id,
                "roleIds": self.role_ids,
                "scopeIds": self.scope_ids,
            }
        )


def expose_api(
    parent: pulumi.Resource,
    name: str,
    application: azuread.Application,
    *,
    identifier_uri: str | None,
    app_role_assignment_required: bool,
    owners: Owners,
) -> tuple[pulumi.Output[str], azuread.ServicePrincipal]:
    """Give an app that represents an API its App ID URI and service principal; returns the URI as
    set (so users wait for it) and the principal. `identifier_uri` None means `api://{client_id}`."""
    # `api://{client_id}` needs the app's own client ID: set on the app itself it is a dependency
    # cycle (docs/sources.md#the-entra-resources-of-the-azuread-provider), so a separate resource adds it once the app exists. The app must
    # ignore changes to `identifier_uris`, or each `up` would remove it again.
    uri = azuread.ApplicationIdentifierUri(
        f"{name}-identifier-uri",
        azuread.ApplicationIdentifierUriArgs(
            application_id=application.id,
            identifier_uri=identifier_uri
            if identifier_uri is not None
            else application.client_id.apply(lambda client_id: f"api://{client_id}"),
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    service_principal = azuread.ServicePrincipal(
        f"{name}-sp",
        azuread.ServicePrincipalArgs(
            client_id=application.client_id,
            app_role_assignment_required=app_role_assignment_required,
            owners=owners.object_ids,
        ),
        opts=pulumi.ResourceOptions(parent=parent, ignore_changes=owners.ignore_changes),
    )
    return uri.identifier_uri, service_principal
