"""The plan as a tree a person reads: resources under their parents, the inputs that matter, outputs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from tools.plan.model import Plan, RecordedResource, sanitized

MAX_SHOWN = 72
"""Longest input value shown in the tree; the JSON has them whole."""


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    text = " ".join(text.split())
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def _shown_inputs(resource: RecordedResource) -> list[str]:
    """`key=value` for the inputs a reviewer looks at: every set input, long ones shortened."""
    clean = sanitized(resource.inputs)
    return [f"{k}={_short(v)}" for k, v in sorted(clean.items()) if v not in (None, "", [], {})]


def render_tree(plan: Plan) -> str:
    children: dict[str | None, list[RecordedResource]] = {}
    for r in plan.resources:
        children.setdefault(r.parent, []).append(r)
    lines = [f"Resources ({len(plan.resources)}):"]

    def walk(parent: str | None, depth: int) -> None:
        for r in sorted(children.get(parent, []), key=lambda r: (r.type, r.name)):
            flags = " [protected]" if r.protect else ""
            lines.append(f"{'  ' * depth}- {r.type} {r.name}{flags}")
            if r.custom:
                lines.extend(f"{'  ' * depth}    {item}" for item in _shown_inputs(r))
            walk(r.urn, depth + 1)

    walk(None, 1)
    outputs = {k: v for k, v in sanitized(plan.outputs).items() if k != "policies"}
    lines.append("Outputs:")
    lines.extend("  " + line for line in json.dumps(outputs, indent=2, sort_keys=True).splitlines())
    policies: Mapping[str, Any] = plan.outputs.get("policies") or {}
    lines.append(f"Policies: {', '.join(sorted(policies)) or 'none'} (write them with --policies-dir)")
    return "\n".join(lines)
