"""A client app that calls the APIs: its permissions, the admin consent for them, its secrets or its
other credentials (federated, a certificate: `app_credentials`), and how it signs users in (its
platform and redirect URIs).

The portal steps of registering a client app (docs/sources.md#protecting-an-api-with-entra-apps) as one component. The resources it may call are wired in by the parent as grants
(an app role on an API's service principal, or delegated scopes), so this module knows nothing of
which backend or product they belong to. Platforms are the `azuread.Application` blocks `web`,
`single_page_application` and `public_client` (hashicorp/terraform-provider-azuread
`docs/resources/application.md`); the redirect URIs inline on the app, not a separate
`ApplicationRedirectUris` (that resource is for `azuread_application_registration`), since none of
them needs the app's own ID.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pulumi
import pulumi_azuread as azuread

from apim_oauth.azure.clouds import TokenVersion
from apim_oauth.azure.redirect_uris import Platform
from apim_oauth.components.entra.app_credentials import (
    CertificateCredential,
    FederatedTrust,
    certificate_credential,
    federated_credentials,
)
from apim_oauth.components.entra.backend_api import SIGN_IN_AUDIENCE, Owners

# Users of any organization's tenant (entra-docs `howto-convert-app-to-be-multi-tenant.md`).
MULTITENANT_SIGN_IN_AUDIENCE = "AzureADMultipleOrgs"


@dataclass(frozen=True)
class AppRoleGrant:
    """An application permission: app role `app_role_id` of the API whose service principal is given."""

    key: str
    """Stable suffix of the assignment's resource name (`apim_oauth.azure.naming.grant_key`); renaming it replaces the grant."""
    resource_client_id: pulumi.Input[str]
    """Client ID of the API's app (the `resourceAppId` of the permission)."""
    resource_object_id: pulumi.Input[str]
    """Object ID of the API's service principal (the resource of the assignment)."""
    app_role_id: str
    """The role's GUID, as the API's app defines it."""


@dataclass(frozen=True)
class DelegatedGrant:
    """Delegated permissions on one API, consented for all users of the tenant."""

    key: str
    """Suffix of the consent grant's resource name; "" (the backend's grant) keeps the name
    `<client>-delegated` it always had. Distinct per client."""
    resource_client_id: pulumi.Input[str]
    """Client ID of the API's app."""
    resource_object_id: pulumi.Input[str]
    """Object ID of the API's service principal."""
    scopes: tuple[str, ...]
    """Scope values granted."""
    scope_ids: Mapping[str, str]
    """Scope value -> GUID, as the API's app defines them (at least the granted ones)."""


@dataclass(frozen=True)
class SignIn:
    """How the app signs users in: one Entra platform and its redirect URIs (all checked by config)."""

    platform: Platform
    """`web` (a server redeems the code with the secret), `spa` (the browser redeems it with PKCE,
    cross-origin) or `public` (a device app; also a fallback public client)."""
    redirect_uris: tuple[str, ...]
    """Exactly as the app (or the developer portal) sends them: Entra compares case-sensitively."""
    implicit_id_tokens: bool = False
    """web only: ID tokens from the authorize endpoint (implicit/hybrid flow); off unless needed."""


@dataclass(frozen=True)
class SecretSlot:
    """One client secret; a new `rotated` date replaces it while the other slot stays valid."""

    name: str
    """`blue` or `green`: a stable suffix of the password's resource name."""
    rotated: dt.date
    """The day the secret starts to be valid: its rotation date."""


@dataclass(frozen=True)
class ClientSecret:
    """The client's secrets: one password per slot, each valid `validity_days` from its date."""

    validity_days: int
    slots: tuple[SecretSlot, ...]
    """At least one, with distinct names."""

    @property
    def active(self) -> SecretSlot:
        """The newest slot: the one callers should use."""
        return max(self.slots, key=lambda s: (s.rotated, s.name))


@dataclass(frozen=True)
class ClientAppArgs:
    """What the client app is made of."""

    display_name: str
    secret: ClientSecret | None
    """The client's secrets; None for a client without any (it signs in otherwise)."""
    role_grants: tuple[AppRoleGrant, ...]
    """Every application permission the client gets, and no other (least privilege); distinct keys
    (the configuration refuses role values that fold to one key)."""
    delegated: tuple[DelegatedGrant, ...]
    """Delegated scopes per API, if the client acts for signed-in users; distinct keys."""
    owners: Owners
    """The app's owners (see `Owners`)."""
    sign_in: SignIn | None = None
    """How the client signs users in; None for a daemon (client credentials only)."""
    token_version: TokenVersion | None = None
    """`api.requestedAccessTokenVersion` of the client app: the APIM how-to sets the backend's version on
    the client app too (azure-docs `api-management-howto-oauth2.md`); None leaves it unset."""
    id_token_claims: tuple[str, ...] = ()
    """Optional claims Entra adds to the ID tokens it issues to this app (e.g. `email`)."""
    multitenant: bool = False
    """Let users of other tenants sign in (`AzureADMultipleOrgs`)."""
    federated: tuple[FederatedTrust, ...] = ()
    """Federated identity credentials: external tokens it may exchange for its own (no secret)."""
    certificate: CertificateCredential | None = None
    """Its public certificate, when it signs its client assertions with the private key."""


def secret_start_date(slot: SecretSlot) -> str:
    """RFC 3339 start of a secret: the slot's rotation date, at midnight UTC."""
    return f"{slot.rotated.isoformat()}T00:00:00Z"


def secret_end_date(slot: SecretSlot, validity_days: int) -> str:
    """RFC 3339 end of a secret: the slot's rotation date plus the validity, at midnight UTC."""
    return f"{(slot.rotated + dt.timedelta(days=validity_days)).isoformat()}T00:00:00Z"


@dataclass(frozen=True)
class _Permission:
    type: Literal["Role", "Scope"]
    id: str


@dataclass(frozen=True)
class _Access:
    resource_app_id: str
    type: Literal["Role", "Scope"]
    id: str


def _requested(args: ClientAppArgs) -> tuple[list[pulumi.Input[str]], list[_Permission]]:
    """Each permission the client asks for: its resource app's client ID (an input), and its kind and GUID."""
    app_ids: list[pulumi.Input[str]] = [g.resource_client_id for g in args.role_grants]
    permissions = [_Permission("Role", g.app_role_id) for g in args.role_grants]
    for d in args.delegated:
        app_ids += [d.resource_client_id] * len(d.scopes)
        permissions += [_Permission("Scope", d.scope_ids[scope]) for scope in d.scopes]
    return app_ids, permissions


def _platform_args(sign_in: SignIn | None) -> dict[str, Any]:
    """The `azuread.Application` arguments of the client's platform; none for a daemon."""
    if sign_in is None:
        return {}
    uris = list(sign_in.redirect_uris)
    if sign_in.platform == "web":
        return {
            "web": azuread.ApplicationWebArgs(
                redirect_uris=uris,
                # Access tokens never from the authorize endpoint; ID tokens only when asked for
                # (entra-docs reference-error-codes.md: AADSTS700054 when an app needs them and they are off).
                implicit_grant=azuread.ApplicationWebImplicitGrantArgs(
                    access_token_issuance_enabled=False,
                    id_token_issuance_enabled=sign_in.implicit_id_tokens,
                ),
            )
        }
    if sign_in.platform == "spa":
        return {"single_page_application": azuread.ApplicationSinglePageApplicationArgs(redirect_uris=uris)}
    # A public client without a redirect URI (device code) is public only as a fallback client
    # (entra-docs reference-app-manifest.md, isFallbackPublicClient).
    return {
        "public_client": azuread.ApplicationPublicClientArgs(redirect_uris=uris),
        "fallback_public_client_enabled": True,
    }


def _required_resource_accesses(
    accesses: Sequence[_Access],
) -> list[azuread.ApplicationRequiredResourceAccessArgs]:
    # One entry per resource app with its roles and scopes together: the shape the portal writes and its
    # "API permissions" blade draws. Grouped by the resolved client ID, as two grants may name one API.
    # Sorted, so reordering the configuration is no change.
    by_app: dict[str, set[tuple[str, str]]] = {}
    for access in accesses:
        by_app.setdefault(access.resource_app_id, set()).add((access.type, access.id))
    return [
        azuread.ApplicationRequiredResourceAccessArgs(
            resource_app_id=app_id,
            resource_accesses=[
                azuread.ApplicationRequiredResourceAccessResourceAccessArgs(id=access_id, type=kind)
                for kind, access_id in sorted(by_app[app_id])
            ],
        )
        for app_id in sorted(by_app)
    ]


class ClientApp(pulumi.ComponentResource):
    """A client app registration with its service principal, consented permissions and secrets."""

    client_id: pulumi.Output[str]
    """The client's application ID (the `azp`/`appid` of its tokens)."""
    service_principal_object_id: pulumi.Output[str]
    """Object ID of the client's service principal: the principal of its role assignments."""
    client_secret: pulumi.Output[str] | None
    """The active slot's secret (secret output), or None when no secret is configured."""
    secret_end_dates: dict[str, str]
    """Slot name -> RFC 3339 end date of its secret; from configuration only."""
    application: azuread.Application
    service_principal: azuread.ServicePrincipal
    role_assignments: dict[str, azuread.AppRoleAssignment]
    """Grant key -> the admin consent of that application permission."""
    delegated_grants: dict[str, azuread.ServicePrincipalDelegatedPermissionGrant]
    """Grant key -> the admin consent of those delegated scopes."""
    passwords: dict[str, azuread.ApplicationPassword]
    """Slot name -> its password."""
    federated_credentials: dict[str, azuread.ApplicationFederatedIdentityCredential]
    """Trust key -> its federated identity credential."""
    certificate: azuread.ApplicationCertificate | None

    def __init__(self, name: str, args: ClientAppArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("apim-oauth:entra:ClientApp", name, None, opts)
        self.application = self._application(name, args)
        self.service_principal = azuread.ServicePrincipal(
            f"{name}-sp",
            azuread.ServicePrincipalArgs(client_id=self.application.client_id, owners=args.owners.object_ids),
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=args.owners.ignore_changes),
        )
        self._consent(name, args)
        self.passwords = {}
        self.secret_end_dates = {}
        self.client_secret = None
        if args.secret is not None:
            self._secrets(name, args.secret)
            self.client_secret = pulumi.Output.secret(self.passwords[args.secret.active.name].value)
        self.federated_credentials = federated_credentials(name, self.application.id, args.federated, self)
        self.certificate = (
            certificate_credential(name, self.application.id, args.certificate, self)
            if args.certificate
            else None
        )

        self.client_id = self.application.client_id
        self.service_principal_object_id = self.service_principal.object_id
        outputs: dict[str, Any] = {
            "clientId": self.client_id,
            "servicePrincipalObjectId": self.service_principal_object_id,
            "secretEndDates": self.secret_end_dates,
        }
        if self.client_secret is not None:
            outputs["clientSecret"] = self.client_secret
        self.register_outputs(outputs)

    def _application(self, name: str, args: ClientAppArgs) -> azuread.Application:
        # One Output for all the requested permissions: the client IDs they name are resolved together
        # and paired with the (plan-time) kinds and GUIDs in a single apply.
        app_ids, permissions = _requested(args)

        def accesses(ids: list[str]) -> list[azuread.ApplicationRequiredResourceAccessArgs]:
            return _required_resource_accesses(
                [_Access(app_id, p.type, p.id) for app_id, p in zip(ids, permissions, strict=True)]
            )

        required: pulumi.Input[Sequence[pulumi.Input[azuread.ApplicationRequiredResourceAccessArgs]]] = (
            pulumi.Output.all(*app_ids).apply(accesses) if app_ids else []
        )

        extra: dict[str, Any] = _platform_args(args.sign_in)
        if args.token_version is not None:
            extra["api"] = azuread.ApplicationApiArgs(requested_access_token_version=args.token_version)
        if args.id_token_claims:
            extra["optional_claims"] = azuread.ApplicationOptionalClaimsArgs(
                id_tokens=[azuread.ApplicationOptionalClaimsIdTokenArgs(name=c) for c in args.id_token_claims]
            )
        return azuread.Application(
            f"{name}-app",
            azuread.ApplicationArgs(
                display_name=args.display_name,
                sign_in_audience=MULTITENANT_SIGN_IN_AUDIENCE if args.multitenant else SIGN_IN_AUDIENCE,
                owners=args.owners.object_ids,
                required_resource_accesses=required,
                **extra,
            ),
            # Owners: see Owners.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=args.owners.ignore_changes),
        )

    def _consent(self, name: str, args: ClientAppArgs) -> None:
        child = pulumi.ResourceOptions(parent=self)
        # `required_resource_accesses` only asks; these assignments are the admin consent that puts the
        # roles in the client's tokens.
        self.role_assignments = {
            g.key: azuread.AppRoleAssignment(
                f"{name}-role-{g.key}",
                azuread.AppRoleAssignmentArgs(
                    app_role_id=g.app_role_id,
                    principal_object_id=self.service_principal.object_id,
                    resource_object_id=g.resource_object_id,
                ),
                opts=child,
            )
            for g in args.role_grants
        }
        # No user_object_id: consent for all users of the tenant, as "Grant admin consent" does.
        self.delegated_grants = {
            d.key: azuread.ServicePrincipalDelegatedPermissionGrant(
                f"{name}-delegated-{d.key}" if d.key else f"{name}-delegated",
                azuread.ServicePrincipalDelegatedPermissionGrantArgs(
                    service_principal_object_id=self.service_principal.object_id,
                    resource_service_principal_object_id=d.resource_object_id,
                    claim_values=list(d.scopes),
                ),
                opts=child,
            )
            for d in args.delegated
        }

    def _secrets(self, name: str, secret: ClientSecret) -> None:
        for slot in secret.slots:
            end_date = secret_end_date(slot, secret.validity_days)
            rotated = slot.rotated.isoformat()
            # Dates come from configuration, never the clock, so a preview on another day shows no
            # change (docs/sources.md#the-entra-resources-of-the-azuread-provider). Each slot is its own password: bumping one slot's date replaces
            # only that one, and the other stays valid while callers move over. The start is the slot
            # date too, not the creation time: else a slot dated ahead would live longer than
            # validity_days, and a credential lifetime policy could refuse it.
            self.passwords[slot.name] = azuread.ApplicationPassword(
                f"{name}-secret-{slot.name}",
                azuread.ApplicationPasswordInitArgs(
                    application_id=self.application.id,
                    display_name=f"{slot.name} slot, rotated {rotated}",
                    start_date=secret_start_date(slot),
                    end_date=end_date,
                    rotate_when_changed={"slot": slot.name, "rotated": rotated},
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.secret_end_dates[slot.name] = end_date
