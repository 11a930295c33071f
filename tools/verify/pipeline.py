"""The inbound policies a request runs through, in the gateway's order, and what they answer.

One request path is the operation's, the API's and the product's policy documents (check-token's
`request_path`). Each scope's `<base />` stands for the next scope out: the gateway runs what the
operation writes before `<base />`, then the API's policy, then the product's, then what comes after
each `<base />` (https://learn.microsoft.com/azure/api-management/api-management-howto-policies,
"Scopes" and "Use base element to set policy evaluation order"). The steps here are the policies
that decide who gets through: `cors`, the token validators (judged by check-token's evaluator), the
per-caller limits and `authentication-managed-identity`; every other policy is passed over, and
docs/verify.md says so. `verify --matrix` runs these steps to compute each cell; the local gateway
runs the same steps on real requests.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import jwt

from tools.check_cors import gateway as cors_answers
from tools.check_token.evaluation import evaluate
from tools.check_token.metadata import MetadataError, MetadataSource
from tools.check_token.policy import Policy
from tools.check_token.policy_xml import parse_policy
from tools.check_token.stack import Scope
from tools.check_token.verdict import EvaluationError
from tools.policy_xml.cors import ReadCors, read_cors
from tools.policy_xml.document import Node, read_document

REASON_HEADER = "X-Apim-Oauth-Reason"
"""The local gateway names its reason code in this header, which API Management does not send."""
StepKind = Literal["cors", "validator", "rate-limit", "quota", "managed-identity"]
_LIMITS: Mapping[str, StepKind] = {"rate-limit-by-key": "rate-limit", "quota-by-key": "quota"}
_VALIDATORS = ("validate-jwt", "validate-azure-ad-token")


@dataclass(frozen=True)
class Step:
    """One policy that decides who gets through, and the scope that wrote it."""

    scope: str
    kind: StepKind
    cors: ReadCors | None = None
    policy: Policy | None = None
    attributes: Mapping[str, str] = field(default_factory=lambda: dict[str, str]())


@dataclass(frozen=True)
class Request:
    """What the gateway sees of a request: its method and headers (names lower case)."""

    method: str
    headers: Mapping[str, str]
    query: Mapping[str, str] = field(default_factory=lambda: dict[str, str]())

    @property
    def origin(self) -> str | None:
        return self.headers.get("origin")

    @property
    def is_preflight(self) -> bool:
        """A browser's CORS preflight: OPTIONS with Origin and Access-Control-Request-Method."""
        return (
            self.method == "OPTIONS"
            and "origin" in self.headers
            and "access-control-request-method" in self.headers
        )


@dataclass(frozen=True)
class Answer:
    """What the gateway does with a request: answer it itself (`status`, the gateway's `reason`
    code and `message`) or forward it to the backend (`forwarded`)."""

    status: int
    reason: str | None
    message: str
    scope: str | None = None
    """The scope whose policy answered."""
    headers: Mapping[str, str] = field(default_factory=lambda: dict[str, str]())
    """CORS headers of the answer."""
    forwarded: bool = False
    claims: Mapping[str, Any] | None = None
    """The claims of the token the validators accepted (None when none checked a token)."""
    backend_resource: str | None = None
    """The resource of `authentication-managed-identity`: the gateway calls the backend with its own token for it."""


Counter = Callable[[str, str, Mapping[str, str], Mapping[str, Any]], bool]
"""The per-caller limit counters: (kind, scope, the element's attributes, the token's claims) ->
whether the call is within the limit. The local gateway keeps them; the matrix sends one call per
cell, which no limit refuses."""


def inbound_steps(scopes: Sequence[Scope], own_check: Policy | None = None) -> list[Step]:
    """The steps of a request path (`scopes`, innermost first), `<base />` expanded. `own_check`: the
    token check API Management runs itself for a product with application-based access, first."""
    steps = [Step("API Management (application-based access)", "validator", policy=own_check)]
    return (steps if own_check is not None else []) + _scope_steps(list(scopes))


def _scope_steps(scopes: list[Scope]) -> list[Step]:
    if not scopes:
        return []
    scope, outer = scopes[0], scopes[1:]
    document = read_document(scope.document)
    assert document is not None  # strict: a document it cannot read raises PolicyError
    inbound = next((child for child in document.root.children if child.tag == "inbound"), None)
    if inbound is None:
        return _scope_steps(outer)
    steps: list[Step] = []
    for child in inbound.children:
        if child.tag == "base":
            steps += _scope_steps(outer)
        else:
            steps += _element_steps(scope, child)
    return steps  # without <base />, the outer scopes do not run


def _element_steps(scope: Scope, node: Node) -> list[Step]:
    if node.tag == "cors":
        return [Step(scope.label, "cors", cors=read_cors(scope.document))]
    if node.tag in _VALIDATORS:
        return [Step(scope.label, "validator", policy=parse_policy(scope.document))]
    if node.tag in _LIMITS:
        return [Step(scope.label, _LIMITS[node.tag], attributes=dict(node.attributes))]
    if node.tag == "authentication-managed-identity":
        return [Step(scope.label, "managed-identity", attributes=dict(node.attributes))]
    return []


def run_inbound(
    steps: Sequence[Step],
    request: Request,
    metadata: MetadataSource,
    now: float,
    counter: Counter | None = None,
) -> Answer:
    """What the gateway answers `request` after the inbound `steps`, or that it forwards it."""
    cors_headers: dict[str, str] = {}
    claims: Mapping[str, Any] | None = None
    backend_resource: str | None = None
    for step in steps:
        if step.kind == "cors" and step.cors is not None:
            answered = _cors(step, request)
            if isinstance(answered, Answer):
                return answered
            cors_headers.update(answered)
        elif step.kind == "validator" and step.policy is not None:
            outcome = _validate(step, step.policy, request, metadata, now)
            if isinstance(outcome, Answer):
                return Answer(outcome.status, outcome.reason, outcome.message, step.scope, cors_headers)
            claims = outcome
        elif step.kind in ("rate-limit", "quota") and counter is not None:
            if not counter(step.kind, step.scope, step.attributes, claims or {}):
                status, code = (
                    (429, "RateLimitExceeded") if step.kind == "rate-limit" else (403, "QuotaExceeded")
                )
                message = f"{step.kind} of {step.scope}: calls {step.attributes.get('calls')} per {step.attributes.get('renewal-period')} s"
                return Answer(status, code, message, step.scope, cors_headers)
        elif step.kind == "managed-identity":
            backend_resource = step.attributes.get("resource")
    if request.is_preflight:
        # No cors answered it, and an API has no OPTIONS operation of its own: nothing matches.
        return Answer(
            404, "OperationNotFound", "no cors on the path answers the preflight", None, cors_headers
        )
    return Answer(200, None, "forwarded to the backend", None, cors_headers, True, claims, backend_resource)


def _cors(step: Step, request: Request) -> Answer | dict[str, str]:
    """cors-policy.md: a preflight from an allowed origin is answered here; one from another origin is
    answered empty when `terminate-unmatched-request` is true, else goes on."""
    assert step.cors is not None
    policy, origin = step.cors.policy, request.origin
    if origin is None:
        return {}
    if not request.is_preflight:
        return cors_answers.response_headers(policy, origin)
    if cors_answers.origin_allowed(policy, origin):
        return Answer(
            200,
            None,
            "preflight answered by cors",
            step.scope,
            cors_answers.preflight_headers(policy, origin),
        )
    if policy.terminate_unmatched:
        return Answer(
            200,
            "CorsOriginNotAllowed",
            f"origin {origin} is not among the allowed origins: the preflight is answered without CORS headers",
            step.scope,
        )
    return {}


def _validate(
    step: Step, policy: Policy, request: Request, metadata: MetadataSource, now: float
) -> Answer | Mapping[str, Any]:
    presented = _presented(policy, request)
    try:
        verdict = evaluate(presented, policy, metadata, now)
    except (MetadataError, EvaluationError) as error:
        return Answer(500, "ValidatorError", str(error), step.scope)
    if not verdict.accepted:
        first = verdict.reasons[0]
        status = int(policy.failed_status) if policy.failed_status.isdigit() else 401
        return Answer(status, first.code, first.message, step.scope)
    token = presented.split(None, 1)[-1]
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def _presented(policy: Policy, request: Request) -> str:
    location = policy.location
    if location.header_name is not None:
        return request.headers.get(location.header_name.lower(), "")
    if location.query_parameter_name is not None:
        return request.query.get(location.query_parameter_name, "")
    return ""


def describe_claims(claims: Mapping[str, Any]) -> str:
    """The claims that decide access, for a report: audience, caller, roles, scopes."""
    keys = ("aud", "azp", "appid", "roles", "scp")
    return json.dumps({key: claims[key] for key in keys if key in claims}, sort_keys=True)
