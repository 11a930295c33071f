"""Names this program derives from configuration values: shared by the configuration, which
refuses values whose names would collide, and the components, which use the names.

Logical names are users' state: changing a rule here renames resources (see `tests/urns/`).
"""

from __future__ import annotations

import re

# A plain API (no OpenAPI document) gets one catch-all operation per method: APIM answers 404 to a
# request that matches no operation.
WILDCARD_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def wildcard_operation_id(method: str) -> str:
    """The ID of a plain API's catch-all operation for `method` (e.g. `post-all`)."""
    return f"{method.lower()}-all"


def name_key(value: str) -> str:
    """What is left of a value in a resource name: lowercase letters and digits, runs of anything
    else as one '-'. Two values with one key would give two resources one name."""
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")


def grant_key(*parts: str) -> str:
    """The resource-name suffix of a client's grant, e.g. `grant_key("backend", "Echo.Read.All")`
    is `backend-echo-read-all`; the configuration keeps the keys of one client's grants distinct."""
    return "-".join(key for key in map(name_key, parts) if key)
