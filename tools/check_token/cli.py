"""`python -m tools check-token`: would the gateway accept this token, and if not, why (contract:
docs/debug-a-401.md). Arguments, files and output only; the checking is `tools.check_token.evaluation`.

The token itself is never printed: only what it says (issuer, audience, caller, claims).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tools import clock
from tools.check_token.application_access import application_access
from tools.check_token.evaluation import evaluate
from tools.check_token.fetching import DEFAULT_TIMEOUT_SECONDS, MetadataError
from tools.check_token.jws import MAX_TOKEN_CHARS, MalformedTokenError, read_token
from tools.check_token.metadata import MetadataProvider, parse_override
from tools.check_token.onward import OnwardStep, read_onward
from tools.check_token.policy import MAX_POLICY_BYTES, Policy
from tools.check_token.policy_xml import parse_policy
from tools.check_token.report import Check, Outcome, print_outcome, to_json
from tools.check_token.stack import StackError, StackView
from tools.check_token.verdict import EvaluationError
from tools.output_files import OutputError, write_file
from tools.policy_xml.document import PolicyError

EXIT_ACCEPTED, EXIT_REJECTED, EXIT_UNUSABLE = 0, 1, 2
MAX_OVERRIDE_BYTES = 1024 * 1024

DESCRIPTION = "Would the API Management gateway accept this token, and if not, why (offline)."
EPILOG = """\
The verdict follows Microsoft.IdentityModel, the library the gateway runs (the version applied is
printed, and is in --json as "library"); where its sources leave a question open, both outcomes
are printed. Policies that weaken the check (require-signed-tokens="false", no audience, a
multi-tenant issuer, clock skew over five minutes) are called out with a WARNING.

examples:
  # every policy a request to API "status" runs through, as the plan of stack dev renders them
  venv/bin/python -m tools check-token --stack dev --api status \\
      --token-file docs/examples/billing-daemon-partners.jwt --now 2026-10-01T00:10:00Z \\
      --openid-config docs/examples/openid-configuration.json --jwks docs/examples/jwks.json
  # one policy file (`plan --policies-dir out/policies`), the token in $TOKEN, JSON on stdout
  venv/bin/python -m tools check-token --policy out/policies/product-partners.xml --token "$TOKEN" \\
      --openid-config docs/examples/openid-configuration.json --jwks docs/examples/jwks.json --json -

exit codes:
  0  accepted (with --stack alone: the token's audience and caller belong to the stack)
  1  rejected (with --stack alone: they do not)
  2  bad arguments or unreadable input (policy, token file, metadata, stack file)
"""


class InputError(Exception):
    """An argument or input file the check cannot use (exit 2)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument(
        "--policy",
        type=Path,
        action="append",
        metavar="FILE",
        help="policy document holding the validate-jwt or validate-azure-ad-token element; repeat it for each "
        "scope a request passes through, in the gateway's order (operation, API, product): all must accept",
    )
    where.add_argument(
        "--stack",
        metavar="NAME",
        help="plan stack NAME (stacks/Pulumi.NAME.yaml) offline and use the policies it renders; with neither "
        "--product nor --api, say which product and client the token's audience and caller belong to",
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="with --stack: read this stack file instead of stacks/Pulumi.NAME.yaml (NAME still names the stack)",
    )
    parser.add_argument(
        "--product", metavar="P", help="with --stack: the product whose policy the request runs"
    )
    parser.add_argument(
        "--api", metavar="A", help="with --stack: the API called (its policy, and the product it is in)"
    )
    parser.add_argument(
        "--operation", metavar="O", help="with --stack --api: the operation called (its policy)"
    )
    _add_token_and_metadata(parser)
    _add_run_options(parser)
    parser.set_defaults(run=run)


def _add_token_and_metadata(parser: argparse.ArgumentParser) -> None:
    token = parser.add_mutually_exclusive_group(required=True)
    token.add_argument("--token", metavar="JWT", help="the token, or the header value 'Bearer <token>'")
    token.add_argument("--token-file", metavar="FILE", help="file holding the token; '-' reads stdin")
    parser.add_argument(
        "--metadata",
        action="extend",
        nargs="+",
        default=[],
        metavar="URL=FILE",
        help="answer a fetch of URL (openid-config document or JWKS) from FILE, for air-gapped use and tests; "
        "repeatable. Metadata no file answers is fetched only with --online",
    )
    parser.add_argument(
        "--online",
        action="store_true",
        help="fetch the metadata no file answers, over HTTPS from public hosts only (never loopback, "
        "link-local or private addresses unless named with --allow-host)",
    )
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="HOST",
        help="with --online: HOST may be fetched from although it is loopback, link-local or private "
        "(plain HTTP too when it is loopback); repeatable",
    )
    parser.add_argument(
        "--openid-config",
        type=Path,
        metavar="FILE",
        help="answer every openid-config URL the policies name from FILE (shortcut for --metadata)",
    )
    parser.add_argument(
        "--jwks",
        type=Path,
        metavar="FILE",
        help="answer every key set (jwks_uri) from FILE (shortcut for --metadata)",
    )


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--now",
        metavar="TIME",
        help="check as of TIME instead of the clock: UNIX seconds (1790812800) or ISO 8601 "
        "(2026-10-01T12:00:00Z; no zone means UTC)",
    )
    parser.add_argument(
        "--json",
        nargs="?",
        const="-",
        metavar="FILE",
        help="write {accepted, reasons, hints, warnings, open_questions, library} as JSON to FILE ('-' or no "
        "FILE: stdout) instead of the text report",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help=f"with --online: metadata fetch timeout (default {DEFAULT_TIMEOUT_SECONDS:g})",
    )


def run(args: argparse.Namespace) -> int:
    """Check the token; print the verdict; return the exit code."""
    try:
        _check_combination(args)
        token = _read_token(args.token, args.token_file)
        provider = MetadataProvider(
            _read_overrides(args.metadata),
            timeout=_timeout(args.timeout),
            any_openid_config=_read_optional(args.openid_config, "--openid-config file"),
            any_jwks=_read_optional(args.jwks, "--jwks file"),
            online=args.online,
            allowed_hosts=frozenset(host.lower().strip("[]") for host in args.allow_host),
        )
        now = parse_now(args.now)
        if args.stack is not None and args.product is None and args.api is None:
            return _identify(args, token)
        outcome = _evaluate(args, token, provider, now)
        if args.json is not None:
            _write_json(args.json, to_json(outcome))
        else:
            print_outcome(outcome, provider, sys.stdout)
    except (InputError, PolicyError, EvaluationError, OutputError) as error:
        return _unusable(str(error))
    except MetadataError as error:
        return _unusable(f"metadata {error}")
    except StackError as error:
        if error.config:  # already `config error: FILE:LINE: <key path>: <what is wrong>`
            print(error, file=sys.stderr)
            return EXIT_UNUSABLE
        return _unusable(str(error))
    except Exception as error:
        # A defect of ours. The contract is one error line and never a traceback; the exception's
        # text is left out because it could quote the token.
        return _unusable(
            f"unexpected {type(error).__name__} while checking the token against {_inputs(args)}"
        )
    return EXIT_ACCEPTED if outcome.accepted else EXIT_REJECTED


def _check_combination(args: argparse.Namespace) -> None:
    """Arguments that cannot apply are refused, never silently ignored."""
    if args.stack is None and (args.product or args.api or args.operation or args.config):
        raise InputError("--config, --product, --api and --operation go with --stack")
    if args.operation is not None and args.api is None:
        raise InputError("--operation needs --api (the API the operation belongs to)")
    if not args.online and (args.allow_host or args.timeout is not None):
        raise InputError("--allow-host and --timeout apply to fetching metadata: they go with --online")


def _inputs(args: argparse.Namespace) -> str:
    """The inputs of this run, for an error that is none of the expected ones."""
    if args.stack is not None:
        return f"stack {args.stack} ({args.config or f'stacks/Pulumi.{args.stack}.yaml'})"
    return "policy " + ", ".join(str(path) for path in args.policy)


def _evaluate(args: argparse.Namespace, token: str, provider: MetadataProvider, now: float) -> Outcome:
    if args.stack is None:
        documents = [(str(path), _read_bytes(path, MAX_POLICY_BYTES, "policy file")) for path in args.policy]
        view = None
        notes: list[str] = []
        gateway_check = product = None
    else:
        from tools.check_token import stack

        view = stack.load_stack(args.stack, args.config)
        product = stack.resolve_product(view, args.product, args.api)
        path = stack.request_path(view, product, args.api, args.operation)
        documents = [(scope.label, scope.document.encode("utf-8")) for scope in path]
        notes = [
            note
            for note in (stack.operation_note(view, args.api, args.operation), _caller_note(view, token))
            if note
        ]
        gateway_check = application_access(view, product)
    # A policy whose only step is the gateway's own token for the backend validates nothing: skipped.
    readings = [(label, document, read_onward(document, label)) for label, document in documents]
    onward: list[OnwardStep] = [step for _, _, reading in readings for step in reading.steps]
    scopes: list[tuple[str, Policy]] = [
        (label, _parse(document, label))
        for label, document, reading in readings
        if reading.has_validator or not reading.steps or (view is None and len(readings) == 1)
    ]
    if view is not None and gateway_check is not None:
        # Application-based access is the product's authentication, checked before any policy runs
        # (as a subscription key is): first on the path.
        scopes.insert(0, (f"product {product} (application-based access)", gateway_check))
    if view is not None and not scopes and not notes:
        notes.append("no policy on this request's path checks a token: the gateway lets any token through")
    outcome = Outcome([], len(scopes), notes, onward)
    # The gateway stops at the first scope that rejects the token; so do we.
    for label, policy in scopes:
        verdict = evaluate(token, policy, provider, now)
        advice: tuple[str, ...] = ()
        if view is not None and any(reason.code == "TokenAudienceNotAllowed" for reason in verdict.reasons):
            from tools.check_token.stack import scope_to_request

            advice = tuple(scope_to_request(view, policy))
        outcome.checks.append(Check(label, policy, verdict, advice))
        if not verdict.accepted:
            break
    return outcome


def _caller_note(view: StackView, token: str) -> str | None:
    """The stack's client the token names, and its kind (no note for an unreadable token: the verdict says why)."""
    from tools.check_token.stack import caller_note

    try:
        return caller_note(view, read_token(token.strip()).claims)
    except MalformedTokenError:
        return None


def _identify(args: argparse.Namespace, presented: str) -> int:
    from tools.check_token.stack import identify, load_stack

    view = load_stack(args.stack, args.config)
    value = presented.strip()
    if value.lower().startswith("bearer "):
        value = value[7:].strip()
    try:
        claims = read_token(value).claims
    except MalformedTokenError as error:
        raise InputError(f"the token is not a readable JWT: {error}") from None
    lines, known = identify(view, claims)
    if args.json is not None:
        _write_json(args.json, {"stack": view.name, "belongs": known, "identity": lines})
    else:
        for line in lines:
            print(line)
        print(
            "(the token's signature and lifetime are not checked here: add --product or --api for a verdict)"
        )
    return EXIT_ACCEPTED if known else EXIT_REJECTED


def _write_json(target: str, document: dict[str, object]) -> None:
    text = json.dumps(document, indent=2)
    if target == "-":
        print(text)
        return
    write_file(Path(target), text + "\n", "--json file")


def _unusable(message: str) -> int:
    print(f"check-token: error: {message}", file=sys.stderr)
    return EXIT_UNUSABLE


def _read_bytes(path: Path, limit: int, what: str) -> bytes:
    try:
        with path.open("rb") as file:
            data = file.read(limit + 1)
    except OSError as error:
        raise InputError(f"cannot read {what} {path}: {error.strerror or error}") from None
    if len(data) > limit:
        raise InputError(f"{what} {path} is larger than {limit} bytes")
    return data


def _read_optional(path: Path | None, what: str) -> bytes | None:
    return None if path is None else _read_bytes(path, MAX_OVERRIDE_BYTES, what)


def _parse(document: bytes | str, where: str) -> Policy:
    try:
        return parse_policy(document)
    except PolicyError as error:
        raise PolicyError(f"policy {where}: {error}") from None


def _read_token(token: str | None, token_file: str | None) -> str:
    if token is not None:
        return token
    assert token_file is not None  # argparse: exactly one of the two
    # Read a little past the cap: an oversized token is the evaluator's JwtInvalid, not exit 2.
    limit = MAX_TOKEN_CHARS * 4 + 16
    if token_file == "-":
        data = sys.stdin.buffer.read(limit)
    else:
        data = _read_bytes(Path(token_file), 64 * 1024 * 1024, "token file")[:limit]
    # Undecodable bytes become U+FFFD, which the evaluator reports as not base64url: JwtInvalid.
    return data.decode("utf-8", errors="replace")


def _read_overrides(specs: list[str]) -> dict[str, bytes]:
    overrides: dict[str, bytes] = {}
    for spec in specs:
        try:
            url, path = parse_override(spec)
        except ValueError as error:
            raise InputError(f"--metadata: {error}") from None
        overrides[url] = _read_bytes(path, MAX_OVERRIDE_BYTES, "metadata file")
    return overrides


def parse_now(value: str | None) -> float:
    """`--now`: UNIX seconds, or an ISO 8601 date-time (UTC when it names no zone)."""
    try:
        return clock.parse_now(value)
    except ValueError as error:
        raise InputError(str(error)) from None


def _timeout(value: float | None) -> float:
    if value is None:
        return DEFAULT_TIMEOUT_SECONDS
    if not 0 < value <= 120:
        raise InputError("--timeout: expected 0 < SECONDS <= 120")
    return value
