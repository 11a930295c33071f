"""Would the APIM gateway accept this JWT under this policy, and if not, why.

Pure apart from the metadata it is handed: `parse_policy` turns a policy document into a typed model
of its `validate-jwt` or `validate-azure-ad-token` element, `evaluate` checks a token against it and
returns a `Verdict` with the gateway's reason codes and hints for the known traps. Semantics follow
shared/reference/entra-apim.md, sections 3-6; signatures are verified by pyjwt, never by hand.

The gateway stops at its first failure; this reports every failure it finds, in the gateway's order
(token, signature, lifetime, audience, issuer, callers, claims), so the first reason is the one the
gateway would log. Where the reference is unsure, the reading that accepts fewer tokens is taken:
each such choice is one constant below, named for what it decides.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import math
import re
import urllib.parse
import uuid
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Literal, TypeAlias, cast
from xml.parsers import expat

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt import PyJWK
from jwt.algorithms import Algorithm, get_default_algorithms

from apim_oauth.azure.clouds import CLOUDS, CloudName
from tools.check_token.metadata import (
    MetadataSource,
    OpenIdConfiguration,
    SigningKey,
    signing_key_from_jwk,
    symmetric_jwk,
)

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

RSA_ALGORITHMS = frozenset({"RS256", "RS512", "PS256"})
EC_ALGORITHMS = frozenset({"ES256"})
SYMMETRIC_ALGORITHMS = frozenset({"HS256"})
ACCEPTED_ALGORITHMS = RSA_ALGORITHMS | EC_ALGORITHMS | SYMMETRIC_ALGORITHMS
"""What the gateway verifies (reference, section 3); RS384, ES384 and the rest are refused."""

MAX_TOKEN_CHARS = 32 * 1024
"""A token with 200 group IDs (Entra's limit before overage) is about 12 KB; bigger is not a token."""

MAX_POLICY_BYTES = 4 * 1024 * 1024

# --- readings of what the reference leaves unsure (each takes the one that accepts fewer tokens) ---

EXPLICIT_ISSUERS_REPLACE_DISCOVERED = True
"""With `<issuers>`, only those are accepted, not also the openid-config issuer."""
AUDIENCE_MATCH_CASE_SENSITIVE = True
NO_AUDIENCES_REJECTS = True
"""A validator with no `<audiences>` (and no required `aud` claim) is taken to reject every token:
the gateway may instead skip the check, which would accept tokens minted for any app."""
NO_ISSUER_SOURCE_REJECTS = True
"""A validate-jwt with neither `<issuers>` nor `openid-config` has nothing to check `iss` against."""
AZURE_AD_TOKEN_CLOCK_SKEW_SECONDS = 0
"""validate-azure-ad-token has no clock-skew attribute; no tolerance is assumed."""
ENFORCE_MINIMUM_KEY_LENGTH = True
"""pyjwt's minimums (RSA 2048 bits, HS256 32 bytes): stricter than the gateway may be for RSA."""
# Not-yet-valid and missing `exp` have no reason code of their own in the gateway's list; they are
# reported as JwtInvalid (the catch-all), not as TokenExpired.


class PolicyError(Exception):
    """The policy document cannot be evaluated: not XML, no validator, or a value only the gateway
    could resolve (a policy expression or named value)."""


class EvaluationError(Exception):
    """The verdict depends on something not available offline (an APIM certificate, decryption)."""


# --- the policy model ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RequiredClaim:
    """A `<required-claims><claim>`: `values` of claim `name` must be present (`all`) or one (`any`)."""

    name: str
    match: Literal["all", "any"]
    separator: str | None
    values: tuple[str, ...]
    """Empty: the claim only has to be present."""


@dataclass(frozen=True)
class TokenLocation:
    header_name: str | None
    query_parameter_name: str | None
    token_value: str | None
    require_scheme: str | None

    @property
    def is_authorization_header(self) -> bool:
        return self.header_name is not None and self.header_name.lower() == "authorization"

    def describe(self) -> str:
        if self.header_name is not None:
            return f"header {self.header_name}"
        if self.query_parameter_name is not None:
            return f"query parameter {self.query_parameter_name}"
        return "token-value expression"


@dataclass(frozen=True)
class ValidateJwt:
    """A `<validate-jwt>` element."""

    location: TokenLocation
    failed_status: str
    require_expiration_time: bool
    require_signed_tokens: bool
    clock_skew: int
    openid_config_urls: tuple[str, ...]
    signing_keys: tuple[SigningKey, ...]
    """Keys written in `<issuer-signing-keys>` (symmetric or RSA n/e)."""
    certificate_ids: tuple[str, ...]
    """`<key certificate-id>`: certificates stored in APIM, which the check cannot see."""
    decryption: bool
    audiences: tuple[str, ...] | None
    issuers: tuple[str, ...] | None
    required_claims: tuple[RequiredClaim, ...]
    notes: tuple[str, ...] = ()
    condition: str | None = None
    """The `<when condition>` the element sits in, if any: it runs only then."""

    name: ClassVar[str] = "validate-jwt"


@dataclass(frozen=True)
class ValidateAzureAdToken:
    """A `<validate-azure-ad-token>` element."""

    location: TokenLocation
    failed_status: str
    tenant_id: str
    authority: str
    """Scheme and host of the Entra endpoint, e.g. `https://login.microsoftonline.com`."""
    client_application_ids: tuple[str, ...]
    backend_application_ids: tuple[str, ...]
    audiences: tuple[str, ...] | None
    required_claims: tuple[RequiredClaim, ...]
    decryption: bool
    notes: tuple[str, ...] = ()
    condition: str | None = None

    name: ClassVar[str] = "validate-azure-ad-token"

    @property
    def openid_config_url(self) -> str:
        return f"{self.authority}/{self.tenant_id}/v2.0/.well-known/openid-configuration"


Policy: TypeAlias = ValidateJwt | ValidateAzureAdToken


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

    def to_json(self) -> dict[str, object]:
        """The `--json` shape (contract: shared/design.md)."""
        return {
            "accepted": self.accepted,
            "reasons": [{"code": reason.code, "message": reason.message} for reason in self.reasons],
            "hints": list(self.hints),
        }


# --- reading the policy document ----------------------------------------------------------------


@dataclass
class _Node:
    tag: str
    attributes: dict[str, str]
    line: int
    children: list[_Node] = field(default_factory=lambda: [])
    text: str = ""


def _parse_xml(data: bytes) -> _Node:
    parser = expat.ParserCreate()
    roots: list[_Node] = []
    stack: list[_Node] = []

    def start(tag: str, attributes: dict[str, str]) -> None:
        node = _Node(tag.rsplit(":", 1)[-1], dict(attributes), parser.CurrentLineNumber)
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)

    def end(_tag: str) -> None:
        stack.pop()

    def text(data: str) -> None:
        if stack:
            stack[-1].text += data

    def refuse_dtd(*_args: object) -> None:
        # A policy never has a DTD; refusing it rules out entity-expansion attacks outright.
        raise PolicyError("the document declares a DTD or entities, which policy documents never do")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise PolicyError(
            f"not well-formed XML: {expat.errors.messages[error.code]} (line {error.lineno})"
        ) from None
    return roots[0]


# The validator found by text, when the document as a whole is not XML: APIM's "rawxml" exports keep
# policy expressions unescaped (`List<string>`, quotes inside attributes). Only the first one, and
# no backtracking regex over the document: every scan below is linear.
_VALIDATOR_START = re.compile(rb"<(validate-jwt|validate-azure-ad-token)\b")
_REST_OF_START_TAG = re.compile(rb"""(?:[^>"']|"[^"]*"|'[^']*')*>""")


def _validator_text(raw: bytes) -> bytes | None:
    start = _VALIDATOR_START.search(raw)
    if start is None:
        return None
    tag = _REST_OF_START_TAG.match(raw, start.end())
    if tag is None:
        return None
    if raw[tag.end() - 2 : tag.end()] == b"/>":
        return raw[start.start() : tag.end()]
    close = raw.find(b"</" + start.group(1), tag.end())
    close_end = raw.find(b">", close)
    if close < 0 or close_end < 0:
        return None
    return raw[start.start() : close_end + 1]


_VALIDATORS = ("validate-jwt", "validate-azure-ad-token")


def parse_policy(data: bytes | str) -> Policy:
    """The first validator in a policy document (or a bare validator element), as a model."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_POLICY_BYTES:
        raise PolicyError(f"the document is larger than {MAX_POLICY_BYTES} bytes")
    notes: list[str] = []
    try:
        root = _parse_xml(raw)
    except PolicyError as whole_document_error:
        found = _validator_text(raw)
        if found is None or b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
            raise whole_document_error from None
        root = _parse_xml(found)
        notes.append(
            "The policy document is not well-formed XML (raw policy expressions?); its validator element "
            "was read on its own."
        )
    found_validators: list[tuple[_Node, str | None]] = []
    _find_validators(root, None, found_validators)
    if not found_validators:
        raise PolicyError("the document has no <validate-jwt> or <validate-azure-ad-token> element")
    node, condition = found_validators[0]
    if len(found_validators) > 1:
        notes.append(
            f"The document has {len(found_validators)} validators; the first one (line {node.line}) was "
            "evaluated. Which one the gateway runs depends on the enclosing <choose> conditions."
        )
    if node.tag == "validate-jwt":
        return _validate_jwt(node, tuple(notes), condition)
    return _validate_azure_ad_token(node, tuple(notes), condition)


def _find_validators(node: _Node, condition: str | None, found: list[tuple[_Node, str | None]]) -> None:
    if node.tag in _VALIDATORS:
        found.append((node, condition))
        return
    if node.tag == "when":
        condition = node.attributes.get("condition", condition)
    elif node.tag == "otherwise":
        condition = "no <when> condition of the enclosing <choose> holds"
    for child in node.children:
        _find_validators(child, condition, found)


def _literal(value: str, where: str) -> str:
    """`value`, if it is what the gateway compares with (not resolved by the gateway first)."""
    value = value.strip()
    if "{{" in value:
        raise PolicyError(
            f"{where} uses a named value ({value}), which only the gateway can resolve: check the policy "
            "as rendered (python -m tools plan --policies-dir DIR)"
        )
    if value.startswith(("@(", "@{")):
        raise PolicyError(f"{where} is a policy expression, which only the gateway can run")
    return value


def _check_attributes(node: _Node, allowed: Iterable[str]) -> None:
    # An attribute we do not know could change what is accepted: refuse rather than guess.
    unknown = sorted(set(node.attributes) - set(allowed))
    if unknown:
        raise PolicyError(f"<{node.tag}> (line {node.line}): unknown attribute {unknown[0]!r}")


def _boolean(node: _Node, name: str, default: bool) -> bool:
    raw = node.attributes.get(name)
    if raw is None:
        return default
    value = _literal(raw, f"{node.tag}/@{name}").lower()
    if value not in ("true", "false"):
        raise PolicyError(f"{node.tag}/@{name} must be true or false, not {raw!r}")
    return value == "true"


def _location(node: _Node, default_header: str | None) -> TokenLocation:
    given = [
        name for name in ("header-name", "query-parameter-name", "token-value") if name in node.attributes
    ]
    if len(given) > 1:
        raise PolicyError(f"<{node.tag}> names the token in more than one place: {', '.join(given)}")
    if not given and default_header is None:
        raise PolicyError(f"<{node.tag}> needs one of header-name, query-parameter-name, token-value")
    header = node.attributes.get("header-name", default_header if not given else None)
    query = node.attributes.get("query-parameter-name")
    scheme = node.attributes.get("require-scheme")
    return TokenLocation(
        header_name=_literal(header, f"{node.tag}/@header-name") if header is not None else None,
        query_parameter_name=_literal(query, f"{node.tag}/@query-parameter-name")
        if query is not None
        else None,
        # An expression by nature: the check is handed the token it would return.
        token_value=node.attributes.get("token-value"),
        require_scheme=_literal(scheme, f"{node.tag}/@require-scheme") if scheme else None,
    )


def _texts_of(node: _Node, child_tag: str) -> tuple[str, ...]:
    values: list[str] = []
    for child in node.children:
        if child.tag != child_tag:
            raise PolicyError(f"<{node.tag}> (line {child.line}): unexpected <{child.tag}>")
        values.append(_literal(child.text, f"{node.tag}/{child_tag}"))
    return tuple(value for value in values if value)


def _required_claims(node: _Node) -> tuple[RequiredClaim, ...]:
    claims: list[RequiredClaim] = []
    for claim in node.children:
        if claim.tag != "claim":
            raise PolicyError(f"<required-claims> (line {claim.line}): unexpected <{claim.tag}>")
        _check_attributes(claim, ("name", "match", "separator"))
        name = _literal(claim.attributes.get("name", ""), "claim/@name")
        if not name:
            raise PolicyError(f"<claim> (line {claim.line}) has no name")
        match = _literal(claim.attributes.get("match", "all"), "claim/@match")
        if match not in ("all", "any"):
            raise PolicyError(f"claim {name!r}: match must be all or any, not {match!r}")
        separator_raw = claim.attributes.get("separator")
        # Not stripped: the usual separator is a single space.
        separator = separator_raw if separator_raw else None
        if separator is not None:
            _literal(separator if separator.strip() else "x", "claim/@separator")
        claims.append(RequiredClaim(name, match, separator, _texts_of(claim, "value")))
    return tuple(claims)


def _inline_keys(node: _Node) -> tuple[tuple[SigningKey, ...], tuple[str, ...]]:
    keys: list[SigningKey] = []
    certificates: list[str] = []
    for key in node.children:
        if key.tag != "key":
            raise PolicyError(f"<issuer-signing-keys> (line {key.line}): unexpected <{key.tag}>")
        _check_attributes(key, ("id", "certificate-id", "n", "e"))
        key_id = key.attributes.get("id")
        jwk: dict[str, object]
        if "certificate-id" in key.attributes:
            certificates.append(_literal(key.attributes["certificate-id"], "key/@certificate-id"))
            continue
        if "n" in key.attributes or "e" in key.attributes:
            # Accept base64 or base64url for the modulus and exponent; pyjwt wants base64url.
            n, e = (
                _literal(key.attributes.get(part, ""), f"key/@{part}")
                .replace("+", "-")
                .replace("/", "_")
                .rstrip("=")
                for part in ("n", "e")
            )
            jwk = {"kty": "RSA", "n": n, "e": e}
        else:
            text = _literal(key.text, "issuer-signing-keys/key")
            try:
                secret = base64.b64decode(text, validate=True)
            except (binascii.Error, ValueError):
                raise PolicyError(f"<key> (line {key.line}): not base64 text") from None
            if not secret:
                raise PolicyError(f"<key> (line {key.line}) is empty")
            jwk = symmetric_jwk(secret)
        if key_id is not None:
            jwk["kid"] = _literal(key_id, "key/@id")
        parsed = signing_key_from_jwk(jwk, "issuer-signing-keys", inline=True)
        if parsed is None:
            raise PolicyError(f"<key> (line {key.line}) is not a usable key")
        keys.append(parsed)
    return tuple(keys), tuple(certificates)


def _status(node: _Node) -> str:
    return node.attributes.get("failed-validation-httpcode", "401").strip() or "401"


_JWT_ATTRIBUTES = (
    "header-name",
    "query-parameter-name",
    "token-value",
    "failed-validation-httpcode",
    "failed-validation-error-message",
    "require-expiration-time",
    "require-scheme",
    "require-signed-tokens",
    "clock-skew",
    "output-token-variable-name",
)


def _validate_jwt(node: _Node, notes: tuple[str, ...], condition: str | None) -> ValidateJwt:
    _check_attributes(node, _JWT_ATTRIBUTES)
    skew_text = _literal(node.attributes.get("clock-skew", "0"), "validate-jwt/@clock-skew")
    if not skew_text.isdigit():
        raise PolicyError(f"validate-jwt/@clock-skew must be whole seconds, not {skew_text!r}")
    urls: list[str] = []
    keys: tuple[SigningKey, ...] = ()
    certificates: tuple[str, ...] = ()
    audiences: tuple[str, ...] | None = None
    issuers: tuple[str, ...] | None = None
    claims: tuple[RequiredClaim, ...] = ()
    decryption = False
    for child in node.children:
        if child.tag == "openid-config":
            _check_attributes(child, ("url",))
            url = _literal(child.attributes.get("url", ""), "openid-config/@url")
            if not url:
                raise PolicyError(f"<openid-config> (line {child.line}) has no url")
            urls.append(url)
        elif child.tag == "issuer-signing-keys":
            keys, certificates = _inline_keys(child)
        elif child.tag == "decryption-keys":
            decryption = True
        elif child.tag == "audiences":
            audiences = _texts_of(child, "audience")
        elif child.tag == "issuers":
            issuers = _texts_of(child, "issuer")
        elif child.tag == "required-claims":
            claims = _required_claims(child)
        else:
            raise PolicyError(f"<validate-jwt> (line {child.line}): unexpected <{child.tag}>")
    return ValidateJwt(
        location=_location(node, None),
        failed_status=_status(node),
        require_expiration_time=_boolean(node, "require-expiration-time", True),
        require_signed_tokens=_boolean(node, "require-signed-tokens", True),
        clock_skew=int(skew_text),
        openid_config_urls=tuple(urls),
        signing_keys=keys,
        certificate_ids=certificates,
        decryption=decryption,
        audiences=audiences,
        issuers=issuers,
        required_claims=claims,
        notes=notes,
        condition=condition,
    )


_AZURE_ATTRIBUTES = (
    "tenant-id",
    "header-name",
    "query-parameter-name",
    "token-value",
    "authentication-endpoint",
    "failed-validation-httpcode",
    "failed-validation-error-message",
    "output-token-variable-name",
)


def _authority_and_tenant(node: _Node) -> tuple[str, str]:
    tenant = _literal(node.attributes.get("tenant-id", ""), "validate-azure-ad-token/@tenant-id")
    if not tenant:
        raise PolicyError("<validate-azure-ad-token> needs tenant-id")
    endpoint = _literal(
        node.attributes.get("authentication-endpoint", ""), "validate-azure-ad-token/@authentication-endpoint"
    )
    if tenant.startswith(("https://", "http://")):
        # tenant-id may be given as the tenant's URL, e.g. https://login.microsoftonline.com/organizations.
        parts = urllib.parse.urlsplit(tenant)
        tenant = parts.path.strip("/")
        endpoint = endpoint or f"{parts.scheme}://{parts.netloc}"
    if not tenant or "/" in tenant:
        raise PolicyError(f"validate-azure-ad-token/@tenant-id is not a tenant: {tenant!r}")
    endpoint = endpoint or CLOUDS["global"].login_host
    if not endpoint.startswith(("https://", "http://")):
        endpoint = "https://" + endpoint  # the prefix is optional (APIM documentation)
    parts = urllib.parse.urlsplit(endpoint.rstrip("/"))
    if not parts.hostname or parts.path:
        raise PolicyError(f"validate-azure-ad-token/@authentication-endpoint is not a host: {endpoint!r}")
    return f"{parts.scheme}://{parts.netloc}", tenant


def _validate_azure_ad_token(
    node: _Node, notes: tuple[str, ...], condition: str | None
) -> ValidateAzureAdToken:
    _check_attributes(node, _AZURE_ATTRIBUTES)
    authority, tenant = _authority_and_tenant(node)
    clients: tuple[str, ...] | None = None
    backends: tuple[str, ...] = ()
    audiences: tuple[str, ...] | None = None
    claims: tuple[RequiredClaim, ...] = ()
    decryption = False
    for child in node.children:
        if child.tag == "client-application-ids":
            clients = _texts_of(child, "application-id")
        elif child.tag == "backend-application-ids":
            backends = _texts_of(child, "application-id")
        elif child.tag == "audiences":
            audiences = _texts_of(child, "audience")
        elif child.tag == "required-claims":
            claims = _required_claims(child)
        elif child.tag == "decryption-keys":
            decryption = True
        else:
            raise PolicyError(f"<validate-azure-ad-token> (line {child.line}): unexpected <{child.tag}>")
    if not clients:
        # Documented as required; APIM would not save the policy without it.
        raise PolicyError("<validate-azure-ad-token> needs <client-application-ids> with at least one ID")
    return ValidateAzureAdToken(
        location=_location(node, "Authorization"),
        failed_status=_status(node),
        tenant_id=tenant,
        authority=authority,
        client_application_ids=clients,
        backend_application_ids=backends,
        audiences=audiences,
        required_claims=claims,
        decryption=decryption,
        notes=notes,
        condition=condition,
    )


# --- Entra issuers: which cloud, tenant and token version an `iss` stands for --------------------


@dataclass(frozen=True)
class IssuerInfo:
    clouds: tuple[CloudName, ...]
    """More than one when hosts are shared (Global and US Government v1 issuers)."""
    tenant: str
    version: Literal[1, 2]


def describe_issuer(issuer: str) -> IssuerInfo | None:
    """The Entra cloud, tenant and token version of `issuer`, or None if it is not an Entra issuer."""
    try:
        parts = urllib.parse.urlsplit(issuer)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or parts.query or parts.fragment:
        return None
    segments = parts.path.split("/")
    # v2 `https://{login-host}/{tid}/v2.0`, v1 `https://{v1-issuer-host}/{tid}/`
    if len(segments) == 3 and segments[2] == "v2.0" and segments[1]:
        clouds: tuple[CloudName, ...] = tuple(
            name for name, cloud in CLOUDS.items() if cloud.login_host == host
        )
        return IssuerInfo(clouds, segments[1], 2) if clouds else None
    if len(segments) == 3 and segments[2] == "" and segments[1]:
        clouds = tuple(name for name, cloud in CLOUDS.items() if cloud.v1_issuer_host == host)
        return IssuerInfo(clouds, segments[1], 1) if clouds else None
    return None


# --- evaluation ---------------------------------------------------------------------------------

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_SCHEME = re.compile(r"[A-Za-z]{1,16}")
"""An HTTP authentication scheme as callers write them (Bearer, Basic, DPoP): safe to quote."""
_ALGORITHMS: dict[str, Algorithm] = {
    name: algorithm for name, algorithm in get_default_algorithms().items() if name in ACCEPTED_ALGORITHMS
}
"""pyjwt's algorithm objects, the only code that verifies a signature; none but the accepted ones."""
if _ALGORITHMS.keys() != ACCEPTED_ALGORITHMS:  # pragma: no cover - pyjwt without `cryptography`
    raise ImportError(f"pyjwt lacks {', '.join(sorted(ACCEPTED_ALGORITHMS - _ALGORITHMS.keys()))}")
_SUPPORTED_CRITICAL_EXTENSIONS = frozenset({"b64"})
"""pyjwt's `PyJWS._supported_crit`: a `crit` naming anything else makes the token unreadable."""


class _MalformedTokenError(Exception):
    """What is wrong with a token, in words that never quote it."""

    def __init__(self, problem: str, *, encrypted: bool = False) -> None:
        super().__init__(problem)
        self.encrypted = encrypted


@dataclass(frozen=True)
class _Token:
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
            raise _MalformedTokenError(f"the {what} has a duplicate member")
        return dict(pairs)

    try:
        parsed: object = json.loads(raw.decode("utf-8"), object_pairs_hook=no_duplicates)
    except (ValueError, RecursionError, UnicodeDecodeError):
        raise _MalformedTokenError(f"the {what} is not JSON") from None
    if not isinstance(parsed, dict):
        raise _MalformedTokenError(f"the {what} is not a JSON object")
    return cast("dict[str, object]", parsed)


def _base64url_segment(part: str, name: str) -> bytes:
    """The bytes of one segment, already matched by _BASE64URL (unpadded base64url alphabet).

    As strict as pyjwt's reader (`PyJWS._decode_base64url_segment`) and stricter where that one
    tolerates `=` padding: the length must be possible, and the text must be the canonical encoding
    of its bytes (no stray bits in the last character), so one token has exactly one spelling.
    """
    if len(part) % 4 == 1:
        raise _MalformedTokenError(f"the {name} is not base64url text")
    try:
        decoded = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise _MalformedTokenError(f"the {name} is not base64url text") from None
    if base64.urlsafe_b64encode(decoded).rstrip(b"=") != part.encode("ascii"):
        raise _MalformedTokenError(f"the token cannot be decoded: its {name} is not canonical base64url")
    return decoded


def _check_header(header: Mapping[str, object]) -> None:
    """pyjwt's header rules (`PyJWS._validate_headers` and its `b64` handling), and a string `alg`."""
    if not isinstance(header.get("alg"), str):
        raise _MalformedTokenError("the header has no 'alg'")
    if "kid" in header and not isinstance(header["kid"], str):
        raise _MalformedTokenError("the token cannot be decoded: the Key ID header parameter is not a string")
    if "crit" in header:
        # RFC 7515, 4.1.11: an extension marked critical that the reader does not understand makes
        # the token invalid; one it understands must be present.
        critical = header["crit"]
        if not isinstance(critical, list) or not critical:
            raise _MalformedTokenError("the header's 'crit' is not a non-empty list")
        for extension in cast("list[object]", critical):
            if not isinstance(extension, str):
                raise _MalformedTokenError("the header's 'crit' holds a value that is not a string")
            if extension not in _SUPPORTED_CRITICAL_EXTENSIONS:
                raise _MalformedTokenError("the header's 'crit' names an extension that is not supported")
            if extension not in header:
                raise _MalformedTokenError(f"the header's 'crit' names {extension!r}, which the header lacks")
    if header.get("b64", True) is False:
        # RFC 7797: the payload would be sent as is (or detached), not base64url. pyjwt reads such a
        # token only with the payload handed over separately; a JWT never has one.
        raise _MalformedTokenError("the header sets 'b64' to false (an unencoded payload), which no JWT has")


def _read_token(token: str) -> _Token:
    """A compact JWS, read once; _MalformedTokenError says what is wrong.

    The checks pyjwt's reader (`PyJWS._load`) makes, at C speed: alphabet (one regular expression
    per segment), length and canonical encoding, JSON objects, and pyjwt's `kid`, `crit` and `b64`
    header rules. Stricter than it where it is lenient: no `=` padding, no duplicate JSON members.
    """
    if len(token) > MAX_TOKEN_CHARS:
        raise _MalformedTokenError(
            f"the token is {len(token)} characters long; more than {MAX_TOKEN_CHARS} is not a JWT"
        )
    parts = token.split(".")
    if len(parts) == 5:
        raise _MalformedTokenError("the token is encrypted (JWE, five parts)", encrypted=True)
    if len(parts) != 3:
        raise _MalformedTokenError(
            f"the token has {len(parts)} part(s); a signed JWT has three, separated by '.'"
        )
    for name, part in zip(("header", "payload", "signature"), parts, strict=True):
        if not _BASE64URL.fullmatch(part):
            raise _MalformedTokenError(f"the {name} is not base64url text")
    header = _json_object(_base64url_segment(parts[0], "header"), "header")
    _check_header(header)
    claims = _json_object(_base64url_segment(parts[1], "payload"), "payload")
    signature = _base64url_segment(parts[2], "signature")
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii")
    return _Token(header, claims, signing_input, signature)


def _key_algorithms(key: SigningKey) -> frozenset[str]:
    """The algorithms this key may verify: by key type, and narrowed to the JWK's own `alg`."""
    material: object = key.jwk.key
    if isinstance(material, rsa.RSAPublicKey):
        algorithms = RSA_ALGORITHMS
    elif isinstance(material, ec.EllipticCurvePublicKey) and isinstance(material.curve, ec.SECP256R1):
        algorithms = EC_ALGORITHMS
    elif isinstance(material, bytes) and key.inline:
        # A symmetric key counts only when written in the policy: never one from a JWKS.
        algorithms = SYMMETRIC_ALGORITHMS
    else:
        algorithms = frozenset[str]()
    if key.declared_algorithm is not None:
        algorithms = algorithms & {key.declared_algorithm}
    return algorithms


def _key_kind(key: SigningKey) -> str:
    material: object = key.jwk.key
    if isinstance(material, rsa.RSAPublicKey):
        return "an RSA key"
    if isinstance(material, ec.EllipticCurvePublicKey):
        return f"an EC {material.curve.name} key"
    if isinstance(material, bytes):
        return "a symmetric key"
    return "a key of another type"


_Check = Literal["verified", "bad-signature", "weak-key"]

_REFUSED = object()
"""A key pyjwt will not verify with (too short, or not a key for the algorithm)."""
_PREPARED_KEYS: weakref.WeakKeyDictionary[PyJWK, dict[str, object]] = weakref.WeakKeyDictionary()
"""pyjwt's `prepare_key` outcome per key and algorithm, kept as long as the key is: an inline key
lives with its parsed policy, a fetched one in the metadata provider's cache, so each is prepared
once (an HMAC secret's preparation parses it as DER and JSON to refuse asymmetric keys)."""


def _prepared_key(key: SigningKey, algorithm: str) -> object:
    """`key` made ready for `algorithm` by pyjwt, as `PyJWS._verify_signature` does, or _REFUSED."""
    per_algorithm = _PREPARED_KEYS.get(key.jwk)
    if per_algorithm is None:
        per_algorithm = _PREPARED_KEYS[key.jwk] = {}
    prepared = per_algorithm.get(algorithm)
    if prepared is None:  # not prepared yet: no prepared key is None
        verifier = _ALGORITHMS[algorithm]
        try:
            prepared = verifier.prepare_key(key.jwk.key)
            if ENFORCE_MINIMUM_KEY_LENGTH and verifier.check_key_length(prepared) is not None:
                prepared = _REFUSED
        except jwt.InvalidKeyError:
            prepared = _REFUSED
        per_algorithm[algorithm] = prepared
    return prepared


def _verify(token: _Token, key: SigningKey, algorithm: str) -> _Check:
    """pyjwt verifies `token`'s signature with `key`; `algorithm` is one `key` may verify."""
    prepared = _prepared_key(key, algorithm)
    if prepared is _REFUSED:
        return "weak-key"
    if _ALGORITHMS[algorithm].verify(token.signing_input, prepared, token.signature):
        return "verified"
    return "bad-signature"


MAX_TIME = 253402300799.0
"""9999-12-31T23:59:59Z: the last instant a date can be written (and .NET's DateTime can hold)."""


def _when(seconds: float) -> str:
    if not 0 <= seconds <= MAX_TIME:
        return f"UNIX time {seconds:.0f}"
    moment = datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _duration(seconds: float) -> str:
    if abs(seconds) > MAX_TIME:
        return "thousands of years"
    whole = round(abs(seconds))
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{minutes} min" if minutes else ""]
    if not days and not hours:
        parts.append(f"{secs} s" if secs or not minutes else "")
    return " ".join(part for part in parts if part)


def _number(value: object) -> float | None:
    """A NumericDate claim as seconds; None for anything else, including 1e999 and 400-digit integers."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _strings(value: object) -> tuple[str, ...]:
    """A claim's values as the gateway compares them (strings; arrays are multi-valued)."""
    items = cast("list[object]", value) if isinstance(value, list) else [value]
    result: list[str] = []
    for item in items:
        if isinstance(item, str):
            result.append(item)
        elif isinstance(item, bool):
            result.append("true" if item else "false")
        else:
            try:
                result.append(json.dumps(item, separators=(",", ":")))
            except (ValueError, RecursionError):
                result.append("(unprintable value)")
    return tuple(result)


def _same_id(left: str, right: str) -> bool:
    """Application IDs are GUIDs: equal when the GUIDs are, whatever the letter case."""
    try:
        return uuid.UUID(left) == uuid.UUID(right)
    except ValueError:
        return left == right


def _token_version(claims: Mapping[str, object]) -> Literal[1, 2] | None:
    version = claims.get("ver")
    if version == "1.0":
        return 1
    if version == "2.0":
        return 2
    issuer = claims.get("iss")
    info = describe_issuer(issuer) if isinstance(issuer, str) else None
    return info.version if info is not None else None


def _listing(values: Iterable[str]) -> str:
    return ", ".join(values) or "(none)"


@dataclass
class _Evaluation:
    policy: Policy
    metadata: MetadataSource
    now: float
    reasons: list[Reason] = field(default_factory=lambda: [])
    hints: list[str] = field(default_factory=lambda: [])
    failed: set[str] = field(default_factory=lambda: set[str]())
    allowed_issuers: tuple[str, ...] = ()

    def reject(self, code: ReasonCode, message: str) -> None:
        self.reasons.append(Reason(code, message))
        self.failed.add(code)

    def hint(self, text: str) -> None:
        if text not in self.hints:
            self.hints.append(text)

    # token location ----------------------------------------------------------------------------

    def locate(self, presented: str) -> str | None:
        location = self.policy.location
        value = presented.strip()
        if not value:
            self.reject("TokenNotPresent", f"JWT not present: the {location.describe()} is empty.")
            return None
        if len(value) > MAX_TOKEN_CHARS:
            return value  # reported by the reader, without splitting megabytes first
        words = value.split(None, 1)
        if len(words) == 1 or not _SCHEME.fullmatch(words[0]) or words[0].startswith("eyJ"):
            # The bare token (the client is assumed to add the scheme the policy requires), or text
            # that is no scheme: either way the reader judges it, and nothing of it is quoted here.
            return value
        scheme, rest = words
        if not location.is_authorization_header:
            self.hint(
                f"The token is read from the {location.describe()}, where the raw token is expected: "
                f"send it without the {scheme!r} prefix."
            )
            return value
        required = location.require_scheme or "Bearer"
        if scheme.lower() != required.lower():
            self.reject(
                "TokenNotPresent",
                f"JWT not present: the Authorization header uses scheme {scheme!r}, the policy requires "
                f"{required!r}.",
            )
            return None
        return rest.strip()

    # signature ---------------------------------------------------------------------------------

    def keys(self) -> tuple[tuple[SigningKey, ...], tuple[OpenIdConfiguration, ...]]:
        policy = self.policy
        if isinstance(policy, ValidateJwt):
            configurations = tuple(
                self.metadata.openid_configuration(url) for url in policy.openid_config_urls
            )
            inline = policy.signing_keys
        else:
            configurations = (self.metadata.openid_configuration(policy.openid_config_url),)
            inline = ()
        fetched = tuple(
            key for config in configurations for key in self.metadata.signing_keys(config.jwks_uri)
        )
        return inline + fetched, configurations

    def signature(self, token: _Token, keys: Sequence[SigningKey]) -> None:
        algorithm = cast("str", token.header["alg"])
        kid = cast("str | None", token.header.get("kid"))
        require_signed = not isinstance(self.policy, ValidateJwt) or self.policy.require_signed_tokens
        if algorithm.lower() == "none":
            if require_signed:
                self.reject(
                    "TokenSignatureInvalid",
                    "The token is unsigned (alg 'none'); the policy requires signed tokens.",
                )
                self.hint("An unsigned token can be written by anyone; no gateway policy should accept one.")
            else:
                self.hint(
                    'The policy sets require-signed-tokens="false": the gateway accepts this unsigned token, '
                    "which anyone can forge. Remove the attribute."
                )
            return
        if algorithm not in ACCEPTED_ALGORITHMS:
            self.reject(
                "TokenSignatureInvalid",
                f"The token is signed with {algorithm}; the gateway verifies only "
                f"{_listing(sorted(ACCEPTED_ALGORITHMS - SYMMETRIC_ALGORITHMS))}, and HS256 with a key "
                "written in the policy.",
            )
            return
        if algorithm in SYMMETRIC_ALGORITHMS and not any(key.inline and _key_algorithms(key) for key in keys):
            self.reject(
                "TokenSignatureInvalid",
                "The token is signed with HS256, but the policy has no symmetric key: HS256 is verified only "
                "with a key in <issuer-signing-keys>.",
            )
            self.hint(
                "An HS256 token against a policy whose keys are public keys is the signature of a forgery "
                "(key confusion: the public key used as an HMAC secret), or a token from another issuer."
            )
            return
        matched = [key for key in keys if kid is not None and key.key_id == kid]
        if matched:
            usable = [key for key in matched if algorithm in _key_algorithms(key)]
            if not usable:
                self.reject(
                    "TokenSignatureInvalid",
                    f"Key {kid!r} is {_key_kind(matched[0])}, which cannot verify an {algorithm} signature.",
                )
                return
            checks = [_verify(token, key, algorithm) for key in usable]
            if "verified" in checks:
                return
            if "weak-key" in checks:
                self.reject(
                    "TokenSignatureInvalid", f"Key {kid!r} is too short to be trusted for {algorithm}."
                )
                return
            self.reject(
                "TokenSignatureInvalid",
                f"The signature does not verify with key {kid!r}: the token was altered, or signed by "
                "another key.",
            )
            return
        # No kid, or an unknown one: every key is tried (reference, section 3).
        candidates = [key for key in keys if algorithm in _key_algorithms(key)]
        checks = [_verify(token, key, algorithm) for key in candidates]
        if "verified" in checks:
            return
        self._refuse_if_certificates()
        if kid is not None:
            self.reject(
                "TokenSignatureKeyNotFound",
                f"No signing key has kid {kid!r} ({len(keys)} key(s) known), and none of the "
                f"{len(candidates)} key(s) that could verify {algorithm} does.",
            )
            self.hint(
                "An unknown kid: the token comes from another tenant, cloud or issuer, or the keys are stale "
                "(Entra rotates them: refresh a --metadata file from the jwks_uri)."
            )
        elif not candidates:
            self.reject("TokenSignatureKeyNotFound", f"The policy has no key that can verify {algorithm}.")
        else:
            weak = checks.count("weak-key")
            self.reject(
                "TokenSignatureInvalid",
                f"The token has no kid and none of the {len(candidates)} key(s) verifies its signature"
                + (f" ({weak} too short to be trusted)." if weak else "."),
            )

    def _refuse_if_certificates(self) -> None:
        # A certificate stored in APIM might verify the token: "rejected" would be a guess.
        policy = self.policy
        if isinstance(policy, ValidateJwt) and policy.certificate_ids:
            raise EvaluationError(
                "no key available offline verifies the token, and the policy also trusts certificate(s) "
                f"{_listing(policy.certificate_ids)} stored in API Management, which this check cannot read"
            )

    # lifetime ----------------------------------------------------------------------------------

    def lifetime(self, claims: Mapping[str, object]) -> None:
        policy = self.policy
        skew = policy.clock_skew if isinstance(policy, ValidateJwt) else AZURE_AD_TOKEN_CLOCK_SKEW_SECONDS
        require_exp = policy.require_expiration_time if isinstance(policy, ValidateJwt) else True
        expires, not_before = claims.get("exp"), claims.get("nbf")
        if expires is None:
            if require_exp:
                self.reject("JwtInvalid", "The token has no expiration time (exp); the policy requires one.")
        elif (exp := _number(expires)) is None:
            self.reject("JwtInvalid", "The token's exp is not a number.")
        elif self.now > exp + skew:
            ago = self.now - exp
            self.reject(
                "TokenExpired",
                f"The token expired at {_when(exp)}, {_duration(ago)} before the time of the check "
                f"(clock-skew {skew} s).",
            )
            self.hint(
                f"Expired {_duration(ago)} ago. Entra access tokens live 60-90 minutes: request a new one "
                "(clients should renew before exp, not after a 401)."
            )
        if not_before is not None:
            nbf = _number(not_before)
            if nbf is None:
                self.reject("JwtInvalid", "The token's nbf is not a number.")
            elif nbf > self.now + skew:
                self.reject(
                    "JwtInvalid",
                    f"The token is not valid before {_when(nbf)}, {_duration(nbf - self.now)} after the time "
                    f"of the check (clock-skew {skew} s).",
                )
                self.hint(
                    "A token valid only in the future: check the clocks (or --now) of issuer and checker."
                )

    # audience ----------------------------------------------------------------------------------

    def audience(self, claims: Mapping[str, object]) -> None:
        policy = self.policy
        allowed = policy.audiences or ()
        if isinstance(policy, ValidateAzureAdToken):
            allowed = allowed + policy.backend_application_ids
        if not allowed:
            if any(claim.name == "aud" for claim in policy.required_claims):
                return  # the audience is checked as a required claim
            if NO_AUDIENCES_REJECTS:
                self.reject(
                    "TokenAudienceNotAllowed",
                    "The policy lists no audience, so no token's aud can be allowed.",
                )
                self.hint(
                    "Add <audiences> with the backend app's client ID (v2 tokens) or App ID URI (v1): "
                    "without it the gateway may not check aud at all, accepting tokens issued for any app."
                )
            return
        token_audiences = _strings(claims["aud"]) if "aud" in claims else ()
        if not token_audiences:
            self.reject("TokenAudienceNotAllowed", "The token has no audience (aud).")
            return

        def equal(left: str, right: str) -> bool:
            return left == right if AUDIENCE_MATCH_CASE_SENSITIVE else left.lower() == right.lower()

        if any(equal(mine, theirs) for mine in token_audiences for theirs in allowed):
            return
        self.reject(
            "TokenAudienceNotAllowed",
            f"Audience {_listing(token_audiences)} is not allowed; the policy accepts {_listing(allowed)}.",
        )
        if any(mine.lower() == theirs.lower() for mine in token_audiences for theirs in allowed):
            self.hint("The audience differs only in letter case: the gateway compares it exactly.")
        for mine in token_audiences:
            for theirs in allowed:
                if mine.startswith("api://") and theirs in mine and _token_version(claims) != 1:
                    self.hint(
                        f"The token's audience is the App ID URI {mine}; v2 tokens carry the client ID, so "
                        "the audience to list for a v2 token is the client ID."
                    )
                if theirs.startswith("api://") and mine in theirs and _token_version(claims) == 2:
                    self.hint(
                        f"v2 tokens always carry the client ID ({mine}) as audience, never the App ID URI "
                        f"{theirs}: list the client ID in <audiences>."
                    )

    # issuer ------------------------------------------------------------------------------------

    def issuer(self, claims: Mapping[str, object], configurations: Sequence[OpenIdConfiguration]) -> None:
        issuer = claims.get("iss")
        tenant = claims.get("tid")
        allowed = self._allowed_issuers(configurations, tenant if isinstance(tenant, str) else None)
        self.allowed_issuers = allowed
        if not allowed:
            if NO_ISSUER_SOURCE_REJECTS:
                self.reject(
                    "TokenIssuerNotAllowed",
                    "The policy has neither <issuers> nor an openid-config, so no issuer can be allowed.",
                )
            return
        if not isinstance(issuer, str) or not issuer:
            self.reject("TokenIssuerNotAllowed", "The token has no issuer (iss).")
            return
        if issuer in allowed:
            return
        self.reject(
            "TokenIssuerNotAllowed",
            f"Issuer {issuer} is not allowed; the policy accepts {_listing(allowed)}.",
        )
        if any("{tenantid}" in candidate for candidate in allowed):
            self.hint(
                "The openid-config is a multi-tenant one ('common' or 'organizations'): its issuer is a "
                "template that validate-jwt compares literally. List the accepted issuers in <issuers>."
            )

    def _allowed_issuers(
        self, configurations: Sequence[OpenIdConfiguration], token_tenant: str | None
    ) -> tuple[str, ...]:
        policy = self.policy
        discovered = tuple(config.issuer for config in configurations)
        if isinstance(policy, ValidateJwt):
            if policy.issuers is not None and (EXPLICIT_ISSUERS_REPLACE_DISCOVERED or not discovered):
                return policy.issuers
            return (policy.issuers or ()) + discovered
        # validate-azure-ad-token: Entra's own validator takes the tenant's issuer, with the
        # multi-tenant template filled with the token's tenant, as Microsoft.IdentityModel's AAD
        # issuer validator does. Both token versions are Entra's: the v1 issuer of the same tenant
        # in the same cloud is accepted too.
        allowed: list[str] = []
        for issuer in discovered:
            if "{tenantid}" in issuer:
                if token_tenant is None:
                    continue
                issuer = issuer.replace("{tenantid}", token_tenant)
            allowed.append(issuer)
            info = describe_issuer(issuer)
            if info is not None and info.version == 2:
                for name in info.clouds:
                    allowed.append(CLOUDS[name].issuer(info.tenant, 1))
        return tuple(dict.fromkeys(allowed))

    # callers and claims ------------------------------------------------------------------------

    def callers(self, claims: Mapping[str, object]) -> None:
        policy = self.policy
        if not isinstance(policy, ValidateAzureAdToken):
            return
        name = "azp" if "azp" in claims else "appid"
        if name not in claims:
            self.reject(
                "TokenClaimNotFound",
                "JWT token is missing the following claims: azp (v2) or appid (v1), the calling application. "
                "Access denied.",
            )
            return
        caller = _strings(claims[name])
        if any(_same_id(value, allowed) for value in caller for allowed in policy.client_application_ids):
            return
        self.reject(
            "TokenClaimValueNotAllowed",
            f"Claim {name} value of {_listing(caller)} is not allowed. Access denied. "
            f"(client-application-ids: {_listing(policy.client_application_ids)})",
        )
        self.hint(
            f"The caller {_listing(caller)} is not one of the policy's client-application-ids: add its "
            "application (client) ID there, or call with an allowed client."
        )

    def required_claims(self, claims: Mapping[str, object]) -> None:
        missing: list[str] = []
        for rule in self.policy.required_claims:
            if rule.name not in claims or claims[rule.name] is None:
                missing.append(rule.name)
                continue
            present = _strings(claims[rule.name])
            if rule.separator is not None:
                present = tuple(part for value in present for part in value.split(rule.separator) if part)
            if not rule.values:
                continue
            found = [value for value in rule.values if value in present]
            if (rule.match == "all" and len(found) == len(rule.values)) or (rule.match == "any" and found):
                continue
            wanted = "all of" if rule.match == "all" else "one of"
            self.reject(
                "TokenClaimValueNotAllowed",
                f"Claim {rule.name} value of {_listing(present)} is not allowed. Access denied. "
                f"(the policy requires {wanted}: {_listing(rule.values)})",
            )
        if missing:
            self.reject(
                "TokenClaimNotFound",
                f"JWT token is missing the following claims: {', '.join(missing)}. Access denied.",
            )
        self._claim_hints(claims, missing)

    def _claim_hints(self, claims: Mapping[str, object], missing: Sequence[str]) -> None:
        app_only = claims.get("idtyp") == "app" or (
            "scp" not in claims and claims.get("sub") is not None and claims.get("sub") == claims.get("oid")
        )
        if "scp" in missing and app_only:
            self.hint(
                "This is an app-only (client-credentials) token: those carry roles, never scp, so a policy "
                "requiring scp rejects every daemon caller. Require roles (an app role granted to the client "
                "as an application permission) for them."
            )
        if "roles" in missing and "scp" in claims:
            self.hint(
                "This is a delegated (user) token: it carries scp. roles appear in user tokens only when an "
                "app role is assigned to the user; for user callers require scp."
            )
        elif "roles" in missing and app_only:
            self.hint(
                "This app-only token has no roles: the client was not granted an app role of the API "
                "(grant the application permission and admin consent). Entra issues such tokens without "
                "roles unless the API's service principal sets appRoleAssignmentRequired."
            )

    # hints over several checks -----------------------------------------------------------------

    def origin_hints(self, claims: Mapping[str, object]) -> None:
        if not self.failed & {
            "TokenIssuerNotAllowed",
            "TokenAudienceNotAllowed",
            "TokenSignatureKeyNotFound",
        }:
            return
        issuer = claims.get("iss")
        token_info = describe_issuer(issuer) if isinstance(issuer, str) else None
        token_version = _token_version(claims)
        wanted = [info for info in map(describe_issuer, self.allowed_issuers) if info is not None]
        wanted_versions = {info.version for info in wanted} or self._versions_from_urls()
        if token_version is not None and wanted_versions and token_version not in wanted_versions:
            self._version_hint(claims, token_version)
        if token_info is None or not wanted:
            return
        wanted_clouds: set[CloudName] = {name for info in wanted for name in info.clouds}
        if not wanted_clouds & set(token_info.clouds):
            host = urllib.parse.urlsplit(cast("str", issuer)).hostname
            login_hosts = sorted({CLOUDS[name].login_host for name in wanted_clouds})
            self.hint(
                f"The token comes from another cloud ({' or '.join(token_info.clouds)}, issuer host {host}) "
                f"than the policy expects ({', '.join(sorted(wanted_clouds))}): request the token from "
                f"{' or '.join(login_hosts)}."
            )
            return
        concrete = [info for info in wanted if "{" not in info.tenant]  # not a multi-tenant template
        if concrete and all(info.tenant != token_info.tenant for info in concrete):
            tenants = sorted({info.tenant for info in concrete})
            self.hint(
                f"The token was issued by tenant {token_info.tenant}; the policy accepts tenant "
                f"{' or '.join(tenants)}. The client must request its token from that tenant "
                "(https://{login-host}/{tenant}/oauth2/v2.0/token)."
            )

    def _versions_from_urls(self) -> set[int]:
        policy = self.policy
        urls = policy.openid_config_urls if isinstance(policy, ValidateJwt) else ()
        return {2 if "/v2.0/" in url else 1 for url in urls if _on_entra_login_host(url)}

    def _version_hint(self, claims: Mapping[str, object], token_version: int) -> None:
        audience = _listing(_strings(claims["aud"])) if "aud" in claims else "(none)"
        issuer = claims.get("iss", "(none)")
        if token_version == 1:
            self.hint(
                f"This is a v1.0 access token (ver 1.0, issuer {issuer}, audience {audience}) but the "
                "policy expects v2.0 tokens. The API's app registration decides the version, whatever "
                "endpoint the client used: set api.requestedAccessTokenVersion to 2 (manifest: "
                "accessTokenAcceptedVersion) on the backend app registration, then request a new token. "
                "Or accept v1 tokens in the policy (the sts issuer and the App ID URI audience)."
            )
        else:
            self.hint(
                f"This is a v2.0 access token (issuer {issuer}, audience {audience}) but the policy expects "
                "v1.0 tokens: render the policy for token version 2, or set the backend app's "
                "api.requestedAccessTokenVersion back to 1 if v1 is intended."
            )


def _on_entra_login_host(url: str) -> bool:
    """True when `url` is on an Entra login host (so its path tells the token version)."""
    try:
        host = (urllib.parse.urlsplit(url).hostname or "").lower()
    except ValueError:
        return False
    return any(cloud.login_host == host for cloud in CLOUDS.values())


def _facts(claims: Mapping[str, object], now: float) -> tuple[tuple[str, str], ...]:
    facts: list[tuple[str, str]] = []
    for name, label in (("ver", "version"), ("iss", "issuer"), ("aud", "audience"), ("tid", "tenant")):
        if name in claims:
            facts.append((label, _listing(_strings(claims[name]))))
    caller = "azp" if "azp" in claims else "appid" if "appid" in claims else None
    if caller is not None:
        facts.append((f"caller ({caller})", _listing(_strings(claims[caller]))))
    for name in ("roles", "scp"):
        if name in claims:
            facts.append((name, _listing(_strings(claims[name]))))
    exp = _number(claims.get("exp"))
    if exp is not None:
        relation = "expires in" if exp >= now else "expired"
        suffix = "" if exp >= now else " ago"
        facts.append(("lifetime", f"{relation} {_duration(exp - now)}{suffix} ({_when(exp)})"))
    return tuple(facts)


def evaluate(presented: str, policy: Policy, metadata: MetadataSource, now: float) -> Verdict:
    """Would the gateway accept `presented` (the token, or the header value with its scheme)?

    Raises MetadataError when keys or issuers cannot be had, EvaluationError when the answer depends
    on something only API Management has; a bad token is never an exception, always a Verdict.
    """
    run = _Evaluation(policy, metadata, now)
    for note in policy.notes:
        run.hint(note)
    token = run.locate(presented)
    if token is None:
        return Verdict(False, tuple(run.reasons), tuple(run.hints))
    try:
        read = _read_token(token)
    except _MalformedTokenError as malformed:
        if malformed.encrypted and policy.decryption:
            raise EvaluationError(
                "the token is encrypted; decrypting it needs the policy's decryption keys"
            ) from None
        run.reject("JwtInvalid", f"The token is not a valid JWT: {malformed}.")
        return Verdict(False, tuple(run.reasons), tuple(run.hints))
    keys, configurations = run.keys()
    run.signature(read, keys)
    claims = read.claims
    run.lifetime(claims)
    run.audience(claims)
    run.issuer(claims, configurations)
    run.callers(claims)
    run.required_claims(claims)
    run.origin_hints(claims)
    return Verdict(not run.reasons, tuple(run.reasons), tuple(run.hints), _facts(claims, now))


__all__ = [
    "ACCEPTED_ALGORITHMS",
    "MAX_POLICY_BYTES",
    "MAX_TOKEN_CHARS",
    "EvaluationError",
    "IssuerInfo",
    "Policy",
    "PolicyError",
    "Reason",
    "ReasonCode",
    "RequiredClaim",
    "TokenLocation",
    "ValidateAzureAdToken",
    "ValidateJwt",
    "Verdict",
    "describe_issuer",
    "evaluate",
    "parse_policy",
]
