"""Reading a compact JWS: its header, claims, signing input and signature, before any key is used.

What is wrong with a token is said in words that never quote it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

MAX_TOKEN_CHARS = 32 * 1024
"""A token with 200 group IDs (Entra's limit before overage) is about 12 KB; bigger is not a token."""

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_SUPPORTED_CRITICAL_EXTENSIONS = frozenset({"b64"})
"""pyjwt's `PyJWS._supported_crit`: a `crit` naming anything else makes the token unreadable."""


class MalformedTokenError(Exception):
    """What is wrong with a token, in words that never quote it."""

    def __init__(self, problem: str, *, encrypted: bool = False) -> None:
        super().__init__(problem)
        self.encrypted = encrypted


@dataclass(frozen=True)
class Token:
    """A compact JWS as read, before its signature is checked."""

    header: dict[str, object]
    claims: dict[str, object]
    signing_input: bytes
    """`header.payload` as sent: what the signature covers."""
    signature: bytes


def _json_object(raw: bytes, what: str) -> dict[str, object]:
    def no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
        keys = [key for key, _ in pairs]
        if len(set(keys)) != len(keys):
            # Two parsers could read two different tokens from it; refuse.
            raise MalformedTokenError(f"the {what} has a duplicate member")
        return dict(pairs)

    try:
        parsed: object = json.loads(raw.decode("utf-8"), object_pairs_hook=no_duplicates)
    except (ValueError, RecursionError, UnicodeDecodeError):
        raise MalformedTokenError(f"the {what} is not JSON") from None
    if not isinstance(parsed, dict):
        raise MalformedTokenError(f"the {what} is not a JSON object")
    return cast("dict[str, object]", parsed)


def _base64url_segment(part: str, name: str) -> bytes:
    """The bytes of one segment, already matched by _BASE64URL (unpadded base64url alphabet).

    As strict as pyjwt's reader (`PyJWS._decode_base64url_segment`) and stricter where that one
    tolerates `=` padding: the length must be possible, and the text must be the canonical encoding
    of its bytes (no stray bits in the last character), so one token has exactly one spelling.
    """
    if len(part) % 4 == 1:
        raise MalformedTokenError(f"the {name} is not base64url text")
    try:
        decoded = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise MalformedTokenError(f"the {name} is not base64url text") from None
    if base64.urlsafe_b64encode(decoded).rstrip(b"=") != part.encode("ascii"):
        raise MalformedTokenError(f"the token cannot be decoded: its {name} is not canonical base64url")
    return decoded


def _check_header(header: Mapping[str, object]) -> None:
    """pyjwt's header rules (`PyJWS._validate_headers` and its `b64` handling), and a string `alg`."""
    if not isinstance(header.get("alg"), str):
        raise MalformedTokenError("the header has no 'alg'")
    if "kid" in header and not isinstance(header["kid"], str):
        raise MalformedTokenError("the token cannot be decoded: the Key ID header parameter is not a string")
    if "crit" in header:
        # RFC 7515, 4.1.11: an extension marked critical that the reader does not understand makes
        # the token invalid; one it understands must be present.
        critical = header["crit"]
        if not isinstance(critical, list) or not critical:
            raise MalformedTokenError("the header's 'crit' is not a non-empty list")
        for extension in cast("list[object]", critical):
            if not isinstance(extension, str):
                raise MalformedTokenError("the header's 'crit' holds a value that is not a string")
            if extension not in _SUPPORTED_CRITICAL_EXTENSIONS:
                raise MalformedTokenError("the header's 'crit' names an extension that is not supported")
            if extension not in header:
                raise MalformedTokenError(f"the header's 'crit' names {extension!r}, which the header lacks")
    if header.get("b64", True) is False:
        # RFC 7797: the payload would be sent as is (or detached), not base64url. pyjwt reads such a
        # token only with the payload handed over separately; a JWT never has one.
        raise MalformedTokenError("the header sets 'b64' to false (an unencoded payload), which no JWT has")


def read_token(token: str) -> Token:
    """A compact JWS, read once; MalformedTokenError says what is wrong.

    The checks pyjwt's reader (`PyJWS._load`) makes, at C speed: alphabet (one regular expression
    per segment), length and canonical encoding, JSON objects, and pyjwt's `kid`, `crit` and `b64`
    header rules. Stricter than it where it is lenient: no `=` padding, no duplicate JSON members.
    """
    if len(token) > MAX_TOKEN_CHARS:
        raise MalformedTokenError(
            f"the token is {len(token)} characters long; more than {MAX_TOKEN_CHARS} is not a JWT"
        )
    parts = token.split(".")
    if len(parts) == 5:
        raise MalformedTokenError("the token is encrypted (JWE, five parts)", encrypted=True)
    if len(parts) != 3:
        raise MalformedTokenError(
            f"the token has {len(parts)} part(s); a signed JWT has three, separated by '.'"
        )
    for name, part in zip(("header", "payload", "signature"), parts, strict=True):
        if not _BASE64URL.fullmatch(part):
            raise MalformedTokenError(f"the {name} is not base64url text")
    header = _json_object(_base64url_segment(parts[0], "header"), "header")
    _check_header(header)
    claims = _json_object(_base64url_segment(parts[1], "payload"), "payload")
    signature = _base64url_segment(parts[2], "signature")
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii")
    return Token(header, claims, signing_input, signature)
