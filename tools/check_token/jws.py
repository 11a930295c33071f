"""Reading a compact JWS as the gateway's library reads it, before any key is used.

Follows Microsoft.IdentityModel (see fidelity.py for the version): JsonWebToken.cs `ReadToken` (the
dots), Base64UrlEncoding.cs `Decode`/`ValidateAndGetOutputSize` (the segments),
Json/JsonWebToken.HeaderClaimSet.cs and PayloadClaimSet.cs (the JSON and the registered claims'
types), JsonSerializerPrimitives.cs `ReadLong`/`ReadString`. It is as lenient as that reader is:
`=` padding and the `+`/`/` alphabet are read, stray bits in the last character are ignored, a
duplicate member keeps its last value, bytes after the JSON object are not read, and `crit`/`b64`
are not interpreted. What is wrong with a token is said in words that never quote it.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from dataclasses import dataclass, field
from typing import cast

MAX_TOKEN_CHARS = 250 * 1024
"""TokenValidationParameters.cs `DefaultMaximumTokenSizeInBytes` (IDX10209 above it)."""

_SEGMENT = re.compile(r"[A-Za-z0-9+/_=-]*")
"""Base64UrlEncoding.cs `Decode`: both alphabets; `=` is skipped wherever it is."""
_NUMBER_TEXT = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")
"""What .NET's long/double.TryParse read from a string claim (ReadLong), in the invariant culture."""
_INT64 = (-(2**63), 2**63 - 1)
_JSON = json.JSONDecoder(parse_constant=lambda name: _refuse_constant(name))
_HEADER_STRINGS = ("alg", "cty", "kid", "typ", "x5t", "zip")
"""HeaderClaimSet.cs: read with ReadString; anything but a string or null makes the token unreadable."""
_PAYLOAD_STRINGS = ("azp", "iss", "jti")
_PAYLOAD_NUMBERS = ("exp", "iat", "nbf")


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
    signature: bytes | None
    """None when the segment is not base64url: the library then fails every key (ValidateSignature)."""
    signed: bool
    """JsonWebToken.cs `IsSigned`: the third segment is not empty (whatever `alg` says)."""
    times: dict[str, int] = field(default_factory=lambda: dict[str, int]())
    """`exp`, `nbf`, `iat` as the library reads them (ReadLong), when present."""
    audiences: tuple[str, ...] = ()
    """JsonWebToken.cs `Audiences`: `aud` as a list, nulls skipped."""

    @property
    def algorithm(self) -> str | None:
        return cast("str | None", self.header.get("alg"))

    @property
    def key_id(self) -> str | None:
        kid = cast("str | None", self.header.get("kid"))
        return kid or None  # `kidExists` is `!string.IsNullOrEmpty(jwtToken.Kid)`

    @property
    def thumbprint(self) -> str | None:
        return cast("str | None", self.header.get("x5t")) or None


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")  # Utf8JsonReader reads no NaN or Infinity


def _decode(part: str, name: str) -> bytes:
    """Base64UrlEncoding.cs `Decode`: any `=` skipped, stray bits dropped, one leftover char refused."""
    if not _SEGMENT.fullmatch(part):
        raise MalformedTokenError(f"the {name} is not base64url text")
    if len(part) % 4 == 1:  # ValidateAndGetOutputSize, IDX10400
        raise MalformedTokenError(f"the {name} has an impossible base64url length")
    text = part.replace("=", "").replace("+", "-").replace("/", "_")
    if len(text) % 4 == 1:  # Decode's spill-over check, IDX10821
        raise MalformedTokenError(f"the {name} is not base64url text")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise MalformedTokenError(f"the {name} is not base64url text") from None


def _object(raw: bytes, what: str) -> dict[str, object]:
    """Utf8JsonReader from the start: whitespace, then one object, read to its end; later bytes unread."""
    text = raw.decode("utf-8", errors="replace").lstrip(" \t\r\n")
    if not raw and what == "payload":
        return {}  # PayloadClaimSet.cs: an empty payload is an empty claim set
    try:
        parsed, _ = _JSON.raw_decode(text)
    except (ValueError, RecursionError):
        raise MalformedTokenError(f"the {what} is not JSON") from None
    if not isinstance(parsed, dict):
        raise MalformedTokenError(f"the {what} is not a JSON object")
    return cast("dict[str, object]", parsed)


def _long(value: object, name: str) -> int:
    """JsonSerializerPrimitives.cs `ReadLong`: a number, or a string holding one; doubles rounded
    half to even (Convert.ToInt64); out of range or anything else makes the token unreadable."""
    number: float | int
    if isinstance(value, bool) or value is None:
        raise MalformedTokenError(f"the token's {name} is not a number")
    if isinstance(value, int | float):
        number = value
    elif isinstance(value, str) and _NUMBER_TEXT.fullmatch(value):
        text = value.strip()
        number = int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)
    else:
        raise MalformedTokenError(f"the token's {name} is not a number")
    if isinstance(number, float):
        if not math.isfinite(number):
            raise MalformedTokenError(f"the token's {name} is not a number")
        number = round(number)  # Python's round is half to even, like Convert.ToInt64(double)
    if not _INT64[0] <= number <= _INT64[1]:
        raise MalformedTokenError(f"the token's {name} is out of range")
    return number


def _check_types(
    header: dict[str, object], claims: dict[str, object]
) -> tuple[dict[str, int], tuple[str, ...]]:
    for name in _HEADER_STRINGS:
        if name in header and header[name] is not None and not isinstance(header[name], str):
            raise MalformedTokenError(f"the header's {name!r} is not a string")
    for name in _PAYLOAD_STRINGS:
        if name in claims and claims[name] is not None and not isinstance(claims[name], str):
            raise MalformedTokenError(f"the token's {name} is not a string")
    if "sub" in claims and not isinstance(claims["sub"], str | int | float | type(None)):
        raise MalformedTokenError("the token's sub is not a string or number")
    times = {name: _long(claims[name], name) for name in _PAYLOAD_NUMBERS if name in claims}
    audiences: list[str] = []
    aud = claims.get("aud")
    if isinstance(aud, list):
        for item in cast("list[object]", aud):
            if item is None:
                continue  # ReadStringsSkipNulls
            if not isinstance(item, str):
                raise MalformedTokenError("the token's aud holds a value that is not a string")
            audiences.append(item)
    elif isinstance(aud, str):
        audiences.append(aud)
    elif aud is not None:
        raise MalformedTokenError("the token's aud is not a string or an array of strings")
    return times, tuple(audiences)


def read_token(token: str) -> Token:
    """A compact JWS, read once; MalformedTokenError says what is wrong (the gateway: JwtInvalid)."""
    if len(token) > MAX_TOKEN_CHARS:
        raise MalformedTokenError(
            f"the token is {len(token)} characters long; the library reads at most {MAX_TOKEN_CHARS}"
        )
    parts = token.split(".")
    # JsonWebToken.cs `ReadToken`: two dots are a JWS, four a JWE; fewer than two dots is IDX14100 or
    # IDX14120, three or more than four is IDX14121/IDX14122.
    if len(parts) == 5:
        raise MalformedTokenError("the token is encrypted (JWE, five parts)", encrypted=True)
    if len(parts) != 3:
        raise MalformedTokenError(
            f"the token has {len(parts)} part(s); a signed JWT has three, separated by '.'"
        )
    header = _object(_decode(parts[0], "header"), "header") if parts[0] else _object(b"", "header")
    claims = _object(_decode(parts[1], "payload"), "payload") if parts[1] else {}
    times, audiences = _check_types(header, claims)
    try:
        signature: bytes | None = _decode(parts[2], "signature")
    except MalformedTokenError:
        signature = None
    signing_input = f"{parts[0]}.{parts[1]}".encode()
    return Token(header, claims, signing_input, signature, bool(parts[2]), times, audiences)
