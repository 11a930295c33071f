"""A policy document read as XML: element nodes with their line numbers, the validators in it, and
the literal values the check can compare with.

The document is parsed with expat and no DTD (policies never have one), so entity expansion is ruled
out; a document that is not XML as a whole (APIM's "rawxml" exports keep policy expressions
unescaped) still yields its first validator, found by a linear scan.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from xml.parsers import expat

from tools.check_token.policy import PolicyError


@dataclass
class Node:
    tag: str
    attributes: dict[str, str]
    line: int
    children: list[Node] = field(default_factory=lambda: [])
    text: str = ""


def parse_xml(data: bytes) -> Node:
    parser = expat.ParserCreate()
    roots: list[Node] = []
    stack: list[Node] = []

    def start(tag: str, attributes: dict[str, str]) -> None:
        node = Node(tag.rsplit(":", 1)[-1], dict(attributes), parser.CurrentLineNumber)
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


def validator_text(raw: bytes) -> bytes | None:
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


VALIDATORS = ("validate-jwt", "validate-azure-ad-token")


def find_validators(node: Node, condition: str | None, found: list[tuple[Node, str | None]]) -> None:
    if node.tag in VALIDATORS:
        found.append((node, condition))
        return
    if node.tag == "when":
        condition = node.attributes.get("condition", condition)
    elif node.tag == "otherwise":
        condition = "no <when> condition of the enclosing <choose> holds"
    for child in node.children:
        find_validators(child, condition, found)


def literal(value: str, where: str) -> str:
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


def check_attributes(node: Node, allowed: Iterable[str]) -> None:
    # An attribute we do not know could change what is accepted: refuse rather than guess.
    unknown = sorted(set(node.attributes) - set(allowed))
    if unknown:
        raise PolicyError(f"<{node.tag}> (line {node.line}): unknown attribute {unknown[0]!r}")


def boolean(node: Node, name: str, default: bool) -> bool:
    raw = node.attributes.get(name)
    if raw is None:
        return default
    value = literal(raw, f"{node.tag}/@{name}").lower()
    if value not in ("true", "false"):
        raise PolicyError(f"{node.tag}/@{name} must be true or false, not {raw!r}")
    return value == "true"


def texts_of(node: Node, child_tag: str) -> tuple[str, ...]:
    values: list[str] = []
    for child in node.children:
        if child.tag != child_tag:
            raise PolicyError(f"<{node.tag}> (line {child.line}): unexpected <{child.tag}>")
        values.append(literal(child.text, f"{node.tag}/{child_tag}"))
    return tuple(value for value in values if value)
