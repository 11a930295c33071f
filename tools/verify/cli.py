"""`python -m tools verify`: the expected access matrix of a stack, offline (contract: docs/verify.md)."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
import time
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
    Against a deployment, --outputs FILE (pulumi stack output --json) gives the deployed app IDs.

    --drift reads the deployed policies, products, authorization servers and identity providers
    through ARM (a bearer token in APIM_OAUTH_ARM_TOKEN, the subscription in ARM_SUBSCRIPTION_ID) or
    from --arm-responses FILE, and compares them by meaning with the plan, as `tools diff` does.

    examples:
      venv/bin/python -m tools verify --stack dev --matrix
      venv/bin/python -m tools verify --stack prod --matrix --markdown --json out/prod-matrix.json
      venv/bin/python -m tools verify --stack dev --gateway http://127.0.0.1:8080 --issuer local
      venv/bin/python -m tools verify --stack dev --gateway https://apim-oauth-dev.azure-api.net --outputs out/dev.json --drift

    exit codes:
      0  the matrix was computed (--matrix); every cell holds (--gateway); no drift (--drift)
      1  a cell differs (the report names the cell and the likely reason), or the deployment drifted
      2  bad input: an invalid stack file ("config error: FILE:LINE: KEY: WHAT"), a policy the
         evaluator cannot read, a gateway URL refused or not answering, ARM not readable, or a file
         not writable
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
    parser.add_argument("--gateway", metavar="URL", help="run the matrix against the gateway at URL")
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
    parser.add_argument(
        "--drift",
        action="store_true",
        help="read what is deployed through ARM and compare it with the plan (with or without --gateway)",
    )
    parser.add_argument(
        "--outputs",
        metavar="FILE",
        help="the deployed stack's outputs (`pulumi stack output --json`; - for stdin): the deployed IDs and policies",
    )
    parser.add_argument(
        "--arm-responses",
        type=Path,
        metavar="FILE",
        help="with --drift: answer ARM reads from recorded responses (offline)",
    )
    parser.add_argument(
        "--subscription", metavar="ID", help="with --drift: the subscription (default: $ARM_SUBSCRIPTION_ID)"
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
    from tools.verify.arm import ArmError
    from tools.verify.http import HttpError

    try:
        return _run(args)
    except StackError as error:
        print(error if error.config else f"verify: error: {error}", file=sys.stderr)
    except (InputError, PolicyError, HttpError, ArmError) as error:
        print(f"verify: error: {error}", file=sys.stderr)
    except OutputError as error:
        print(f"verify: error: {error}", file=sys.stderr)
    except OSError as error:
        print(f"verify: error: cannot read {error.filename}: {error.strerror}", file=sys.stderr)
    return 2


def _run(args: argparse.Namespace) -> int:
    from tools.check_token.cli import parse_now
    from tools.verify.callers import Tokens
    from tools.verify.matrix import expected_matrix
    from tools.verify.report import render_markdown, render_text, to_json
    from tools.verify.routes import load_routes
    from tools.verify.runs import apply_outputs, check_arguments, run_checks

    check_arguments(args)
    now = int(parse_now(args.now)) if args.now is not None else int(time.time())
    routes, ids, secrets = apply_outputs(load_routes(args.stack, args.config), args.outputs)
    tokens = Tokens(routes.view, now)
    rows = expected_matrix(routes, tokens)
    if args.matrix:
        title = f"Expected access matrix of stack {args.stack}"
        _emit(args, to_json(rows), render_markdown(rows, title) if args.markdown else render_text(rows))
        return 0
    document, text, failed = run_checks(args, routes, rows, tokens, ids, secrets)
    _emit(args, document, text)
    return 1 if failed else 0


def _emit(args: argparse.Namespace, document: dict[str, Any], text: str) -> None:
    if args.json is not None:
        _write(args.json, json.dumps(document, indent=2) + "\n")
    if args.json != "-":
        print(text)


def _write(target: str, text: str) -> None:
    if target == "-":
        sys.stdout.write(text)
    else:
        write_file(Path(target), text, "--json file")
