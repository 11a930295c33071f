"""The token validators of a policy document, `validate-jwt` and `validate-azure-ad-token`, read
element by element: every attribute and child either policy knows, in one table.

Names per the policy reference (https://learn.microsoft.com/azure/api-management/validate-jwt-policy,
https://learn.microsoft.com/azure/api-management/validate-azure-ad-token-policy). A new attribute or
child is added here, once; check-token and diff then both see it.

Strict (check-token): an attribute or child not in the table is refused, since it could change what
is accepted; so is a named value (`{{...}}`) or policy expression (`@(...)`) where the gateway compares
a literal; literals are stripped and empty list entries dropped. Lenient (diff): unknown attributes
and children are ignored and every value is kept as written, so a diff can describe any policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from tools.policy_xml.document import Node, PolicyError, literal

ValidatorKind = Literal["validate-jwt", "validate-azure-ad-token"]

_LOCATION = {"header-name": True, "query-parameter-name": True, "token-value": False}
"""Where the token is read; `token-value` is an expression by nature (the check is handed the token)."""
_FAILURE = {"failed-validation-httpcode": False, "failed-validation-error-message": False}
ATTRIBUTES: Mapping[ValidatorKind, Mapping[str, bool]] = {
    "validate-jwt": {
        **_LOCATION,
        **_FAILURE,
        "require-expiration-time": True,
        "require-scheme": True,
        "require-signed-tokens": True,
        "clock-skew": True,
        "output-token-variable-name": False,
    },
    "validate-azure-ad-token": {
        "tenant-id": True,
        **_LOCATION,
        "authentication-endpoint": True,
        **_FAILURE,
        "output-token-variable-name": False,
    },
}
"""Each validator's attributes; True where the gateway compares the value, so it must be a literal."""

CHILDREN: Mapping[ValidatorKind, tuple[str, ...]] = {
    "validate-jwt": (
        "openid-config",
        "issuer-signing-keys",
        "decryption-keys",
        "audiences",
        "issuers",
        "required-claims",
    ),
    "validate-azure-ad-token": (
        "client-application-ids",
        "backend-application-ids",
        "audiences",
        "required-claims",
        "decryption-keys",
    ),
}
_OPENID_CONFIG: Mapping[str, bool] = {"url": True, "validate-connectivity": False}
_KEY: Mapping[str, bool] = {"id": True, "certificate-id": True, "n": True, "e": True}
_CLAIM: Mapping[str, bool] = {"name": True, "match": True, "separator": False}
"""The attributes of `<openid-config>`, `<issuer-signing-keys><key>` and `<required-claims><claim>`."""
_LISTS = {
    "audiences": "audience",
    "issuers": "issuer",
    "client-application-ids": "application-id",
    "backend-application-ids": "application-id",
}
"""Containers of plain text values, and the name of their entries."""


@dataclass(frozen=True)
class ClaimElement:
    """A `<required-claims><claim>`; strict: `match` is `all` or `any` and `name` is not empty."""

    name: str
    match: str
    separator: str | None
    """As written, never stripped: the usual separator is a single space."""
    values: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class KeyElement:
    """An `<issuer-signing-keys><key>`: its attributes (`id`, `certificate-id`, `n`, `e`) and text."""

    attributes: Mapping[str, str]
    text: str
    line: int


@dataclass(frozen=True)
class ValidatorElement:
    kind: ValidatorKind
    line: int
    condition: str | None
    """The `<when condition>` the element sits in, if any."""
    attributes: Mapping[str, str]
    openid_config_urls: tuple[str, ...] = ()
    signing_keys: tuple[KeyElement, ...] = ()
    decryption_keys: bool = False
    required_claims: tuple[ClaimElement, ...] = ()
    lists: Mapping[str, tuple[str, ...]] | None = None
    """The text values of each list container present (`audiences`, `issuers`, ...): see `values`."""

    def values(self, container: str) -> tuple[str, ...] | None:
        """The entries of `container` (e.g. `audiences`); None when the element has none (a present,
        empty container gives ())."""
        return (self.lists or {}).get(container)


def read_validator(node: Node, condition: str | None = None, *, lenient: bool = False) -> ValidatorElement:
    """`node`, a `validate-jwt` or `validate-azure-ad-token` element (see `find_validators`)."""
    kind: ValidatorKind = "validate-jwt" if node.tag == "validate-jwt" else "validate-azure-ad-token"
    attributes = _attributes(node, ATTRIBUTES[kind], lenient)
    urls: list[str] = []
    keys: list[KeyElement] = []
    claims: list[ClaimElement] = []
    lists: dict[str, tuple[str, ...]] = {}
    decryption = False
    seen: set[str] = set()
    for child in node.children:
        if child.tag not in CHILDREN[kind]:
            if lenient:
                continue
            raise PolicyError(f"<{node.tag}> (line {child.line}): unexpected <{child.tag}>")
        if child.tag in seen and child.tag != "openid-config" and not lenient:
            # Which of two the gateway would read is not documented: refuse rather than guess.
            raise PolicyError(f"<{node.tag}> (line {child.line}): a second <{child.tag}>")
        seen.add(child.tag)
        if child.tag == "openid-config":
            urls.append(_openid_config(child, lenient))
        elif child.tag == "issuer-signing-keys":
            keys += _keys(child, lenient)
        elif child.tag == "decryption-keys":
            decryption = True
        elif child.tag == "required-claims":
            claims += _claims(child, lenient)
        else:
            lists[child.tag] = lists.get(child.tag, ()) + _texts(child, _LISTS[child.tag], lenient)
    return ValidatorElement(
        kind, node.line, condition, attributes, tuple(urls), tuple(keys), decryption, tuple(claims), lists
    )


def _attributes(node: Node, known: Mapping[str, bool], lenient: bool) -> dict[str, str]:
    if lenient:
        return dict(node.attributes)
    unknown = sorted(set(node.attributes) - set(known))
    if unknown:
        # An attribute we do not know could change what is accepted: refuse rather than guess.
        raise PolicyError(f"<{node.tag}> (line {node.line}): unknown attribute {unknown[0]!r}")
    return {
        name: literal(value, f"{node.tag}/@{name}") if known[name] else value
        for name, value in node.attributes.items()
    }


def _texts(node: Node, entry: str, lenient: bool) -> tuple[str, ...]:
    values: list[str] = []
    for child in node.children:
        if child.tag != entry:
            if lenient:
                continue
            raise PolicyError(f"<{node.tag}> (line {child.line}): unexpected <{child.tag}>")
        values.append(child.text.strip() if lenient else literal(child.text, f"{node.tag}/{entry}"))
    return tuple(values) if lenient else tuple(value for value in values if value)


def _openid_config(node: Node, lenient: bool) -> str:
    # validate-connectivity (validate-jwt-policy.md, 02/25/2026) only governs saving the policy.
    attributes = _attributes(node, _OPENID_CONFIG, lenient)
    url = attributes.get("url", "")
    if not url and not lenient:
        raise PolicyError(f"<openid-config> (line {node.line}) has no url")
    return url


def _keys(node: Node, lenient: bool) -> list[KeyElement]:
    keys: list[KeyElement] = []
    for key in node.children:
        if key.tag != "key":
            if lenient:
                continue
            raise PolicyError(f"<issuer-signing-keys> (line {key.line}): unexpected <{key.tag}>")
        text = key.text if lenient else literal(key.text, "issuer-signing-keys/key")
        keys.append(KeyElement(_attributes(key, _KEY, lenient), text, key.line))
    return keys


def _claims(node: Node, lenient: bool) -> list[ClaimElement]:
    claims: list[ClaimElement] = []
    for claim in node.children:
        if claim.tag != "claim":
            if lenient:
                continue
            raise PolicyError(f"<required-claims> (line {claim.line}): unexpected <{claim.tag}>")
        attributes = _attributes(claim, _CLAIM, lenient)
        name, match = attributes.get("name", ""), attributes.get("match", "all")
        separator = attributes.get("separator") or None
        if not lenient:
            if not name:
                raise PolicyError(f"<claim> (line {claim.line}) has no name")
            if match not in ("all", "any"):
                raise PolicyError(f"claim {name!r}: match must be all or any, not {match!r}")
            if separator is not None:
                literal(separator if separator.strip() else "x", "claim/@separator")
        claims.append(ClaimElement(name, match, separator, _texts(claim, "value", lenient), claim.line))
    return claims
