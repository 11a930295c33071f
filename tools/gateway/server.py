"""The local gateway on HTTP: the standard library's threading server on 127.0.0.1 only."""

from __future__ import annotations

import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import cast

from tools.gateway.gateway import Incoming, LocalGateway, Outgoing

MAX_BODY_BYTES = 1024 * 1024
LOOPBACK = "127.0.0.1"


class GatewayServer(ThreadingHTTPServer):
    """`gateway` served on 127.0.0.1:`port` (0: any free port; `url` says which)."""

    daemon_threads = True

    def __init__(self, gateway: LocalGateway, port: int = 0, *, quiet: bool = True) -> None:
        super().__init__((LOOPBACK, port), _Handler)
        self.gateway = gateway
        self.quiet = quiet
        if gateway.provider is not None:
            gateway.provider.base_url = self.url

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.server_address[1]}"

    def start(self) -> threading.Thread:
        """Serve in a background thread (tests); `shutdown()` and `server_close()` stop it."""
        thread = threading.Thread(target=self.serve_forever, name="local-gateway", daemon=True)
        thread.start()
        return thread


class _Handler(BaseHTTPRequestHandler):
    server_version = "apim-oauth-local-gateway"
    protocol_version = "HTTP/1.1"

    def _handle(self) -> None:
        server = cast("GatewayServer", self.server)
        parts = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self.send_error(413)
            return
        body = self.rfile.read(length) if length else b""
        incoming = Incoming(
            self.command,
            parts.path,
            dict(urllib.parse.parse_qsl(parts.query)),
            {name.lower(): value for name, value in self.headers.items()},
            body,
        )
        try:
            outgoing = server.gateway.respond(incoming)
        except Exception as error:  # a defect of the test double: answer 500, keep serving
            self.log_error("internal error: %s", type(error).__name__)
            outgoing = Outgoing(500, {"Content-Type": "text/plain"}, b"local gateway: internal error\n")
        self.send_response(outgoing.status)
        for name, value in outgoing.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(outgoing.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(outgoing.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle  # noqa: N815 - http.server's names

    def log_message(self, format: str, *args: object) -> None:
        if not cast("GatewayServer", self.server).quiet:
            super().log_message(format, *args)
