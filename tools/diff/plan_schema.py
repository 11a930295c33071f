"""A saved plan JSON (`diff --base-plan FILE`) checked against the shape `plan --json` writes
(contract: docs/offline-plan.md) before anything reads it, so a broken or hostile file is one line
naming the place at fault, never a traceback, a hang or a wrong diff.

Bounds: the file's size, the nesting of any value, the number of resources, and the length of a
parent chain (a component tree is a handful deep); parents in a cycle are refused, as the engine
never records one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

MAX_PLAN_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 64
"""The project's plans nest 11 deep (an ARM template inside a deployment's inputs)."""
MAX_RESOURCES = 100_000
MAX_PARENT_CHAIN = 64

_OPTION_FLAGS = ("protect", "retainOnDelete", "deleteBeforeReplace")
_OPTION_LISTS = ("ignoreChanges", "replaceOnChanges", "aliases", "dependsOn")


class PlanShapeError(Exception):
    """The document is not a plan JSON; the message names where."""


def parse_plan(text: str) -> dict[str, Any]:
    """The plan JSON in `text`, checked; raises PlanShapeError."""
    try:
        document: object = json.loads(text)
    except RecursionError:
        raise PlanShapeError(f"nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as error:
        raise PlanShapeError(f"not JSON ({error})") from None
    _check_depth(document)
    if not isinstance(document, dict):
        raise PlanShapeError("not a plan JSON (not an object)")
    plan = cast("dict[str, Any]", document)
    resources = plan.get("resources")
    if not isinstance(resources, list):
        raise PlanShapeError("not a plan JSON (no resources list)")
    if not isinstance(plan.get("outputs", {}), dict):
        raise PlanShapeError("outputs: not an object")
    items = cast("list[object]", resources)
    if len(items) > MAX_RESOURCES:
        raise PlanShapeError(f"resources: more than {MAX_RESOURCES}")
    parents: dict[str, str | None] = {}
    for index, raw in enumerate(items):
        urn, parent = _check_resource(raw, f"resources[{index}]")
        if urn in parents:
            raise PlanShapeError(f"resources[{index}].urn: {urn} appears twice")
        parents[urn] = parent
    _check_parents(parents)
    return plan


def _check_depth(value: object) -> None:
    """Iterative, so that the check itself cannot overflow the stack."""
    pending: list[tuple[object, int]] = [(value, 1)]
    while pending:
        current, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise PlanShapeError(f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(current, dict):
            pending.extend((child, depth + 1) for child in cast("dict[str, object]", current).values())
        elif isinstance(current, list):
            pending.extend((child, depth + 1) for child in cast("list[object]", current))


def _string(raw: Mapping[str, Any], key: str, where: str, *, optional: bool = False) -> str | None:
    value = raw.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or (not value and not optional):
        raise PlanShapeError(f"{where}.{key}: expected a non-empty string, got {_kind(value)}")
    return value


def _check_resource(raw: object, where: str) -> tuple[str, str | None]:
    if not isinstance(raw, dict):
        raise PlanShapeError(f"{where}: expected an object, got {_kind(raw)}")
    resource = cast("dict[str, Any]", raw)
    urn = cast("str", _string(resource, "urn", where))
    if not urn.startswith("urn:pulumi:") or urn.count("::") < 3:
        raise PlanShapeError(f"{where}.urn: {urn[:80]!r} is not a Pulumi URN")
    _string(resource, "type", where)
    _string(resource, "name", where)
    parent = _string(resource, "parent", where, optional=True)
    for key in ("inputs", "outputs"):
        if not isinstance(resource.get(key, {}), dict):
            raise PlanShapeError(f"{where}.{key}: expected an object, got {_kind(resource[key])}")
    _string_list(resource, "dependencies", where)
    options = resource.get("options", {})
    if not isinstance(options, dict):
        raise PlanShapeError(f"{where}.options: expected an object, got {_kind(options)}")
    typed = cast("dict[str, Any]", options)
    for flag in _OPTION_FLAGS:
        if not isinstance(typed.get(flag, False), bool):
            raise PlanShapeError(
                f"{where}.options.{flag}: expected true or false, got {_kind(typed.get(flag))}"
            )
    for key in _OPTION_LISTS:
        _string_list(typed, key, f"{where}.options")
    return urn, parent or None


def _string_list(raw: Mapping[str, Any], key: str, where: str) -> None:
    value: object = raw.get(key, [])
    if value is None:
        return
    if not isinstance(value, list):
        raise PlanShapeError(f"{where}.{key}: expected a list of strings, got {_kind(value)}")
    for item in cast("list[object]", value):
        if not isinstance(item, str):
            raise PlanShapeError(f"{where}.{key}: expected a list of strings, got {_kind(item)} in it")


def _check_parents(parents: Mapping[str, str | None]) -> None:
    """No cycle, no chain longer than MAX_PARENT_CHAIN (a parent outside the plan ends a chain)."""
    depth: dict[str, int] = {}
    for start in parents:
        chain: list[str] = []
        on_chain: set[str] = set()
        urn: str | None = start
        while urn is not None and urn in parents and urn not in depth:
            if urn in on_chain:
                raise PlanShapeError(f"resources: parents form a cycle through {urn}")
            chain.append(urn)
            on_chain.add(urn)
            urn = parents[urn]
        below = depth.get(urn, 0) if urn is not None else 0
        for offset, member in enumerate(reversed(chain), start=1):
            depth[member] = below + offset
        if chain and depth[chain[0]] > MAX_PARENT_CHAIN:
            raise PlanShapeError(f"resources: a parent chain is longer than {MAX_PARENT_CHAIN} ({start})")


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    for kind, words in ((dict, "an object"), (list, "a list"), (str, "a string")):
        if isinstance(value, kind):
            return words
    return "a number"
