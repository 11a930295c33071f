"""`apim-oauth:backend`: the Entra app that represents the API, its scopes and app roles, and
`assignments`: the users and groups Entra lets sign in to it, and with which role.

With `appRoleAssignmentRequired` only assigned principals get tokens for the backend; a user who is
not assigned (directly, or through a group as a direct member) gets AADSTS50105 (entra-docs
`howto-restrict-your-app-to-a-set-of-users.md`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal, cast

from pydantic import Field, model_validator

from apim_oauth.azure.clouds import TokenVersion
from apim_oauth.azure.naming import name_key
from apim_oauth.config.errors import fail
from apim_oauth.config.types import Flag, MemberType, Model, ObjectId, PermissionValue, Text, distinct
from apim_oauth.policies.values import policy_value_problem


class ScopeSettings(Model):
    """A delegated permission (OAuth2 scope) the backend app exposes."""

    value: PermissionValue
    """What tokens carry in `scp` (e.g. `Echo.Read`)."""
    admin_consent_display_name: Annotated[str, Text()]
    admin_consent_description: Annotated[str, Text(1024)]
    user_consent_display_name: Annotated[str, Text()] | None = None
    user_consent_description: Annotated[str, Text(1024)] | None = None
    type: Literal["Admin", "User"] = "Admin"
    """Who may consent: `Admin` only, or each `User` for themselves."""
    enabled: Flag = True


class AppRoleSettings(Model):
    """An app role the backend app defines (application permission when `Application` may hold it)."""

    value: PermissionValue
    """What tokens carry in `roles` (e.g. `Echo.Read.All`)."""
    display_name: Annotated[str, Text(120)]
    description: Annotated[str, Text(1024)]
    allowed_member_types: Annotated[tuple[MemberType, ...], Field(min_length=1), distinct("member type")] = (
        "Application",
    )
    """Who may hold the role: `Application` (client credentials), `User`, or both."""
    enabled: Flag = True


class Assignment(Model):
    """Users and groups given one app role of the backend (or default access)."""

    role: PermissionValue | None = None
    """An app role of the backend whose `allowedMemberTypes` include `User`; unset: default access
    (only when the backend has no app role for users)."""
    principals: Annotated[tuple[ObjectId, ...], Field(min_length=1), distinct("principal")]
    """Object IDs of users or groups (not names: Entra assigns by ID)."""


class BackendSettings(Model):
    """The Entra app that represents the API."""

    display_name: Annotated[str, Text(120)]
    identifier_uri: Annotated[str, Text(255)] | None = None
    """App ID URI: `api://{tenantId}/{name}` or `https://{verified-domain}/{name}`; unset means
    `api://{client-id}`."""
    token_version: TokenVersion = 2
    """Access token version the app asks Entra for; it decides the `aud` and `iss` the policies expect."""
    app_role_assignment_required: Flag = False
    """Only clients assigned a role get tokens; defaults to true when the app defines app roles."""
    scopes: Annotated[tuple[ScopeSettings, ...], distinct("scope value", lambda s: s.value, at=".value")] = ()
    app_roles: Annotated[
        tuple[AppRoleSettings, ...], distinct("app role value", lambda r: r.value, at=".value")
    ] = ()
    assignments: tuple[Assignment, ...] = ()
    """Users and groups assigned to the backend (who may sign in when assignment is required)."""
    gateway_role: PermissionValue = "ApiManagement.Gateway"
    """The app role the API Management gateway holds when it calls with its managed identity (APIs
    with `onward`): one of `appRoles` (it must allow Application), or one the program adds."""

    @model_validator(mode="before")
    @classmethod
    def _assignment_default(cls, data: Any) -> Any:
        # Without it Entra issues app-only tokens with no `roles` to any client in the tenant (docs/sources.md#entra-access-tokens).
        raw = cast("Mapping[str, Any]", data) if isinstance(data, Mapping) else None
        if raw is not None:
            key = next(
                (k for k in ("appRoleAssignmentRequired", "app_role_assignment_required") if k in raw), None
            )
            if key is None or raw[key] is None:
                roles = raw.get("appRoles", raw.get("app_roles"))
                return {**raw, "appRoleAssignmentRequired": bool(roles)}
        return cast("object", data)

    @model_validator(mode="after")
    def _rules(self) -> BackendSettings:
        if self.identifier_uri is not None and (problem := policy_value_problem(self.identifier_uri)):
            raise fail("identifierUri", problem)
        # Scopes and roles share one namespace of values on an app registration.
        scopes = {s.value: index for index, s in enumerate(self.scopes)}
        for index, role in enumerate(self.app_roles):
            if role.value in scopes:
                raise fail(
                    f"appRoles[{index}].value",
                    f"{role.value!r} is also the value of {{other}}: scopes and app roles must differ",
                    other=f"scopes[{scopes[role.value]}].value",
                )
        # Role grants are resources named after the role value with punctuation folded (`name_key`).
        keys: dict[str, int] = {}
        for index, role in enumerate(self.app_roles):
            key = name_key(role.value)
            if key in keys:
                first = self.app_roles[keys[key]].value
                raise fail(
                    f"appRoles[{index}].value",
                    f"{role.value!r} and {first!r} ({{other}}) differ only in case or punctuation: "
                    "their grants would get one resource name; rename one",
                    other=f"appRoles[{keys[key]}].value",
                )
            keys[key] = index
        return self

    def check_identifier_uri(self, tenant_id: str) -> str | None:
        """Why Entra would refuse `identifier_uri` for `tenant_id`, or None."""
        uri = self.identifier_uri
        if uri is None:
            return None
        # Entra's secure default (docs/sources.md#well-known-ids-and-naming-rules): a new URI must carry the tenant ID, the app ID or a verified
        # domain. The app ID is unknown until deployment, so a configured api:// URI must carry the tenant.
        tenant_form = re.fullmatch(rf"api://{re.escape(tenant_id)}/[A-Za-z0-9._~\-/]+", uri, re.IGNORECASE)
        domain_form = re.fullmatch(r"https://[a-z0-9.-]+\.[a-z]{2,}/[A-Za-z0-9._~\-/]+", uri, re.IGNORECASE)
        if tenant_form or domain_form:
            return None
        return (
            f"{uri!r} is not an App ID URI Entra accepts: use api://{{tenantId}}/{{name}} or "
            "https://{verified-domain}/{name}, or leave it out for api://{client-id}"
        )

    def role(self, value: str) -> AppRoleSettings | None:
        return next((r for r in self.app_roles if r.value == value), None)

    def scope(self, value: str) -> ScopeSettings | None:
        return next((s for s in self.scopes if s.value == value), None)
