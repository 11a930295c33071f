"""`python -m tools verify`: the expected access matrix of a stack, offline (contract: docs/verify.md)."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tools.output_files import OutputError, write_file

DESCRIPTION = "The access matrix of a stack: which caller may call which operation, and why not."
EPILOG = textwrap.dedent(
    """\
    --matrix computes the expected matrix offline, from the stack's plan: every client, plus no token,
    a token for another audience, an expired token and a browser preflight from an unknown origin,
    each tried against every operation of every API, judged by the policies the plan renders for that
    call (check-token's evaluator) with the tokens Entra would issue (mint-token's claims, signed with
    a throwaway key). Each cell is allow, or the status and the gateway's reason, with why.

    --gateway URL runs the same matrix against a gateway (the deployed one, or the local gateway of
    `python -m tools gateway`): each client's token as the client gets it (client credentials with
    APIM_OAUTH_SECRET_<CLIENT>, or its Key Vault secret with APIM_OAUTH_KEYVAULT_TOKEN, or a federated
    assertion in APIM_OAUTH_ASSERTION_<CLIENT>), from Entra (--issuer entra) or the local gateway's
    provider (--issuer local). Safe by default: a call expected to reach the backend is sent only for
    GET and HEAD (--include-unsafe sends every method); calls the gateway must refuse are all sent.

    examples:
      python -m tools verify --stack dev --matrix
      python -m tools verify --stack prod --matrix --markdown --json out/prod-matrix.json
      python -m tools verify --stack dev --gateway http://127.0.0.1:8080 --issuer local

    exit codes:
      0  the matrix was computed (--matrix); every cell holds (--gateway)
      1  a cell differs (--gateway): the report names the cell and the likely reason
      2  bad input: an invalid stack file ("config error: KEY: WHAT"), a policy the evaluator cannot
         read, a gateway URL refused or not answering, or a file not writable
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
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--matrix", action="store_true", help="compute the expected matrix offline")
    mode.add_argument("--gateway", metavar="URL", help="run the matrix against the gateway at URL")
    parser.add_argument(
        "--issuer",
        choices=("entra", "local"),
        default="entra",
        help="with --gateway: where clients get tokens: Entra (default) or the local gateway's provider",
    )
    parser.add_argument(
        "--include-unsafe",
        action="store_true",
        help="with --gateway: also send calls that would reach the backend with methods other than GET and HEAD",
    )
    parser.add_argument("--json", metavar="FILE", help='write {"rows": [...]} to FILE (- for stdout)')
    parser.add_argument("--markdown", action="store_true", help="print Markdown, with each cell's reason")
    parser.add_argument(
        "--now", metavar="TIME", help="the time tokens are judged at: UNIX seconds or ISO 8601"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # Imported here: `--help` needs none of them (the evaluator needs pyjwt, the plan the Pulumi SDKs).
    from tools.check_token.cli import InputError
    from tools.check_token.stack import StackError
    from tools.policy_xml.document import PolicyError
    from tools.verify.http import HttpError

    try:
        return _run(args)
    except StackError as error:
        print(error if error.config else f"verify: error: {error}", file=sys.stderr)
    except (InputError, PolicyError, HttpError) as error:
        print(f"verify: error: {error}", file=sys.stderr)
    except OutputError as error:
        print(f"verify: error: {error}", file=sys.stderr)
    return 2


def _run(args: argparse.Namespace) -> int:
    from tools.check_token.cli import InputError, parse_now
    from tools.check_token.fetching import named_url_problem as url_problem
    from tools.verify.callers import Tokens
    from tools.verify.live import run_live
    from tools.verify.live_tokens import LiveTokens
    from tools.verify.matrix import expected_matrix
    from tools.verify.report import render_markdown, render_results, render_text, results_json, to_json
    from tools.verify.routes import load_routes

    if args.gateway is not None and url_problem(args.gateway) is not None:
        raise InputError(f"--gateway {args.gateway}: {url_problem(args.gateway)}")
    now = int(parse_now(args.now)) if args.now is not None else int(time.time())
    routes = load_routes(args.stack, args.config)
    tokens = Tokens(routes.view, now)
    rows = expected_matrix(routes, tokens)
    if args.matrix:
        _emit(
            args,
            to_json(rows),
            lambda: (
                render_markdown(rows, f"Expected access matrix of stack {args.stack}")
                if args.markdown
                else render_text(rows)
            ),
        )
        return 0
    view = routes.view
    gateway = str(args.gateway)
    endpoint = (
        f"{gateway.rstrip('/')}/{view.outputs['tenantId']}/oauth2/v2.0/token"
        if args.issuer == "local"
        else str(view.outputs.get("tokenEndpoint"))
    )
    live = LiveTokens(view, endpoint, tokens, users_sign_in=args.issuer == "entra")
    results = run_live(routes, rows, gateway, live, include_unsafe=args.include_unsafe)
    _emit(
        args,
        results_json(results, gateway),
        lambda: render_results(results, gateway, markdown=args.markdown),
    )
    return 1 if any(result.verdict == "differs" for result in results) else 0


def _emit(args: argparse.Namespace, document: dict[str, Any], text: Callable[[], str]) -> None:
    if args.json is not None:
        _write(args.json, json.dumps(document, indent=2) + "\n")
    if args.json != "-":
        print(text())


def _write(target: str, text: str) -> None:
    if target == "-":
        sys.stdout.write(text)
    else:
        write_file(Path(target), text, "--json file")
