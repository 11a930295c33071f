"""`python -m tools mint-token`: a test token for a stack's client and product, with the metadata
documents that let `check-token` verify it. For tests and demonstrations only."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from tools.check_token.cli import InputError, parse_now
from tools.check_token.stack import StackError, load_stack
from tools.command_line import tool_command
from tools.mint_token.minting import TEST_ONLY, mint
from tools.output_files import OutputError, make_directory, write_file

DESCRIPTION = "Mint a TEST-ONLY token for a stack's client and product, signed with a throwaway key."
EPILOG = """\
Writes DIR/token.jwt, DIR/jwks.json (the throwaway public key) and DIR/openid-configuration.json (the
tenant's issuer), each labelled test-only (never through a symbolic link already in DIR), and prints the check-token command that verifies the token.
The claims are those Entra would issue: the product's audience, the client's ID as azp, and the
roles or delegated scopes the product's policy requires; a managed identity's token carries its own
client ID as azp/appid and its principal ID as oid. No real gateway accepts the token: its key
is not the tenant's.

examples:
  venv/bin/python -m tools mint-token --stack dev --client billing-daemon --product partners
  venv/bin/python -m tools mint-token --stack prod --client reporting-daemon --product reporting \\
      --out out/tokens --now 2026-10-01T12:00:00Z

exit codes:
  0  minted and written
  2  bad arguments (unknown stack, client or product; a client not granted the product) or unwritable DIR
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "--stack", required=True, metavar="NAME", help="stack to plan offline (stacks/Pulumi.NAME.yaml)"
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="read this stack file instead of stacks/Pulumi.NAME.yaml (NAME still names the stack)",
    )
    parser.add_argument(
        "--client", required=True, metavar="C", help="the client (a key of the stack's `clients`)"
    )
    parser.add_argument(
        "--product",
        required=True,
        metavar="P",
        help="the product the token is for (one the client is granted)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="directory for token.jwt, jwks.json and openid-configuration.json (default out/mint-token/STACK-CLIENT-PRODUCT)",
    )
    parser.add_argument(
        "--now", metavar="TIME", help="issue time: UNIX seconds or ISO 8601 (default: the clock)"
    )
    parser.add_argument(
        "--lifetime",
        type=int,
        default=3600,
        metavar="SECONDS",
        help="seconds until exp (default 3600, as Entra's 60-90 min)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        now = int(parse_now(args.now)) if args.now is not None else int(time.time())
        if not 60 <= args.lifetime <= 86400:
            raise InputError("--lifetime: expected 60 to 86400 seconds")
        view = load_stack(args.stack, args.config)
        minted = mint(view, args.client, args.product, now, args.lifetime)
        out: Path = args.out or Path("out") / "mint-token" / f"{args.stack}-{args.client}-{args.product}"
        make_directory(out, "--out directory")
        write_file(out / "token.jwt", minted.token + "\n", "token file")
        write_file(out / "jwks.json", json.dumps(minted.jwks, indent=2) + "\n", "key set file")
        write_file(
            out / "openid-configuration.json",
            json.dumps(minted.openid_configuration, indent=2) + "\n",
            "discovery document file",
        )
    except StackError as error:
        print(error if error.config else f"mint-token: error: {error}", file=sys.stderr)
        return 2
    except (InputError, OutputError) as error:
        print(f"mint-token: error: {error}", file=sys.stderr)
        return 2
    print(TEST_ONLY)
    print(
        f"token:  {out / 'token.jwt'} (aud {minted.claims['aud']}, azp/appid of {args.client}, "
        f"a {minted.caller_kind} caller, exp {minted.claims['exp']})"
    )
    print(f"keys:   {out / 'jwks.json'}")
    print(f"issuer: {out / 'openid-configuration.json'}")
    print("check it:")
    stack = ["--stack", args.stack, *(["--config", str(args.config)] if args.config else [])]
    check = [*stack, "--product", args.product, "--token-file", str(out / "token.jwt")]
    check += ["--openid-config", str(out / "openid-configuration.json"), "--jwks", str(out / "jwks.json")]
    print(f"  {tool_command('check-token', *check, '--now', str(now))}")
    return 0
