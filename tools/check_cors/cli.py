"""`python -m tools check-cors`: would the gateway's `cors` let a browser page have the response
(contract: the design's check-cors entry)? Arguments, files and output; the verdict is
`tools.check_cors.evaluation`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tools.check_cors.evaluation import CorsVerdict, Exchange, evaluate
from tools.check_cors.fixes import Where, fix_for
from tools.check_cors.request import BrowserRequest, fetch_method, parse_header, serialized_origin
from tools.policy_xml.cors import ReadCors, read_cors
from tools.policy_xml.document import PolicyError

EXIT_ADMITTED, EXIT_REFUSED, EXIT_BAD_INPUT = 0, 1, 2
MAX_POLICY_BYTES = 1024 * 1024

EPILOG = """\
The gateway's answers follow the cors policy reference; the browser's verdict follows the Fetch
standard (a '*' in allowed headers never covers Authorization). Tested against headless Chromium.

examples:
  # the cors the plan of stack dev renders for API echo
  venv/bin/python -m tools check-cors --stack dev --api echo --origin https://echo.dev.contoso.example \
      --method POST --header authorization --header content-type
  # a policy document of your own
  venv/bin/python -m tools check-cors --policy docs/examples/api-echo-cors.xml \
      --origin https://app.contoso.com --method GET --header authorization
  venv/bin/python -m tools check-cors --policy docs/examples/api-echo-cors.xml \
      --origin https://app.contoso.com --method POST --header authorization \
      --header "content-type: application/json" --json

exit codes:
  0  admitted: the page gets the response
  1  refused: the reason, and the change that admits it
  2  bad input (arguments, an unreadable policy, a policy expression check-cors cannot evaluate)
"""


class InputError(Exception):
    """An argument or file check-cors cannot use (exit 2)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = "Would the gateway's cors policy let a browser page call this API (offline)."
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--policy", type=Path, metavar="FILE", help="policy document holding the cors")
    where.add_argument(
        "--stack", metavar="NAME", help="plan stack NAME (stacks/Pulumi.NAME.yaml) offline; with --api"
    )
    parser.add_argument(
        "--api", metavar="API", help="with --stack: the API the page calls (its policy's cors)"
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="with --stack: read this stack file instead of stacks/Pulumi.NAME.yaml (NAME still names the stack)",
    )
    parser.add_argument("--origin", required=True, help="the calling page's origin: scheme://host[:port]")
    parser.add_argument(
        "--method", required=True, metavar="M", help="the request's method, as the page's fetch() gives it"
    )
    parser.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="H",
        help="a header the page sets: NAME or 'NAME: VALUE' (content-type without a value means application/json); repeatable",
    )
    parser.add_argument(
        "--credentials", action="store_true", help="the page sends cookies (fetch credentials: 'include')"
    )
    parser.add_argument("--json", action="store_true", help="print the verdict as JSON")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        request = _request(args)
        if args.stack is not None:
            cors, where = (
                _read_stack(args.stack, args.api, args.config),
                Where(args.stack, args.api, args.config and str(args.config)),
            )
        else:
            if args.api is not None or args.config is not None:
                raise InputError("--api and --config go with --stack")
            cors, where = _read_policy(args.policy), None
    except InputError as error:
        print(f"check-cors: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    verdict = evaluate(cors, request)
    if args.json:
        print(json.dumps(to_json(verdict, where), indent=2))
    else:
        print_verdict(verdict, request, where)
    return EXIT_ADMITTED if verdict.admitted else EXIT_REFUSED


def _read_stack(stack: str, api: str | None, stack_file: Path | None) -> ReadCors | None:
    if api is None:
        raise InputError("--stack needs --api: the API the page calls")
    # Imported here: planning needs the Pulumi SDKs, which a check of a policy file never loads.
    from tools.check_token.stack import StackError, load_stack

    try:
        view = load_stack(stack, stack_file)
    except StackError as error:
        raise InputError(str(error)) from None
    except FileNotFoundError:
        raise InputError(f"--stack: no stack file {stack_file or f'stacks/Pulumi.{stack}.yaml'}") from None
    if api not in view.apis:
        raise InputError(f"--api: stack {stack} has no API {api!r} (it has {', '.join(sorted(view.apis))})")
    document = view.api_policies.get(api)
    try:
        return read_cors(document) if document is not None else None
    except PolicyError as error:
        raise InputError(f"the policy of API {api}: {error}") from None


def _request(args: argparse.Namespace) -> BrowserRequest:
    origin = serialized_origin(args.origin)
    if origin is None:
        raise InputError(f"--origin {args.origin!r} is not an origin (scheme://host[:port], http or https)")
    try:
        headers = tuple(parse_header(h) for h in args.header)
    except ValueError as error:
        raise InputError(f"--header: {error}") from None
    method = str(args.method).strip()
    if not method or not all(c.isalnum() or c in "!#$%&'*+-.^_`|~" for c in method):
        raise InputError(f"--method {args.method!r} is not an HTTP method")
    return BrowserRequest(origin, fetch_method(method), headers, bool(args.credentials))


def _read_policy(path: Path) -> ReadCors | None:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"--policy {path}: {error.strerror or error}") from None
    if len(data) > MAX_POLICY_BYTES:
        raise InputError(f"--policy {path}: larger than {MAX_POLICY_BYTES} bytes")
    try:
        return read_cors(data)
    except PolicyError as error:
        raise InputError(f"--policy {path}: {error}") from None


def print_verdict(verdict: CorsVerdict, request: BrowserRequest, where: Where | None = None) -> None:
    what = f"{request.method} from {request.origin}" + (f" to {where.api}" if where is not None else "")
    if verdict.refusal is None:
        print(f"admitted: {what}")
    else:
        print(f"refused: {what}: {verdict.refusal.code}")
        print(f"  reason: {verdict.refusal.message}")
        print(f"  fix: {fix_for(verdict.refusal, where)}")
    for label, exchange in (("preflight", verdict.preflight), ("request", verdict.response)):
        if exchange is not None:
            print(f"  {label}: {exchange.method} {_headers(exchange.request_headers)}")
            print(f"    answer: {_headers(exchange.response_headers) or 'no CORS headers'}")
    if verdict.preflight is not None and verdict.response is None:
        print("  request: not sent (the browser stops at the preflight)")
    for note in verdict.notes:
        print(f"note: {note}")


def to_json(verdict: CorsVerdict, where: Where | None = None) -> dict[str, Any]:
    refusal = verdict.refusal
    return {
        "admitted": verdict.admitted,
        "reason": None
        if refusal is None
        else {"code": refusal.code, "subject": refusal.subject, "message": refusal.message},
        "fix": None if refusal is None else fix_for(refusal, where),
        "preflight": _exchange(verdict.preflight),
        "response": _exchange(verdict.response),
        "notes": list(verdict.notes),
    }


def _exchange(exchange: Exchange | None) -> dict[str, Any] | None:
    if exchange is None:
        return None
    return {
        "method": exchange.method,
        "request": exchange.request_headers,
        "answer": exchange.response_headers,
    }


def _headers(headers: dict[str, str]) -> str:
    return "; ".join(f"{name}: {value}" for name, value in headers.items())
