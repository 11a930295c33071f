"""The matrix run against a gateway: each cell's request sent as its caller would send it, the
answer compared with the cell.

Safe by default: a call the matrix expects the gateway to let through reaches the backend, so only
GET and HEAD are sent then; a call the gateway must refuse is refused before the backend, so every
method is sent (`--include-unsafe` sends every method of every cell). A cell holds when the answer
is on the expected side: let through (any status but the gateway's refusals 401, 403 and 429), or
refused with the expected status (and, from the local gateway, which names it, the expected reason);
for a preflight, when the answer's `Access-Control-Allow-Origin` admits the origin as expected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from tools.verify.callers import Caller, NoCredentialError, TokenSource, attempt, callers
from tools.verify.http import HttpError, request
from tools.verify.live_tokens import TokenRequestError
from tools.verify.matrix import Row
from tools.verify.pipeline import REASON_HEADER
from tools.verify.routes import StackRoutes

Verdict = Literal["holds", "differs", "skipped"]
SAFE_METHODS = frozenset({"GET", "HEAD"})
REFUSALS = frozenset({401, 403, 429})
"""The statuses of the gateway's own refusals (validators, quota, rate limit)."""


@dataclass(frozen=True)
class Result:
    row: Row
    verdict: Verdict
    status: int | None = None
    reason: str | None = None
    note: str = ""
    """Why it differs (the likely reason) or was skipped."""

    def to_json(self) -> dict[str, Any]:
        return {
            **self.row.to_json(),
            "result": self.verdict,
            "actual": {"status": self.status, "reason": self.reason},
            "note": self.note,
        }


def run_live(
    routes: StackRoutes,
    rows: Sequence[Row],
    gateway: str,
    tokens: TokenSource,
    *,
    include_unsafe: bool = False,
) -> list[Result]:
    """Every cell of `rows` tried on `gateway`; HttpError when the gateway does not answer at all."""
    by_name = {caller.name: caller for caller in callers(routes.view)}
    operations = {(op.api, op.name, op.method): op for op in routes.operations}
    results: list[Result] = []
    for row in rows:
        caller = by_name[row.caller]
        if row.expect == "allow" and row.method not in SAFE_METHODS and not include_unsafe:
            results.append(
                Result(
                    row, "skipped", note=f"{row.method} would reach the backend (--include-unsafe sends it)"
                )
            )
            continue
        operation = operations[(row.api, row.operation, row.method)]
        try:
            tried = attempt(tokens, caller, operation, row.product)
        except NoCredentialError as missing:
            results.append(Result(row, "skipped", note=f"no token for {row.caller}: {missing}"))
            continue
        except TokenRequestError as failed:
            results.append(
                Result(row, "differs", note=f"{failed} (admin consent, role assignment or secret?)")
            )
            continue
        url = gateway.rstrip("/") + operation.sample_path
        answer = request(url, tried.request.method, dict(tried.request.headers))
        results.append(judge(row, caller, answer.status, answer.headers))
    return results


def judge(row: Row, caller: Caller, status: int, headers: dict[str, str] | Any) -> Result:
    """Whether the gateway's answer (`status`, `headers`, names lower case) is the cell's."""
    reason = headers.get(REASON_HEADER.lower())
    if caller.kind == "preflight":
        admitted = "access-control-allow-origin" in headers
        if admitted != (row.expect == "allow"):
            what = "admits" if admitted else "does not admit"
            return Result(
                row,
                "differs",
                status,
                reason,
                f"the answer {what} the origin: the deployed cors is not the planned one (try --drift)",
            )
        return _status_and_reason(row, status, reason)
    let_through = status not in REFUSALS and reason is None
    if row.expect == "allow" and not let_through:
        return Result(
            row,
            "differs",
            status,
            reason,
            f"refused ({status}{' ' + reason if reason else ''}) though the planned policies accept this token: "
            "is the deployed policy the planned one (try --drift), is admin consent granted and the role assigned?",
        )
    if row.expect == "deny" and let_through:
        return Result(
            row,
            "differs",
            status,
            reason,
            f"let through ({status}) though the planned policies refuse it with {row.status} {row.reason}: "
            "the deployed policy is weaker than planned (try --drift)",
        )
    if row.expect == "allow":
        return Result(row, "holds", status, reason)
    return _status_and_reason(row, status, reason)


def _status_and_reason(row: Row, status: int, reason: str | None) -> Result:
    if row.status is not None and status != row.status:
        return Result(row, "differs", status, reason, f"refused with {status} instead of {row.status}")
    if reason is not None and row.reason is not None and reason != row.reason:
        return Result(row, "differs", status, reason, f"refused for {reason} instead of {row.reason}")
    return Result(row, "holds", status, reason)


__all__ = ["HttpError", "Result", "judge", "run_live"]
