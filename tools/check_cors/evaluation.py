"""check-cors's verdict: the gateway's answers (`gateway`) to a browser request, judged by the
browser's rules (`fetch`), plus what the policy's place in the document and the API change.

The reference (MicrosoftDocs/azure-docs `articles/api-management/cors-policy.md` at
29477839ea67337412e3665591c3d0c07b6cc707): problems follow when `cors` "is not the first policy in
the inbound section"; "If a request matches an operation with an `OPTIONS` method defined in the
API, preflight request processing logic associated with the `cors` policy will not be executed".
"""

from __future__ import annotations

from dataclasses import dataclass

from tools.check_cors import gateway
from tools.check_cors.fetch import Refusal, cors_check, preflight_check
from tools.check_cors.request import SAFELISTED_METHODS, BrowserRequest
from tools.policy_xml.cors import ReadCors


@dataclass(frozen=True)
class Exchange:
    """One request the browser sends and the CORS headers of the gateway's answer."""

    method: str
    request_headers: dict[str, str]
    response_headers: dict[str, str]


@dataclass(frozen=True)
class CorsVerdict:
    admitted: bool
    preflight: Exchange | None
    """None when the request is not preflighted."""
    response: Exchange | None
    """None when the browser never sends the request (its preflight was refused)."""
    refusal: Refusal | None
    notes: tuple[str, ...] = ()


def evaluate(
    cors: ReadCors | None, request: BrowserRequest, *, options_operation: bool = False
) -> CorsVerdict:
    """Would a page at `request.origin` get the response? `options_operation`: the API defines an
    OPTIONS operation that the preflight would match."""
    notes = _notes(cors, request)
    policy = cors.policy if cors is not None else None
    structural = _structural_refusal(cors, request, options_operation)
    preflight: Exchange | None = None
    if request.needs_preflight:
        answer = {} if structural is not None else gateway.preflight_headers(policy, request.origin)
        preflight = Exchange("OPTIONS", _preflight_request(request), answer)
        refused = structural or preflight_check(answer, request)
        if refused is not None:
            return CorsVerdict(False, preflight, None, refused, notes)
    answer = {} if structural is not None else gateway.response_headers(policy, request.origin)
    response = Exchange(request.method, {"Origin": request.origin}, answer)
    refused = structural or cors_check(answer, request, "the response")
    return CorsVerdict(refused is None, preflight, response, refused, notes)


def _structural_refusal(
    cors: ReadCors | None, request: BrowserRequest, options_operation: bool
) -> Refusal | None:
    if cors is None:
        return Refusal(
            "NoCorsPolicy", request.origin, "the policy has no cors: no answer carries CORS headers"
        )
    if cors.preceded_by is not None:
        return Refusal(
            "CorsNotFirst",
            cors.preceded_by,
            f"cors is not the first policy in <inbound> (<{cors.preceded_by}> comes before it), so the "
            "gateway may apply another cors or none",
        )
    if options_operation and request.needs_preflight:
        return Refusal(
            "OptionsOperation",
            "OPTIONS",
            "the API has an OPTIONS operation: the preflight goes to it, not to cors, and gets no CORS headers",
        )
    return None


def _preflight_request(request: BrowserRequest) -> dict[str, str]:
    headers = {"Origin": request.origin, "Access-Control-Request-Method": request.method}
    if request.unsafe_header_names:
        headers["Access-Control-Request-Headers"] = ",".join(request.unsafe_header_names)
    return headers


def _notes(cors: ReadCors | None, request: BrowserRequest) -> tuple[str, ...]:
    if cors is None:
        return ()
    notes: list[str] = []
    if not cors.terminate_written:
        notes.append(
            "terminate-unmatched-request is not written; Microsoft Learn gives its default as false in "
            "one place and true in another: write it"
        )
    if (
        request.method in SAFELISTED_METHODS
        and request.method not in cors.policy.methods
        and "*" not in cors.policy.methods
    ):
        notes.append(
            f"{request.method} is not in allowed-methods; browsers do not check GET, HEAD or POST against "
            "it, whether the gateway does is not documented"
        )
    if not cors.policy.terminate_unmatched and not gateway.origin_allowed(cors.policy, request.origin):
        notes.append(
            "terminate-unmatched-request is false: the request still reaches the backend, unreadable by the page"
        )
    return tuple(notes)
