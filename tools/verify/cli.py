"""`python -m tools verify`: the expected access matrix of a stack, offline (contract: docs/verify.md)."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
import time
from pathlib import Path

DESCRIPTION = "The access matrix of a stack: which caller may call which operation, and why not."
EPILOG = textwrap.dedent(
    """\
    --matrix computes the expected matrix offline, from the stack's plan: every client, plus no token,
    a token for another audience, an expired token and a browser preflight from an unknown origin,
    each tried against every operation of every API, judged by the policies the plan renders for that
    call (check-token's evaluator) with the tokens Entra would issue (mint-token's claims, signed with
    a throwaway key). Each cell is allow, or the status and the gateway's reason, with why.

    examples:
      python -m tools verify --stack dev --matrix
      python -m tools verify --stack prod --matrix --markdown --json out/prod-matrix.json

    exit codes:
      0  the matrix was computed
      2  bad input: an invalid stack file ("config error: KEY: WHAT"), a policy the evaluator cannot
         read, or a file not writable
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
    parser.add_argument("--matrix", action="store_true", help="compute the expected matrix offline")
    parser.add_argument("--json", metavar="FILE", help='write {"rows": [...]} to FILE (- for stdout)')
    parser.add_argument(
        "--markdown", action="store_true", help="print a Markdown table, with each cell's reason"
    )
    parser.add_argument(
        "--now", metavar="TIME", help="the time tokens are judged at: UNIX seconds or ISO 8601"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # Imported here: `--help` needs none of them (the evaluator needs pyjwt, the plan the Pulumi SDKs).
    from tools.check_token.cli import InputError, parse_now
    from tools.check_token.stack import StackError
    from tools.policy_xml.document import PolicyError
    from tools.verify.callers import Tokens
    from tools.verify.matrix import expected_matrix
    from tools.verify.report import render_markdown, render_text, to_json
    from tools.verify.routes import load_routes

    try:
        if not args.matrix:
            raise InputError("say --matrix (the expected matrix, offline)")
        now = int(parse_now(args.now)) if args.now is not None else int(time.time())
        routes = load_routes(args.stack, args.config)
        rows = expected_matrix(routes, Tokens(routes.view, now))
        if args.json is not None:
            _write(args.json, json.dumps(to_json(rows), indent=2) + "\n")
    except StackError as error:
        print(error if error.config else f"verify: error: {error}", file=sys.stderr)
        return 2
    except (InputError, PolicyError) as error:
        print(f"verify: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"verify: error: cannot write {error.filename}: {error.strerror}", file=sys.stderr)
        return 2
    if args.json != "-":
        title = f"Expected access matrix of stack {args.stack}"
        print(render_markdown(rows, title) if args.markdown else render_text(rows))
    return 0


def _write(target: str, text: str) -> None:
    if target == "-":
        sys.stdout.write(text)
    else:
        Path(target).write_text(text, encoding="utf-8")
