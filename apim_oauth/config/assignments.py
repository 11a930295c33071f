"""`backend.assignments`: the users and groups Entra lets sign in to the backend, and with which role.

With `appRoleAssignmentRequired` only assigned principals get tokens for the backend; a user who is
not assigned (directly, or through a group as a direct member) gets AADSTS50105 (entra-docs
`howto-restrict-your-app-to-a-set-of-users.md`).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from apim_oauth.config.types import GUID, Model, PermissionValue, Text, distinct

ObjectId = Annotated[str, Text(36, GUID, "an object ID (GUID) of a user or group in the tenant")]


class Assignment(Model):
    """Users and groups given one app role of the backend (or default access)."""

    role: PermissionValue | None = None
    """An app role of the backend whose `allowedMemberTypes` include `User`; unset: default access
    (only when the backend has no app role for users)."""
    principals: Annotated[tuple[ObjectId, ...], Field(min_length=1), distinct("principal", str.lower)]
    """Object IDs of users or groups (not names: Entra assigns by ID)."""
