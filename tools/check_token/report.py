"""How a verdict is shown: the human text and the `--json` document of check-token."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TextIO

from tools.check_token.fidelity import (
    LIBRARY_COMMIT,
    LIBRARY_NAME,
    LIBRARY_VERSION,
    OPEN_QUESTIONS,
    library_json,
)
from tools.check_token.metadata import MetadataProvider
from tools.check_token.onward import OnwardStep
from tools.check_token.policy import Policy
from tools.check_token.verdict import Verdict


@dataclass(frozen=True)
class Check:
    """One policy on the request's path and its verdict."""

    label: str
    policy: Policy
    verdict: Verdict
    scopes_to_request: tuple[str, ...] = ()


@dataclass
class Outcome:
    checks: list[Check]
    expected: int
    """How many policies the path has; fewer checks means one rejected and the gateway stopped."""
    notes: list[str] = field(default_factory=lambda: [])
    onward: list[OnwardStep] = field(default_factory=lambda: [])
    """The gateway's own tokens for the backend on the path (`authentication-managed-identity`): not evaluated."""

    @property
    def accepted(self) -> bool:
        return len(self.checks) == self.expected and all(check.verdict.accepted for check in self.checks)


def to_json(outcome: Outcome) -> dict[str, object]:
    """The contract's `{accepted, reasons, hints}` of the deciding policy, with its `warnings`,
    `open_questions` and the `library` applied; with several policies each one's too, under `policies`."""
    if not outcome.checks:
        return {
            "accepted": outcome.accepted,
            "reasons": [],
            "hints": [],
            "warnings": [],
            "open_questions": [],
            "library": library_json(),
            "notes": outcome.notes,
            **_onward_json(outcome),
        }
    deciding = outcome.checks[-1]
    document: dict[str, object] = {**deciding.verdict.to_json(), "accepted": outcome.accepted}
    document["warnings"] = list(dict.fromkeys(w for check in outcome.checks for w in check.verdict.warnings))
    if deciding.scopes_to_request:
        document["scopesToRequest"] = list(deciding.scopes_to_request)
    if outcome.notes:
        document["notes"] = outcome.notes
    if len(outcome.checks) > 1 or outcome.expected > 1:
        document["policies"] = [
            {"policy": check.label, **check.verdict.to_json()} for check in outcome.checks
        ]
    return {**document, **_onward_json(outcome)}


def _onward_json(outcome: Outcome) -> dict[str, object]:
    # Listed so that whoever debugs a 401 from the backend sees the gateway, not the caller, got that token.
    return {"onward": [step.to_json() for step in outcome.onward]} if outcome.onward else {}


def print_outcome(outcome: Outcome, provider: MetadataProvider, out: TextIO) -> None:
    several = outcome.expected > 1
    for check in outcome.checks:
        if several:
            print(f"policy {check.label}:", file=out)
        _print_verdict(check, out)
    for note in outcome.notes:
        print(f"note: {note}", file=out)
    for step in outcome.onward:
        print(f"onward: {step.describe()}", file=out)
    if outcome.checks:
        _print_details(outcome.checks[-1].verdict, provider, out)
    print(f"judged as {LIBRARY_NAME} {LIBRARY_VERSION} (source {LIBRARY_COMMIT[:12]}) does", file=out)


def _print_verdict(check: Check, out: TextIO) -> None:
    verdict, policy = check.verdict, check.policy
    for warning in verdict.warnings:
        print(f"!!! WARNING: {warning}", file=out)
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
    if check.scopes_to_request:
        print(f"fix: request a token with scope {' or '.join(check.scopes_to_request)}", file=out)
    for hint in verdict.hints:
        print(f"hint: {hint}", file=out)
    _print_questions(verdict.open_questions, out)


def _print_questions(keys: Sequence[str], out: TextIO) -> None:
    for key in keys:
        question = OPEN_QUESTIONS[key]
        print(f"open question: {question.question}", file=out)
        print(f"  applied: {question.applied}; otherwise: {question.otherwise}", file=out)


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
