"""The expected access matrix: each caller against each operation, judged offline by the steps the
gateway would run (`pipeline`) with check-token's evaluator, from the plan's rendered policies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from tools.verify.callers import Caller, Tokens, attempt, callers
from tools.verify.pipeline import Answer, run_inbound
from tools.verify.routes import Operation, StackRoutes, product_for
from tools.verify.scopes import steps_for

Expect = Literal["allow", "deny"]


@dataclass(frozen=True)
class Row:
    """One cell: what `caller` gets from `operation`, and why."""

    caller: str
    api: str
    operation: str
    method: str
    expect: Expect
    status: int | None
    """The gateway's own answer; None for a call it forwards (the backend answers)."""
    reason: str | None
    """The gateway's reason code for a refusal (check-token's codes, or CorsOriginNotAllowed, ...)."""
    why: str
    path: str = ""
    """The request path the cell is tried on."""
    product: str | None = None
    """The product the call goes through."""

    @property
    def cell(self) -> str:
        return f"{self.caller} -> {self.api}/{self.operation} ({self.method})"

    def to_json(self) -> dict[str, Any]:
        return {
            "caller": self.caller,
            "api": self.api,
            "operation": self.operation,
            "method": self.method,
            "expect": self.expect,
            "status": self.status,
            "reason": self.reason,
            "why": self.why,
            "path": self.path,
            "product": self.product,
        }


def expected_matrix(routes: StackRoutes, tokens: Tokens) -> list[Row]:
    """Every caller of the stack against every operation, in caller then plan order."""
    return [
        expected_cell(routes, tokens, caller, operation)
        for caller in callers(routes.view)
        for operation in routes.operations
    ]


def expected_cell(routes: StackRoutes, tokens: Tokens, caller: Caller, operation: Operation) -> Row:
    view = routes.view
    product = product_for(view, operation.api, caller.granted)
    tried = attempt(tokens, caller, operation, product)
    answer = run_inbound(steps_for(view, operation, product), tried.request, tokens.metadata, tokens.now)
    expect: Expect = "allow" if _admitted(answer, caller) else "deny"
    through = f" to product {product}" if product else " (the API is in no product)"
    return Row(
        caller.name,
        operation.api,
        operation.name,
        operation.method,
        expect,
        None if answer.forwarded else answer.status,
        answer.reason,
        f"sends {tried.presents}{through}: {_outcome(answer)}",
        operation.sample_path,
        product,
    )


def _admitted(answer: Answer, caller: Caller) -> bool:
    if caller.kind == "preflight":
        return answer.reason is None and "Access-Control-Allow-Origin" in answer.headers
    return answer.forwarded


def _outcome(answer: Answer) -> str:
    if answer.forwarded:
        onward = (
            f"; the gateway calls the backend with its own token for {answer.backend_resource}"
            if answer.backend_resource
            else ""
        )
        return f"every policy lets it through to the backend{onward}"
    where = f" at {answer.scope}" if answer.scope else ""
    return f"{answer.status} {answer.reason or ''}{where}: {answer.message}"
