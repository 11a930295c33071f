"""The `cors` element of a policy document, and the per-caller limits, read as the gateway takes them.

Defaults and limits from the cors reference (MicrosoftDocs/azure-docs
`articles/api-management/cors-policy.md` at 29477839ea67337412e3665591c3d0c07b6cc707): without
`allowed-methods` GET and POST are allowed; `preflight-result-max-age` defaults to 0;
`allowed-origins` and `allowed-headers` are required; the policy goes in `inbound`, once per section.

Strict (check-cors): a value that is a policy expression or named value cannot be evaluated offline,
and a `cors` the gateway would not run as written (outside `inbound`, twice, without a required
child) is refused, with `PolicyError`. Lenient (diff): every value is kept as written.
"""

from __future__ import annotations

from dataclasses import dataclass

from apim_oauth.policies.cors import CorsPolicy
from tools.policy_xml.document import Node, PolicyError, elements, literal, parse_xml

DEFAULT_METHODS = ("GET", "POST")
LIMIT_TAGS = ("rate-limit-by-key", "quota-by-key")


@dataclass(frozen=True)
class ReadCors:
    """The document's `cors`, and where it stands."""

    policy: CorsPolicy
    terminate_written: bool
    """False when `terminate-unmatched-request` is absent (its default is disputed: the reference's
    attribute table says false, its "Common configuration issues" says true)."""
    preceded_by: str | None
    """The first policy written before `cors` in `<inbound>`, or None when `cors` comes first."""


@dataclass(frozen=True)
class Limit:
    """A `rate-limit-by-key` or `quota-by-key`, its attributes as written."""

    kind: str
    calls: str
    period: str
    counter_key: str


def read_cors(data: bytes | str, *, lenient: bool = False) -> ReadCors | None:
    """The `cors` of the document's `<inbound>`, or None if it has none."""
    root = parse_xml(data.encode("utf-8") if isinstance(data, str) else data)
    return cors_of(root, lenient=lenient)


def cors_of(root: Node, *, lenient: bool = False) -> ReadCors | None:
    """The `cors` of `root`'s `<inbound>` (`root` is `<policies>` or a section), or None."""
    inbound = root if root.tag == "inbound" else next((c for c in root.children if c.tag == "inbound"), None)
    everywhere = elements(root, "cors")
    if inbound is None or not everywhere:
        _refuse(lenient, bool(everywhere), "cors is outside <inbound>; the gateway runs it in <inbound> only")
        return None
    found = [i for i, child in enumerate(inbound.children) if child.tag == "cors"]
    _refuse(lenient, len(everywhere) > len(found), "cors is outside <inbound> or nested in another policy")
    _refuse(
        lenient, len(found) > 1, "<inbound> has more than one cors; the gateway allows it once per section"
    )
    if not found:
        return None
    node = inbound.children[found[0]]
    preceded_by = inbound.children[0].tag if found[0] > 0 else None
    return ReadCors(_policy(node, lenient), "terminate-unmatched-request" in node.attributes, preceded_by)


def limits_of(root: Node) -> tuple[Limit, ...]:
    """Every per-key limit in the document, in order, attributes as written."""
    found = [e for tag in LIMIT_TAGS for e in elements(root, tag)]
    return tuple(
        Limit(
            e.tag,
            e.attributes.get("calls", ""),
            e.attributes.get("renewal-period", ""),
            e.attributes.get("counter-key", ""),
        )
        for e in sorted(found, key=lambda e: e.line)
    )


def _policy(node: Node, lenient: bool) -> CorsPolicy:
    methods_node = _child(node, "allowed-methods")
    methods = (
        _texts(node, "allowed-methods", "method", lenient) if methods_node is not None else DEFAULT_METHODS
    )
    max_age = _value(
        methods_node.attributes.get("preflight-result-max-age", "0") if methods_node else "0", lenient
    )
    if not max_age.isdigit():
        _refuse(lenient, True, f"preflight-result-max-age {max_age!r} is not a number of seconds")
        max_age = "0"
    return CorsPolicy(
        origins=_texts(node, "allowed-origins", "origin", lenient, required=True),
        methods=methods,
        headers=_texts(node, "allowed-headers", "header", lenient, required=True),
        expose_headers=_texts(node, "expose-headers", "header", lenient),
        allow_credentials=_flag(node, "allow-credentials", False, lenient),
        max_age_seconds=int(max_age),
        terminate_unmatched=_flag(node, "terminate-unmatched-request", True, lenient),
    )


def _child(node: Node, tag: str) -> Node | None:
    return next((c for c in node.children if c.tag == tag), None)


def _texts(node: Node, tag: str, item_tag: str, lenient: bool, *, required: bool = False) -> tuple[str, ...]:
    container = _child(node, tag)
    if container is None:
        _refuse(lenient, required, f"cors has no <{tag}>; the gateway requires it")
        return ()
    values = tuple(_value(item.text, lenient) for item in container.children if item.tag == item_tag)
    _refuse(lenient, not values or not all(values), f"<{tag}> needs at least one non-empty <{item_tag}>")
    return tuple(v for v in values if v)


def _flag(node: Node, name: str, default: bool, lenient: bool) -> bool:
    value = _value(node.attributes.get(name, "true" if default else "false"), lenient).lower()
    _refuse(lenient, value not in ("true", "false"), f"{name}={value!r} is neither true nor false")
    return value == "true" if value in ("true", "false") else default


def _value(value: str, lenient: bool) -> str:
    return value.strip() if lenient else literal(value, "a cors value")


def _refuse(lenient: bool, condition: bool, message: str) -> None:
    if condition and not lenient:
        raise PolicyError(message)
