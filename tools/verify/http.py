"""The few HTTP calls `verify` makes with `--gateway` (and `--drift`): https only, plain http for
loopback hosts (the local gateway), a timeout, no redirects followed, bodies capped."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from tools.check_token.fetching import named_url_problem as url_problem

TIMEOUT_SECONDS = 15.0
MAX_BODY_BYTES = 4 * 1024 * 1024


class HttpError(Exception):
    """The URL is refused, or nothing answered."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]
    """Names lower case."""
    body: bytes

    def json(self) -> dict[str, Any]:
        """The body as a JSON object; {} when it is not one."""
        try:
            document: object = json.loads(self.body)
        except ValueError:
            return {}
        return cast("dict[str, Any]", document) if isinstance(document, dict) else {}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None  # a redirect is an answer to compare, not a place to follow a token to


_OPENER = urllib.request.build_opener(_NoRedirect)


def request(
    url: str, method: str = "GET", headers: Mapping[str, str] | None = None, body: bytes | None = None
) -> Response:
    problem = url_problem(url)
    if problem is not None:
        raise HttpError(f"{url}: {problem}")
    prepared = urllib.request.Request(url, data=body, headers=dict(headers or {}), method=method)  # noqa: S310 - checked above
    try:
        with _OPENER.open(prepared, timeout=TIMEOUT_SECONDS) as answer:
            return Response(answer.status, _lower(answer.headers.items()), answer.read(MAX_BODY_BYTES))
    except urllib.error.HTTPError as error:
        return Response(error.code, _lower(error.headers.items()), error.read(MAX_BODY_BYTES))
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        reason = getattr(error, "reason", error)
        raise HttpError(f"{url}: no answer ({reason})") from None


def post_form(url: str, form: Mapping[str, str]) -> Response:
    body = urllib.parse.urlencode(form).encode()
    return request(url, "POST", {"Content-Type": "application/x-www-form-urlencoded"}, body)


def _lower(items: Any) -> dict[str, str]:
    return {str(name).lower(): str(value) for name, value in items}
