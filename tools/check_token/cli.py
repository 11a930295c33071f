"""`python -m tools check-token`: would the gateway accept this token, and if not, why (contract:
shared/design.md). Arguments, files and output only; the checking is `tools.check_token.evaluation`.

Exit 0 accepted, 1 rejected, 2 bad arguments or unreadable input (policy, token file, metadata).
The token itself is never printed: only what it says (issuer, audience, caller, claims).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TextIO

from tools.check_token.evaluation import evaluate
from tools.check_token.jws import MAX_TOKEN_CHARS
from tools.check_token.metadata import (
    DEFAULT_TIMEOUT_SECONDS,
    MetadataError,
    MetadataProvider,
    parse_override,
)
from tools.check_token.policy import MAX_POLICY_BYTES, Policy, PolicyError
from tools.check_token.policy_xml import parse_policy
from tools.check_token.verdict import EvaluationError, Verdict

EXIT_ACCEPTED, EXIT_REJECTED, EXIT_UNUSABLE = 0, 1, 2
MAX_OVERRIDE_BYTES = 1024 * 1024


class InputError(Exception):
    """An argument or input file the check cannot use (exit 2)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--policy",
        required=True,
        type=Path,
        action="append",
        metavar="FILE",
        help="policy document with the validator; repeat it for each scope a request passes through, "
        "in the gateway's order (operation, API, product): all must accept",
    )
    token = parser.add_mutually_exclusive_group(required=True)
    token.add_argument("--token", metavar="JWT", help="the token (or 'Bearer <token>')")
    token.add_argument("--token-file", metavar="FILE", help="file holding the token; '-' reads stdin")
    parser.add_argument(
        "--metadata",
        action="extend",
        nargs="+",
        default=[],
        metavar="URL=FILE",
        help="answer a fetch of URL (openid-config document or JWKS) from FILE; repeatable",
    )
    parser.add_argument("--now", metavar="UNIX_SECONDS", help="check as of this time instead of the clock")
    parser.add_argument("--json", action="store_true", help="print {accepted, reasons, hints} as JSON")
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help=f"metadata fetch timeout (default {DEFAULT_TIMEOUT_SECONDS:g})",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Check the token; print the verdict; return the exit code."""
    try:
        policies = [(path, _read_policy(path)) for path in args.policy]
        token = _read_token(args.token, args.token_file)
        provider = MetadataProvider(_read_overrides(args.metadata), timeout=_timeout(args.timeout))
        now = _now(args.now)
        checks: list[tuple[Path, Policy, Verdict]] = []
        # The gateway stops at the first scope that rejects the token; so do we.
        for path, policy in policies:
            checks.append((path, policy, evaluate(token, policy, provider, now)))
            if not checks[-1][2].accepted:
                break
    except (InputError, PolicyError, EvaluationError) as error:
        return _unusable(str(error))
    except MetadataError as error:
        return _unusable(f"metadata {error}")
    except Exception as error:
        # A defect of ours. The contract is one error line and never a traceback; the exception's
        # text is left out because it could quote the token.
        return _unusable(f"internal error ({type(error).__name__}); please report it with the policy")
    accepted = all(verdict.accepted for _, _, verdict in checks) and len(checks) == len(policies)
    if args.json:
        print(json.dumps(_json(checks, accepted, several=len(policies) > 1), indent=2))
    else:
        for path, policy, verdict in checks:
            if len(policies) > 1:
                print(f"policy {path}:")
            _print_verdict(verdict, policy, sys.stdout)
        _print_details(checks[-1][2], provider, sys.stdout)
    return EXIT_ACCEPTED if accepted else EXIT_REJECTED


def _json(checks: list[tuple[Path, Policy, Verdict]], accepted: bool, *, several: bool) -> dict[str, object]:
    """The contract's `{accepted, reasons, hints}` of the deciding policy; with several policies,
    each one's verdict too under `policies`."""
    deciding = checks[-1][2]
    document: dict[str, object] = {**deciding.to_json(), "accepted": accepted}
    if several:
        document["policies"] = [{"policy": str(path), **verdict.to_json()} for path, _, verdict in checks]
    return document


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


def _read_policy(path: Path) -> Policy:
    data = _read_bytes(path, MAX_POLICY_BYTES, "policy file")
    try:
        return parse_policy(data)
    except PolicyError as error:
        raise PolicyError(f"policy {path}: {error}") from None


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


def _now(value: str | None) -> float:
    if value is None:
        return time.time()
    try:
        now = float(value)
    except ValueError:
        raise InputError(f"--now: expected UNIX seconds, got {value!r}") from None
    if not 0 <= now < 1e11:
        raise InputError(f"--now: {value} is not a plausible UNIX time")
    return now


def _timeout(value: float) -> float:
    if not 0 < value <= 120:
        raise InputError("--timeout: expected 0 < SECONDS <= 120")
    return value


def _print_verdict(verdict: Verdict, policy: Policy, out: TextIO) -> None:
    validator = policy.name
    if policy.condition is not None:
        validator += f" (run only when {policy.condition})"
    if verdict.accepted:
        print(f"ACCEPTED: {validator} would let this token through.", file=out)
    else:
        print(f"REJECTED: {validator} would answer HTTP {policy.failed_status}.", file=out)
        print("reasons (the gateway stops at the first):", file=out)
        for reason in verdict.reasons:
            print(f"  {reason.code}: {reason.message}", file=out)
    for hint in verdict.hints:
        print(f"hint: {hint}", file=out)


def _print_details(verdict: Verdict, provider: MetadataProvider, out: TextIO) -> None:
    """What the token says and where the keys came from."""
    if verdict.token_facts:
        print("token:", file=out)
        for name, value in verdict.token_facts:
            print(f"  {name}: {value}", file=out)
    if provider.origins:
        print("metadata:", file=out)
        for url, origin in provider.origins.items():
            print(f"  {url} ({'from file' if origin == 'file' else 'fetched'})", file=out)
