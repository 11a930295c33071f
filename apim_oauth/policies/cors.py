"""The `cors` policy: which browser pages may call an API, as a frozen model and the element APIM runs.

Facts from the policy's reference (MicrosoftDocs/azure-docs `articles/api-management/cors-policy.md`
at 29477839ea67337412e3665591c3d0c07b6cc707, https://learn.microsoft.com/azure/api-management/cors-policy):
- "Only the `cors` policy is evaluated on the `OPTIONS` request during preflight"; problems follow if
  it "is not the first policy in the inbound section"; "Generally, only the first `cors` policy is
  applied". So the document puts it first in `<inbound>`, before `<base />` and any validator.
- `origin` is `*` or one URI with scheme, host and port ("If the port is omitted in a URI, port 80
  is used for HTTP and port 443 is used for HTTPS"); the page marks no expressions for it.
- `terminate-unmatched-request`: the attribute table gives the default as `false`, the same page's
  "Common configuration issues" as `true`. Always written, so no default decides.
- `preflight-result-max-age` defaults to 0 (every call preflighted again): always written.
- Children in the documented order: allowed-origins, allowed-methods, allowed-headers, expose-headers.
By the Fetch standard (https://fetch.spec.whatwg.org/#http-access-control-allow-headers and
#cors-non-wildcard-request-header-name), `*` in the allowed headers never covers `Authorization`, and
a `*` origin cannot answer a request with credentials: headers are listed, origins too.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = [
    "CorsPolicy",
    "cors_element",
    "normalized_origin",
    "origin_of",
    "origin_problem",
    "origins_problem",
]

DEFAULT_MAX_AGE_SECONDS = 300
"""How long a browser may reuse a preflight's answer. Chromium caps it at 7200 s and Firefox at
86400 s (MDN `Access-Control-Max-Age`); five minutes keeps a configuration change visible soon."""

_DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


@dataclass(frozen=True)
class CorsPolicy:
    """What `<cors>` admits. Values are already checked (`origin_problem`) and normalized."""

    origins: tuple[str, ...]
    """Allowed origins, each `scheme://host[:port]` in lower case, or the one `*`."""
    methods: tuple[str, ...]
    """Allowed methods, upper case, in the order the API's operations first use them."""
    headers: tuple[str, ...]
    """Allowed request headers, lower case, listed (never `*`)."""
    expose_headers: tuple[str, ...] = ()
    """Response headers the page's script may read beyond the CORS-safelisted ones."""
    allow_credentials: bool = False
    """Cookies or HTTP authentication sent by the browser: the token travels in `Authorization`,
    set by script, which is not a credential in the Fetch standard's sense."""
    max_age_seconds: int = DEFAULT_MAX_AGE_SECONDS
    terminate_unmatched: bool = True
    """An unknown origin gets an empty 200 and never reaches the backend (`false`: a simple request
    from it runs, its answer unreadable by the page)."""


def cors_element(policy: CorsPolicy) -> ET.Element:
    """The `<cors>` element for `policy`; attribute and child order are part of the stable output."""
    element = ET.Element(
        "cors",
        {
            "allow-credentials": _boolean(policy.allow_credentials),
            "terminate-unmatched-request": _boolean(policy.terminate_unmatched),
        },
    )
    _list(element, "allowed-origins", "origin", policy.origins)
    methods = _list(element, "allowed-methods", "method", policy.methods)
    methods.set("preflight-result-max-age", str(policy.max_age_seconds))
    _list(element, "allowed-headers", "header", policy.headers)
    if policy.expose_headers:
        _list(element, "expose-headers", "header", policy.expose_headers)
    return element


def origin_problem(value: str) -> str | None:
    """Why `value` cannot be an allowed origin (`scheme://host[:port]`, http or https); None if it can.

    Stricter than the gateway, which may accept a trailing `/` (the reference's own example has one):
    a browser's `Origin` never has a path, so one here would only mislead a reader."""
    if value == "*":
        return None  # alone, and never with credentials: rules across the list (`origins_problem`)
    parts = urlsplit(value)
    if parts.scheme not in _DEFAULT_PORTS:
        return "is not an origin: write scheme://host[:port] with scheme http or https"
    if parts.path or parts.query or parts.fragment or "?" in value or "#" in value:
        return f"has a path, query or fragment; an origin is scheme://host[:port] only ({_bare(value)})"
    if "@" in parts.netloc:
        return "contains user information (@); an origin is scheme://host[:port] only"
    try:
        port = parts.port
    except ValueError:
        return "has a port that is not a number from 1 to 65535"
    host = parts.hostname or ""
    if not _HOST.fullmatch(host) or host.startswith("[") or port == 0:
        return "has no valid host name (letters, digits, '-' and '.'; no IPv6 literal)"
    if value != value.lower():
        return f"has capitals; browsers send origins in lower case ({value.lower()})"
    if port == _DEFAULT_PORTS[parts.scheme]:
        return f"names the default port; browsers leave it out of Origin ({parts.scheme}://{host})"
    return None


def origins_problem(origins: tuple[str, ...], allow_credentials: bool) -> str | None:
    """Why this list of (each valid) origins cannot be written; None if it can. `*` must stand alone
    (the reference: "either a single `origin` element that specifies `*` ... or one or more `origin`
    elements that contain a URI"), and never with credentials (Fetch standard, CORS check)."""
    if "*" in origins and len(origins) > 1:
        return "'*' already admits every origin; write it alone or list the origins"
    if "*" in origins and allow_credentials:
        return (
            "'*' cannot go with credentials: browsers refuse 'Access-Control-Allow-Origin: *' "
            "on a request with credentials; list the origins"
        )
    if len(set(origins)) != len(origins):
        return "lists an origin twice"
    return None


def normalized_origin(value: str) -> tuple[str, str, int] | None:
    """`(scheme, host, port)` of an `http`/`https` origin, the default port filled in; None if
    `value` is not one. Two origins are the same exactly when these are equal."""
    parts = urlsplit(value.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    try:
        port = parts.port or _DEFAULT_PORTS[scheme]
    except ValueError:
        return None
    return (scheme, parts.hostname.lower(), port)


def origin_of(url: str) -> str:
    """The origin a browser sends from a page at `url` (`https://Echo.example:443/cb` ->
    `https://echo.example`): lower case, the default port left out (RFC 6454 serialization)."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    port = parts.port
    return f"{scheme}://{host}" if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{scheme}://{host}:{port}"


def _bare(value: str) -> str:
    parts = urlsplit(value)
    return f"{parts.scheme}://{parts.netloc}"


def _boolean(value: bool) -> str:
    return "true" if value else "false"


def _list(parent: ET.Element, tag: str, item_tag: str, values: tuple[str, ...]) -> ET.Element:
    element = ET.SubElement(parent, tag)
    for value in values:
        ET.SubElement(element, item_tag).text = value
    return element
