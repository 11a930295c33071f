"""Stable identifiers for what Entra keeps: scope and app-role IDs.

Entra treats a changed permission ID as a delete + create, which revokes every grant of it. So IDs
are uuid5 of the app's stable key and the permission's value: the same configuration yields the
same GUIDs on every run and every machine, forever (docs/conventions.md#ids-and-dates-are-stable). Never `uuid4()`.
"""

from __future__ import annotations

import uuid
from typing import Literal

# Fixed namespace of this project; changing it would change every permission ID it ever made.
PERMISSION_NAMESPACE = uuid.UUID("0d5c3f8e-4b1a-5e2f-8a7c-93d6b1e4f0a2")


def permission_id(app_key: str, kind: Literal["scope", "role"], value: str) -> str:
    """The GUID of scope or app role `value` on the app whose stable key is `app_key`."""
    return str(uuid.uuid5(PERMISSION_NAMESPACE, f"{app_key}/{kind}/{value}"))
