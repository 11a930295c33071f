"""Where the local gateway sends what its policies let through: the built-in echo backend, which
answers with what it was forwarded, or a backend URL (the request's path below the API's path is
appended, as API Management appends it to the API's service URL:
https://learn.microsoft.com/azure/api-management/import-and-publish, "Web service URL")."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt

from tools.verify.routes import Operation

# RFC 9110 section 7.6.1: connection-specific headers are not forwarded.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
BACKEND_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Forward:
    """A call the gateway forwards."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes
    operation: Operation
    product: str | None
    backend_resource: str | None
    """authentication-managed-identity's resource: the call carries the gateway's token for it."""
    backend_token: str | None

    @property
    def suffix(self) -> str:
        """The path below the API's path."""
        prefix = "/" + self.operation.api_path.strip("/") if self.operation.api_path.strip("/") else ""
        return self.path[len(prefix) :] or "/"

    def forwarded_headers(self) -> dict[str, str]:
        headers = {name: value for name, value in self.headers.items() if name not in _HOP_BY_HOP}
        if self.backend_resource is not None:
            # The managed identity's token replaces the caller's (authentication-managed-identity-policy.md).
            headers["authorization"] = (
                f"Bearer {self.backend_token or 'unavailable: --issuer entra has no managed identity here'}"
            )
        return headers


@dataclass(frozen=True)
class BackendAnswer:
    status: int
    headers: Mapping[str, str]
    body: bytes


Backend = Callable[[Forward], BackendAnswer]


def echo(call: Forward) -> BackendAnswer:
    """The echo backend: what it was forwarded, as JSON (the backend token's claims decoded)."""
    headers = call.forwarded_headers()
    document: dict[str, Any] = {
        "echo": "the local gateway's echo backend",
        "api": call.operation.api,
        "operation": call.operation.name,
        "product": call.product,
        "method": call.method,
        "path": call.suffix,
        "query": dict(call.query),
        "headers": headers,
        "body": call.body.decode("utf-8", "replace"),
    }
    if call.backend_token is not None:
        document["backendTokenClaims"] = jwt.decode(call.backend_token, options={"verify_signature": False})
    body = b"" if call.method == "HEAD" else json.dumps(document, indent=2).encode()
    return BackendAnswer(200, {"Content-Type": "application/json"}, body)


def url_backend(base_url: str) -> Backend:
    """Forward to `base_url` (http or https) plus the path below the API's path."""
    parts = urllib.parse.urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"--backend: {base_url!r} is not an http(s) URL or `echo`")

    def forward(call: Forward) -> BackendAnswer:
        query = urllib.parse.urlencode(call.query)
        url = base_url.rstrip("/") + call.suffix + (f"?{query}" if query else "")
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            url, data=call.body or None, headers=call.forwarded_headers(), method=call.method
        )
        try:
            with urllib.request.urlopen(request, timeout=BACKEND_TIMEOUT_SECONDS) as response:  # noqa: S310
                return BackendAnswer(
                    response.status,
                    {"Content-Type": response.headers.get("Content-Type", "")},
                    response.read(),
                )
        except urllib.error.HTTPError as error:
            return BackendAnswer(
                error.code, {"Content-Type": error.headers.get("Content-Type", "")}, error.read()
            )
        except (urllib.error.URLError, TimeoutError) as error:
            message = {"statusCode": 502, "message": f"backend {base_url} did not answer: {error}"}
            return BackendAnswer(502, {"Content-Type": "application/json"}, json.dumps(message).encode())

    return forward
