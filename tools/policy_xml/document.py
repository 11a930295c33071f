"""A policy document read as XML: element nodes with their line numbers, and where its validators are.

The document is parsed with expat and no DTD (policies never have one), so entity expansion is ruled
out; a document that is not XML as a whole (APIM's "rawxml" exports keep policy expressions
unescaped) still yields its first validator, found by a linear scan, unless the reader is lenient
(then it yields nothing, and its reader compares the text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.parsers import expat


class PolicyError(Exception):
    """The policy document cannot be evaluated: not XML, no validator, or a value only the gateway
    could resolve (a policy expression or named value)."""


@dataclass
class Node:
    tag: str
    attributes: dict[str, str]
    line: int
    children: list[Node] = field(default_factory=lambda: [])
    text: str = ""


MAX_DEPTH = 64
"""Elements nested deeper than this are refused: the gateway's policies nest a handful deep
(`policies/inbound/choose/when/validate-jwt/required-claims/claim/value`), and every reader of the
tree (and C14N in the diff) walks it recursively."""


def parse_xml(data: bytes) -> Node:
    parser = expat.ParserCreate()
    roots: list[Node] = []
    stack: list[Node] = []

    def start(tag: str, attributes: dict[str, str]) -> None:
        if len(stack) >= MAX_DEPTH:
            raise PolicyError(
                f"elements nested deeper than {MAX_DEPTH} levels (line {parser.CurrentLineNumber})"
            )
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


@dataclass(frozen=True)
class Document:
    root: Node
    notes: tuple[str, ...]
    """What the reader had to assume (the validator read on its own)."""


def read_document(data: bytes | str, *, lenient: bool = False) -> Document | None:
    """The document as nodes. Not XML as a whole: strict, its first validator on its own (or
    `PolicyError`); lenient, None."""
    raw = data.encode("utf-8", errors="replace") if isinstance(data, str) else data
    try:
        return Document(parse_xml(raw), ())
    except PolicyError as whole_document_error:
        if lenient:
            return None
        found = validator_text(raw)
        if found is None or b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
            raise whole_document_error from None
    note = (
        "The policy document is not well-formed XML (raw policy expressions?); its validator element "
        "was read on its own."
    )
    return Document(parse_xml(found), (note,))


VALIDATORS = ("validate-jwt", "validate-azure-ad-token")


def find_validators(node: Node, condition: str | None = None) -> list[tuple[Node, str | None]]:
    """Every validator under `node`, in document order, with the `<when>` condition it runs under."""
    if node.tag in VALIDATORS:
        return [(node, condition)]
    if node.tag == "when":
        condition = node.attributes.get("condition", condition)
    elif node.tag == "otherwise":
        condition = "no <when> condition of the enclosing <choose> holds"
    return [found for child in node.children for found in find_validators(child, condition)]


def elements(node: Node, tag: str) -> list[Node]:
    """Every element named `tag` under `node` (itself included), in document order."""
    found = [node] if node.tag == tag else []
    return found + [e for child in node.children for e in elements(child, tag)]


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
