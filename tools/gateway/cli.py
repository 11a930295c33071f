"""`python -m tools gateway`: the local gateway, a test double of the stack's token and CORS rules
(contract: docs/local-gateway.md)."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

DESCRIPTION = (
    "A local gateway on 127.0.0.1 with the stack's token and CORS rules: a TEST DOUBLE, not API Management."
)
EPILOG = textwrap.dedent(
    """\
    Serves the stack's APIs by path and operation, each call through the policies the plan renders
    for it (cors, validate-jwt and validate-azure-ad-token judged by check-token's evaluator,
    per-caller limits, authentication-managed-identity), then to the built-in echo backend or
    --backend URL. With --issuer local (the default) it also serves a local OpenID provider for the
    stack's tenant at /{tenant}/v2.0/.well-known/openid-configuration, its keys and a
    client-credentials token endpoint, and prints a test-only secret for each client; its tokens carry
    the claims Entra's would, and the gateway takes its keys as the tenant's. With --issuer entra the
    validators fetch the tenant's real keys (network). docs/local-gateway.md lists what it does not emulate.

    examples:
      venv/bin/python -m tools gateway --stack dev --port 8080
      venv/bin/python -m tools gateway --stack dev --policy product-portal=out/policies/product-portal.xml

    exit codes:
      0  stopped (Ctrl-C)
      2  bad input: an invalid stack file, an unknown policy name, a port in use
    """
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--stack", required=True, metavar="NAME", help="the stack (stacks/Pulumi.NAME.yaml)")
    parser.add_argument(
        "--config", type=Path, metavar="FILE", help="plan this stack file instead of stacks/Pulumi.NAME.yaml"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=8080,
        metavar="P",
        help="port on 127.0.0.1 (default 8080; 0: any free one)",
    )
    parser.add_argument(
        "--backend",
        default="echo",
        metavar="URL|echo",
        help="where calls go once let through (default: echo)",
    )
    parser.add_argument(
        "--issuer",
        choices=("local", "entra"),
        default="local",
        help="whose tokens the gateway takes (default: local)",
    )
    parser.add_argument(
        "--policy",
        action="append",
        default=[],
        metavar="NAME=FILE",
        help="serve FILE instead of the rendered policy NAME (a key of the stack output `policies`, e.g. product-portal); repeatable",
    )
    parser.add_argument("--verbose", action="store_true", help="log each request")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tools.check_token.stack import StackError
    from tools.gateway.setup import GatewayError, build_server

    try:
        server = build_server(
            args.stack, args.config, args.port, args.backend, args.issuer, args.policy, quiet=not args.verbose
        )
    except StackError as error:
        print(error if error.config else f"gateway: error: {error}", file=sys.stderr)
        return 2
    except GatewayError as error:
        print(f"gateway: error: {error}", file=sys.stderr)
        return 2
    from tools.gateway.setup import banner

    print(banner(server), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
