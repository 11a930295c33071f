"""What the check answers: the verdict, the gateway's reason codes, and the findings of one run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from tools.check_token.fidelity import OPEN_QUESTIONS, library_json
from tools.check_token.policy import Policy

ReasonCode = Literal[
    "TokenNotPresent",
    "TokenSignatureInvalid",
    "TokenSignatureKeyNotFound",
    "TokenExpired",
    "TokenAudienceNotAllowed",
    "TokenIssuerNotAllowed",
    "TokenClaimNotFound",
    "TokenClaimValueNotAllowed",
    "JwtInvalid",
]


class EvaluationError(Exception):
    """The verdict depends on something not available offline (an APIM certificate, decryption)."""


@dataclass(frozen=True)
class Reason:
    code: ReasonCode
    message: str


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    reasons: tuple[Reason, ...]
    hints: tuple[str, ...]
    token_facts: tuple[tuple[str, str], ...] = ()
    """What the token says (issuer, audience, caller, ...); never the token itself."""
    warnings: tuple[str, ...] = ()
    """What weakens the policy (or the gateway's acceptance): shown whatever the verdict."""
    open_questions: tuple[str, ...] = ()
    """Keys of fidelity.OPEN_QUESTIONS whose reading decided part of this verdict."""

    def to_json(self) -> dict[str, object]:
        """The `--json` shape (contract: docs/debug-a-401.md), plus the library whose behaviour was
        applied, the warnings and the open questions that bear on the verdict."""
        return {
            "accepted": self.accepted,
            "reasons": [{"code": reason.code, "message": reason.message} for reason in self.reasons],
            "hints": list(self.hints),
            "warnings": list(self.warnings),
            "open_questions": [OPEN_QUESTIONS[key].to_json() for key in self.open_questions],
            "library": library_json(),
        }


@dataclass
class Evaluation:
    """One token checked against one policy: the failures found so far, in order, and the hints."""

    policy: Policy
    now: float
    reasons: list[Reason] = field(default_factory=lambda: [])
    hints: list[str] = field(default_factory=lambda: [])
    failed: set[str] = field(default_factory=lambda: set[str]())
    allowed_issuers: tuple[str, ...] = ()
    warnings: list[str] = field(default_factory=lambda: [])
    questions: list[str] = field(default_factory=lambda: [])

    def reject(self, code: ReasonCode, message: str) -> None:
        self.reasons.append(Reason(code, message))
        self.failed.add(code)

    def hint(self, text: str) -> None:
        if text not in self.hints:
            self.hints.append(text)

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)

    def ask(self, key: str) -> None:
        """Record that the open question `key` (fidelity.OPEN_QUESTIONS) bears on the verdict."""
        if key not in self.questions:
            self.questions.append(key)

    def verdict(self, facts: tuple[tuple[str, str], ...] = ()) -> Verdict:
        return Verdict(
            not self.reasons,
            tuple(self.reasons),
            tuple(self.hints),
            facts,
            tuple(self.warnings),
            tuple(self.questions),
        )
