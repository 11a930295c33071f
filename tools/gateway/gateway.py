"""The local gateway: a request in, the answer the stack's token and CORS rules give it out.

A TEST DOUBLE of API Management's token and CORS rules, not of API Management: it finds the API by
path and the operation by method and URL template, runs that call's inbound steps
(`tools.verify.pipeline`: cors, the validators through check-token's evaluator, per-caller limits,
authentication-managed-identity), and forwards what they let through to a backend. docs/verify.md
lists what it does not emulate. Refusals carry the gateway's reason code in `X-Apim-Oauth-Reason`,
which API Management does not send: it lets `verify` name the cell's reason.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt

from tools.check_token.metadata import MetadataSource
from tools.gateway.backend import Backend, Forward
from tools.gateway.limits import Counters
from tools.gateway.provider import LocalProvider
from tools.verify.pipeline import REASON_HEADER, Request, Step, run_inbound
from tools.verify.routes import Operation, StackRoutes, product_for
from tools.verify.scopes import steps_for

TEST_DOUBLE = "apim-oauth local gateway: a test double of the token and CORS rules, not of API Management"
SCOPE_HEADER = "X-Apim-Oauth-Scope"


@dataclass(frozen=True)
class Incoming:
    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    """Names lower case."""
    body: bytes = b""


@dataclass(frozen=True)
class Outgoing:
    status: int
    headers: Mapping[str, str] = field(default_factory=lambda: dict[str, str]())
    body: bytes = b""


def json_answer(
    status: int, document: Mapping[str, Any], headers: Mapping[str, str] | None = None
) -> Outgoing:
    return Outgoing(
        status,
        {"Content-Type": "application/json", **(headers or {})},
        json.dumps(document, indent=2).encode(),
    )


class LocalGateway:
    """The stack's APIs (`routes`) behind their policies, with `metadata` for the validators."""

    def __init__(
        self,
        routes: StackRoutes,
        metadata: MetadataSource,
        backend: Backend,
        provider: LocalProvider | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.routes = routes
        self.metadata = metadata
        self.backend = backend
        self.provider = provider
        self.clock = clock
        self.counters = Counters()
        self._steps: dict[tuple[Operation, str | None], list[Step]] = {}

    def respond(self, incoming: Incoming) -> Outgoing:
        if self.provider is not None and self.provider.owns(incoming.path):
            return self._provider(incoming)
        if self.routes.api_at(incoming.path) is None:
            return json_answer(404, {"statusCode": 404, "message": "Resource not found"})
        request = Request(incoming.method, incoming.headers, incoming.query)
        method = (
            incoming.headers.get("access-control-request-method", "")
            if request.is_preflight
            else incoming.method
        )
        operation = self.routes.find(method, incoming.path)
        if operation is None:
            message = "Unable to match incoming request to an operation."
            return json_answer(
                404, {"statusCode": 404, "message": message}, {REASON_HEADER: "OperationNotFound"}
            )
        product = product_for(self.routes.view, operation.api, self._granted(incoming.headers))
        key = (operation, product)
        if key not in self._steps:
            self._steps[key] = steps_for(self.routes.view, operation, product)
        answer = run_inbound(self._steps[key], request, self.metadata, self.clock(), self.counters)
        headers = {**answer.headers, "X-Apim-Oauth-Test-Double": TEST_DOUBLE}
        if not answer.forwarded:
            if answer.reason is None:  # a preflight cors answered
                return Outgoing(answer.status, headers)
            headers.update({REASON_HEADER: answer.reason, SCOPE_HEADER: answer.scope or ""})
            document = {"statusCode": answer.status, "message": answer.message, "reason": answer.reason}
            return json_answer(answer.status, document, headers)
        backend_token = (
            self.provider.gateway_token(answer.backend_resource, operation.api)
            if answer.backend_resource and self.provider is not None
            else None
        )
        forwarded = self.backend(
            Forward(
                incoming.method,
                incoming.path,
                incoming.query,
                incoming.headers,
                incoming.body,
                operation,
                product,
                answer.backend_resource,
                backend_token,
            )
        )
        return Outgoing(forwarded.status, {**forwarded.headers, **headers}, forwarded.body)

    def _granted(self, headers: Mapping[str, str]) -> tuple[str, ...]:
        """The products of the client whose token this is (unverified: it only picks the product, as a
        subscription key would; the validators judge the token)."""
        words = headers.get("authorization", "").split(None, 1)
        token = words[-1] if words else ""
        try:
            claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            return ()
        caller = str(claims.get("azp") or claims.get("appid") or "")
        for info in self.routes.view.clients.values():
            if caller and str(info.get("clientId")) == caller:
                return tuple(str(p) for p in info.get("products") or ())
        return ()

    def _provider(self, incoming: Incoming) -> Outgoing:
        assert self.provider is not None
        if (
            incoming.method == "POST"
            and incoming.path == urllib.parse.urlsplit(self.provider.token_endpoint).path
        ):
            form = dict(urllib.parse.parse_qsl(incoming.body.decode("utf-8", "replace")))
            answer = self.provider.token(form)
            return json_answer(answer.status, answer.body, {"Cache-Control": "no-store"})
        document = self.provider.answer_get(incoming.path) if incoming.method == "GET" else None
        if document is None:
            return json_answer(
                404, {"error": "not_found", "error_description": "not an endpoint of the local provider"}
            )
        return json_answer(200, document)
