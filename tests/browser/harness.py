"""A real browser against check-cors: headless Chromium (the Debian package), driven by Playwright
for Python with the system browser (no browser download), calls a loopback API double whose CORS
headers are exactly what check-cors says the gateway answers (`tools.check_cors.gateway`).

Pages are served from their own loopback origins (another port is another origin), so every call is
cross-origin as a single-page app's or the developer portal's test console's is. Each case uses a
path of its own: Chromium caches a preflight's answer per URL, and one case must not answer another.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Generator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from apim_oauth.policies.cors import CorsPolicy
from tools.check_cors import gateway

CHROMIUM = Path("/usr/bin/chromium")
"""Debian's `chromium` package (`apt-get install chromium`; .ci/run installs it when absent)."""

FLAGS = (
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
STANDARD_FLAG = "--enable-features=CorsNonWildcardRequestHeadersSupport"
"""The Fetch standard's rule that `*` never covers `Authorization`, which Chromium 156 applies only
with this feature (blink-dev "Intent to Ship: CORS non-wildcard request-header", crbug.com/1176753)."""

FETCH = """async ([url, method, headers, credentials]) => {
    try {
        const response = await fetch(url, {method, headers, credentials: credentials ? "include" : "same-origin"});
        return {admitted: true, status: response.status, body: await response.text()};
    } catch (error) {
        return {admitted: false, error: String(error)};
    }
}"""


@dataclass
class ApiDouble:
    """The gateway's CORS answers per path, and every request that reached it."""

    policies: dict[str, CorsPolicy | None] = field(default_factory=lambda: dict[str, CorsPolicy | None]())
    seen: list[tuple[str, str]] = field(default_factory=lambda: list[tuple[str, str]]())
    """(method, path) of each request, preflights included."""

    def answer(self, method: str, path: str, origin: str) -> dict[str, str]:
        self.seen.append((method, path))
        policy = self.policies.get(path)
        if method == "OPTIONS":
            return gateway.preflight_headers(policy, origin)
        return gateway.response_headers(policy, origin)


def _api_handler(double: ApiDouble) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _answer(self) -> None:
            headers = double.answer(self.command, self.path, self.headers.get("Origin", ""))
            body = b"" if self.command == "OPTIONS" else b"echo"
            self.send_response(200)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _answer  # noqa: N815 - http.server's names

        def do_patch(self) -> None:  # `fetch(url, {method: "patch"})` sends the method as written
            self._answer()

    return Handler


class _PageHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        body = b"<!doctype html><title>page</title>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Generator[str, None, None]:
    """A loopback server for `handler`; yields its origin (`http://127.0.0.1:PORT`)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def api_double(double: ApiDouble) -> Generator[str, None, None]:
    with serving(_api_handler(double)) as origin:
        yield origin


@contextmanager
def page_origin() -> Generator[str, None, None]:
    with serving(_PageHandler) as origin:
        yield origin


def chromium_missing() -> str | None:
    """Why the browser test cannot run here, or None."""
    if CHROMIUM.exists():
        return None
    return f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")
