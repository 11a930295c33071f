"""The browser's side: does an answer's CORS headers let the page have the response?

The Fetch standard (https://fetch.spec.whatwg.org/), "CORS check" and "CORS-preflight fetch":
- `Access-Control-Allow-Origin` must be the request's origin, or `*` when the request carries no
  credentials; with credentials, `Access-Control-Allow-Credentials` must be `true`.
- A method that is not CORS-safelisted must be listed in `Access-Control-Allow-Methods` (`*` counts
  without credentials); methods compare byte for byte.
- Every CORS-unsafe request header must be listed in `Access-Control-Allow-Headers` (names compare
  case-insensitively); `*` counts without credentials, except for `Authorization`, the one "CORS
  non-wildcard request-header name".
Chromium 156 still lets `*` cover `Authorization` unless started with
`--enable-features=CorsNonWildcardRequestHeadersSupport` (blink-dev "Intent to Ship: CORS
non-wildcard request-header", crbug.com/1176753); check-cors follows the standard, which that flag
turns on, so a policy it admits works in every browser that implements the standard.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tools.check_cors.request import SAFELISTED_METHODS, BrowserRequest

NON_WILDCARD_HEADERS = frozenset({"authorization"})


@dataclass(frozen=True)
class Refusal:
    """Why the browser refuses an answer: a code, what it concerns, and the browser's reason."""

    code: str
    subject: str
    message: str


def cors_check(headers: Mapping[str, str], request: BrowserRequest, answer: str) -> Refusal | None:
    """The Fetch "CORS check" of `answer` ("the preflight's answer" or "the response")."""
    allowed = _get(headers, "access-control-allow-origin")
    if allowed is None:
        return Refusal(
            "OriginNotAllowed",
            request.origin,
            f"{answer} has no Access-Control-Allow-Origin: the gateway does not list {request.origin}",
        )
    if allowed == "*" and request.credentials:
        return Refusal(
            "WildcardOriginWithCredentials",
            request.origin,
            f"{answer} allows origin '*', which a browser never accepts for a request with credentials",
        )
    if allowed not in ("*", request.origin):
        return Refusal("OriginNotAllowed", request.origin, f"{answer} allows {allowed}, not {request.origin}")
    if request.credentials and _get(headers, "access-control-allow-credentials") != "true":
        return Refusal(
            "CredentialsNotAllowed",
            request.origin,
            f"{answer} lacks 'Access-Control-Allow-Credentials: true', needed for a request with credentials",
        )
    return None


def preflight_check(headers: Mapping[str, str], request: BrowserRequest) -> Refusal | None:
    """Whether the preflight's answer lets the browser send `request` (after its CORS check)."""
    refused = cors_check(headers, request, "the preflight's answer")
    if refused is not None:
        return refused
    methods = _listed(headers, "access-control-allow-methods", lower=False)
    wildcard_methods = "*" in methods and not request.credentials
    if request.method not in methods and request.method not in SAFELISTED_METHODS and not wildcard_methods:
        return Refusal(
            "MethodNotAllowed",
            request.method,
            f"method {request.method} is not in Access-Control-Allow-Methods ({', '.join(methods) or 'none'})",
        )
    allowed = _listed(headers, "access-control-allow-headers", lower=True)
    for name in request.unsafe_header_names:
        if name in allowed:
            continue
        if "*" in allowed and not request.credentials and name not in NON_WILDCARD_HEADERS:
            continue
        if "*" in allowed and name in NON_WILDCARD_HEADERS:
            return Refusal(
                "AuthorizationNotCoveredByWildcard",
                name,
                "header authorization is not covered by '*' in Access-Control-Allow-Headers; it must be listed",
            )
        return Refusal(
            "HeaderNotAllowed",
            name,
            f"header {name} is not in Access-Control-Allow-Headers ({', '.join(sorted(allowed)) or 'none'})",
        )
    return None


def _get(headers: Mapping[str, str], name: str) -> str | None:
    return next((v.strip() for k, v in headers.items() if k.lower() == name), None)


def _listed(headers: Mapping[str, str], name: str, *, lower: bool) -> set[str]:
    value = _get(headers, name) or ""
    items = (item.strip() for item in value.split(","))
    return {item.lower() if lower else item for item in items if item}
