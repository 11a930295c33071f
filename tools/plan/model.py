"""What the offline engine records: each resource as registered, and the plan they make."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

from tools.plan import sdk

SECRET = "[secret]"


@dataclass(frozen=True)
class RecordedAlias:
    """One alias a resource declared, as the SDK sent it to the engine (an `alias_pb2.Alias`).

    Either a full `urn`, or a spec whose empty fields mean "as the resource is now"; the
    provider SDKs declare specs naming only an older `type` (one per API version).
    """

    urn: str = ""
    name: str = ""
    type: str = ""
    stack: str = ""
    project: str = ""
    parent_urn: str = ""
    no_parent: bool = False


@dataclass
class RecordedResource:
    """One registered resource as the engine saw it."""

    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    dependencies: list[str]
    protect: bool = False
    secret_outputs: frozenset[str] = frozenset()
    aliases: tuple[RecordedAlias, ...] = ()
    """What the resource declared it was once (in the order declared), as the SDK sent it."""
    retain_on_delete: bool = False
    delete_before_replace: bool = False
    ignore_changes: tuple[str, ...] = ()
    replace_on_changes: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    """URNs it waits for beyond those its inputs carry (`dependsOn`, as the engine can tell them apart)."""
    alias_urns: tuple[str, ...] = ()
    """The URNs its aliases name, in declared order; the provider SDKs' API-version aliases left out."""


@dataclass
class Plan:
    """What a program would deploy: its resources, in registration order, and its stack outputs."""

    resources: list[RecordedResource] = field(default_factory=list[RecordedResource])
    outputs: dict[str, Any] = field(default_factory=dict[str, Any])
    invokes: list[str] = field(default_factory=list[str])
    """The token of each invoke the engine answered, in order; not part of the plan JSON."""

    def of_type(self, type_: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.type == type_]

    def by_urn(self) -> dict[str, RecordedResource]:
        return {r.urn: r for r in self.resources}

    def waits_on(self, resource: RecordedResource) -> set[str]:
        """Every URN `resource` waits on, directly or through what it waits on (the engine's order)."""
        by_urn = self.by_urn()
        seen: set[str] = set()
        todo = list(resource.dependencies)
        while todo:
            urn = todo.pop()
            if urn not in seen:
                seen.add(urn)
                todo.extend(by_urn[urn].dependencies if urn in by_urn else [])
        return seen


def is_secret(value: Any) -> bool:
    return sdk.is_secret(value)


def sanitized(value: Any) -> Any:
    """`value` as printable JSON data: secrets become `[secret]`."""
    if sdk.is_secret(value):
        return SECRET
    if isinstance(value, pulumi.Resource):
        return "[resource]"
    if isinstance(value, Mapping):
        return {str(k): sanitized(v) for k, v in value.items() if not str(k).startswith("__")}  # pyright: ignore[reportUnknownArgumentType, reportUnknownVariableType]
    if isinstance(value, list | tuple):
        return [sanitized(v) for v in value]  # pyright: ignore[reportUnknownVariableType]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
