"""A browser's cross-origin request as the Fetch standard sees it: whether it is preflighted, and
what the preflight carries.

Source: the Fetch standard (https://fetch.spec.whatwg.org/), sections "CORS-safelisted method",
"CORS-safelisted request-header", "CORS-unsafe request-header names" and "CORS-preflight fetch".
"""

from __future__ import annotations

from dataclasses import dataclass

from apim_oauth.policies.cors import normalized_origin

SAFELISTED_METHODS = frozenset({"GET", "HEAD", "POST"})
"""Methods a page may use without a preflight ("CORS-safelisted method")."""

# `fetch()` upper-cases these method names and sends any other as written ("normalize a method"):
# `fetch(url, {method: "patch"})` sends `patch`, which `Access-Control-Allow-Methods: PATCH` does
# not match (the comparison is byte for byte).
_NORMALIZED_METHODS = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"})

# "CORS-safelisted request-header": these names with any value (of at most 128 bytes) ...
_SAFELISTED_ANY_VALUE = frozenset({"accept", "accept-language", "content-language"})
# ... and Content-Type only with one of these essences.
_SAFELISTED_CONTENT_TYPES = frozenset(
    {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
)
DEFAULT_CONTENT_TYPE = "application/json"
"""The value assumed for a `Content-Type` given without one: what API clients send."""


@dataclass(frozen=True)
class BrowserRequest:
    """What a page's script asks the browser for."""

    origin: str
    """The page's origin as the browser serializes it: `scheme://host[:port]`, lower case, no
    default port (`serialized_origin`)."""
    method: str
    """As `fetch()` sends it (`fetch_method`)."""
    headers: tuple[tuple[str, str], ...] = ()
    """Header names (lower case) and values the script sets."""
    credentials: bool = False
    """`fetch(..., {credentials: "include"})`: cookies and HTTP authentication go along. A bearer
    token the script puts in `Authorization` is not a credential in this sense."""

    @property
    def unsafe_header_names(self) -> tuple[str, ...]:
        """The "CORS-unsafe request-header names": sorted, lower case, what the preflight's
        `Access-Control-Request-Headers` lists and the answer must allow."""
        return tuple(sorted({name for name, value in self.headers if not _safelisted(name, value)}))

    @property
    def needs_preflight(self) -> bool:
        """Whether the browser asks with `OPTIONS` first (Fetch: "CORS-preflight fetch" runs when
        the method is not safelisted or an unsafe header is set)."""
        return self.method not in SAFELISTED_METHODS or bool(self.unsafe_header_names)


def fetch_method(method: str) -> str:
    """The method `fetch()` sends for `method`."""
    return method.upper() if method.upper() in _NORMALIZED_METHODS else method


def serialized_origin(value: str) -> str | None:
    """`value` as a browser's `Origin` header carries it, or None if it is not an http(s) origin
    (with a path, a query, user information or a bad port)."""
    parsed = normalized_origin(value)
    text = value.strip()
    rest = text.split("://", 1)[1] if "://" in text else ""
    if parsed is None or any(c in rest for c in "/?#@"):
        return None
    scheme, host, port = parsed
    default = 443 if scheme == "https" else 80
    return f"{scheme}://{host}" if port == default else f"{scheme}://{host}:{port}"


def parse_header(text: str) -> tuple[str, str]:
    """`name` or `name: value` as given on the command line; ValueError for an invalid name."""
    name, _, value = text.partition(":")
    name = name.strip().lower()
    if not name or any(not (c.isalnum() or c in "!#$%&'*+-.^_`|~") for c in name):
        raise ValueError(f"{text!r} is not a header (name or name: value)")
    value = value.strip()
    if not value and name == "content-type":
        value = DEFAULT_CONTENT_TYPE
    return name, value


def _safelisted(name: str, value: str) -> bool:
    if len(value.encode()) > 128:
        return False
    if name in _SAFELISTED_ANY_VALUE:
        return True
    if name == "content-type":
        return value.split(";", 1)[0].strip().lower() in _SAFELISTED_CONTENT_TYPES
    return False
