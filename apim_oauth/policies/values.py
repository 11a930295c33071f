"""Which configuration values may reach policy XML.

APIM evaluates an attribute or text value of the form `@(...)` / `@{...}` as C# on the gateway and
replaces `{{name}}` with a named value (docs/sources.md#token-policies). Escaping cannot stop either: they are
interpreted after XML parsing. So a value from configuration that could become one is refused, as is
a character XML 1.0 cannot carry.
"""

from __future__ import annotations

import re

# Anything XML 1.0 does not allow in a document (its `Char` production).
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def policy_value_problem(value: str) -> str | None:
    """Why `value` must not reach policy XML, or None when it is safe to render."""
    # Refused anywhere in the value, not only at its start: cheaper to explain than to prove that
    # a given position can never be read as an expression.
    if "@(" in value or "@{" in value:
        return "could be run by the gateway as a policy expression ('@(' or '@{')"
    if "{{" in value or "}}" in value:
        return "could be read by the gateway as a named-value reference ('{{' or '}}')"
    if _NOT_XML_CHAR.search(value):
        return "contains a character that XML cannot carry"
    return None
