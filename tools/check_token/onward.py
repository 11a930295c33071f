"""Onward authentication in a policy document: the `authentication-managed-identity` steps.

The step does not judge the caller's token: the gateway runs it after the validators (this project
renders it after `<base />`) and replaces the request's `Authorization` header with a token it
obtains for `resource` with its managed identity ("will set the value of the token in the
Authorization header using the Bearer scheme": azure-docs `authentication-managed-identity-policy.md`,
ms.date 07/23/2024). So check-token skips it, and says so: a 401 from the backend is about the
gateway's token, which this tool never sees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tools.policy_xml.document import PolicyError, elements, find_validators, parse_xml

STEP = "authentication-managed-identity"
_STEP_TAG = re.compile(rb"<authentication-managed-identity\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)/?>")
_ATTRIBUTE = re.compile(rb"""([\w:-]+)\s*=\s*("([^"]*)"|'([^']*)')""")


@dataclass(frozen=True)
class OnwardStep:
    """One `<authentication-managed-identity>` and the policy it is in."""

    scope: str
    """The policy's label (its file, or `API ledger` on a stack's request path)."""
    resource: str
    identity: str
    """`system-assigned`, or `user-assigned <client-id>`."""
    output_variable: str | None
    """Set: the token goes to this variable instead of the header (the policy then sets the header itself)."""
    ignore_error: bool

    def describe(self) -> str:
        where = f"a token the gateway obtains with its {self.identity} managed identity for {self.resource}"
        if self.output_variable is not None:
            effect = (
                f"puts {where} in context variable {self.output_variable!r} (the policy decides what is sent)"
            )
        else:
            effect = f"replaces the caller's Authorization header with {where}"
        note = (
            f"{self.scope}: after validation the gateway {effect} ({STEP}); not evaluated: the backend receives "
            "that token, not this one"
        )
        if self.ignore_error:
            note += "; ignore-error is true, so if the gateway gets no token the caller's header goes on unchanged"
        return note + "."

    def to_json(self) -> dict[str, object]:
        return {
            "policy": STEP,
            "scope": self.scope,
            "resource": self.resource,
            "identity": self.identity,
            "outputTokenVariableName": self.output_variable,
            "ignoreError": self.ignore_error,
        }


@dataclass(frozen=True)
class OnwardReading:
    steps: tuple[OnwardStep, ...]
    has_validator: bool
    """Whether the document holds a validator at all (the onward step alone validates nothing)."""


def read_onward(document: bytes | str, scope: str) -> OnwardReading:
    """The onward steps of a policy document. A document that is not XML as a whole (policy
    expressions left raw) is scanned for the step's start tag instead."""
    raw = document.encode("utf-8") if isinstance(document, str) else document
    try:
        root = parse_xml(raw)
    except PolicyError:
        attributes = [_attributes(m.group(1)) for m in _STEP_TAG.finditer(raw)]
        has_validator = b"<validate-jwt" in raw or b"<validate-azure-ad-token" in raw
        return OnwardReading(tuple(_step(scope, a) for a in attributes), has_validator)
    steps = tuple(_step(scope, n.attributes) for n in elements(root, STEP))
    return OnwardReading(steps, bool(find_validators(root)))


def _attributes(text: bytes) -> dict[str, str]:
    return {
        m.group(1).decode("utf-8", "replace"): (m.group(3) or m.group(4) or b"").decode("utf-8", "replace")
        for m in _ATTRIBUTE.finditer(text)
    }


def _step(scope: str, attributes: dict[str, str]) -> OnwardStep:
    client_id = attributes.get("client-id")
    return OnwardStep(
        scope=scope,
        resource=attributes.get("resource", "(no resource)"),
        identity=f"user-assigned {client_id}" if client_id else "system-assigned",
        output_variable=attributes.get("output-token-variable-name") or None,
        # The documented default is false.
        ignore_error=attributes.get("ignore-error", "false").strip().lower() == "true",
    )
