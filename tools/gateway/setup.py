"""The local gateway put together from a stack: its routes and policies (with any served from a
file instead), the metadata its validators use, the backend, and the local OpenID provider."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tools.check_token.metadata import MetadataProvider
from tools.check_token.stack import StackView
from tools.gateway.backend import Backend, echo, url_backend
from tools.gateway.gateway import TEST_DOUBLE, LocalGateway
from tools.gateway.provider import LocalProvider
from tools.gateway.server import GatewayServer
from tools.verify.deployed import PolicyNameError, with_policy
from tools.verify.live_tokens import SECRET_PREFIX, variable
from tools.verify.routes import StackRoutes, load_routes


class GatewayError(Exception):
    """Bad input: an unknown policy name, an unreadable file, a bad backend, a port in use."""


def make_gateway(
    routes: StackRoutes, backend: Backend, issuer: str, planned: StackView | None = None
) -> LocalGateway:
    """The gateway for `routes`: with issuer `local`, a local provider issuing the tokens of the
    `planned` stack (default: `routes`') answers the tenant's metadata URLs; with `entra`, the
    validators fetch the tenant's real documents."""
    if issuer == "local":
        provider = LocalProvider(planned or routes.view)
        metadata = MetadataProvider(provider.metadata_documents)
        return LocalGateway(routes, metadata, backend, provider)
    # Entra's real documents: fetched (over HTTPS, from public hosts only), as the user asked for them.
    return LocalGateway(routes, MetadataProvider(online=True), backend, None)


def build_server(
    stack: str,
    config: Path | None,
    port: int,
    backend: str,
    issuer: str,
    policies: Sequence[str],
    *,
    quiet: bool = True,
) -> GatewayServer:
    planned = routes = load_routes(stack, config)
    for spec in policies:
        name, _, file = spec.partition("=")
        if not file:
            raise GatewayError(f"--policy {spec!r}: expected NAME=FILE")
        try:
            routes = with_policy(routes, name, Path(file).read_text(encoding="utf-8"))
        except PolicyNameError as error:
            raise GatewayError(f"--policy: {error}") from None
        except OSError as error:
            raise GatewayError(f"--policy: cannot read {file}: {error.strerror}") from None
    try:
        chosen = echo if backend == "echo" else url_backend(backend)
    except ValueError as error:
        raise GatewayError(str(error)) from None
    try:
        return GatewayServer(make_gateway(routes, chosen, issuer, planned.view), port, quiet=quiet)
    except OSError as error:
        raise GatewayError(f"cannot listen on 127.0.0.1:{port}: {error.strerror}") from None


def banner(server: GatewayServer) -> str:
    """What the gateway says when it starts: what it is, where, and the test-only secrets."""
    gateway = server.gateway
    view = gateway.routes.view
    lines = [
        f"TEST DOUBLE: {TEST_DOUBLE}.",
        "It runs the stack's cors, token validators, per-caller limits and managed-identity steps; nothing else",
        "API Management does (see docs/local-gateway.md).",
        f"gateway:  {server.url}  (stack {view.name})",
    ]
    apis = sorted({(op.api, op.api_path) for op in gateway.routes.operations})
    lines += [f"  {server.url}/{path.strip('/')}  API {api}" for api, path in apis]
    provider = gateway.provider
    if provider is not None:
        lines += [
            f"issuer:   {server.url}/{provider.tenant}/v2.0/.well-known/openid-configuration (local, test-only key)",
            f"token:    {provider.token_endpoint} (client credentials)",
            "test-only client secrets (for verify --issuer local):",
        ]
        lines += [
            f"  export {variable(SECRET_PREFIX, name)}={secret}"
            for name, secret in sorted(provider.secrets.items())
        ]
    else:
        lines.append("issuer:   Entra (the tenant's real keys, fetched)")
    return "\n".join(lines)
