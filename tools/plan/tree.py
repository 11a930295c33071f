"""The plan as a tree a person reads: a summary, resources under their parents with the inputs and
options that matter, then the stack outputs."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from typing import Any, cast

from tools.plan.model import Plan, RecordedResource, sanitized
from tools.policy_xml.cors import cors_of, limits_of
from tools.policy_xml.document import PolicyError, parse_xml

MAX_SHOWN = 72
"""Longest structured or multi-word input shown in the tree; the JSON has them whole."""


def _short(value: Any) -> str:
    # One word (a name, an ARM ID, a GUID, a URL) is shown whole: a reviewer compares IDs exactly.
    if isinstance(value, str) and value and not any(c.isspace() for c in value):
        return value
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    text = " ".join(text.split())
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def _shown_inputs(resource: RecordedResource) -> list[str]:
    """`key=value` for the inputs a reviewer looks at: every set input, long texts shortened."""
    clean = sanitized(resource.inputs)
    return [f"{k}={_short(v)}" for k, v in sorted(clean.items()) if v not in (None, "", [], {})]


def _policy_lines(resource: RecordedResource) -> list[str]:
    """What a policy document lets browsers and each caller do, in a line each: the value is shown cut short."""
    value = resource.inputs.get("value")
    if not resource.type.endswith("Policy") or not isinstance(value, str):
        return []
    try:
        root = parse_xml(value.encode("utf-8"))
    except PolicyError:
        return []
    lines: list[str] = []
    cors = cors_of(root, lenient=True)
    if cors is not None:
        policy = cors.policy
        lines.append(
            f"cors: origins {', '.join(policy.origins)}; methods {', '.join(policy.methods)}; "
            f"headers {', '.join(policy.headers)}"
        )
    for limit in limits_of(root):
        lines.append(f"{limit.kind}: {limit.calls} calls per {limit.period} s for each calling application")
    return lines


def _flags(resource: RecordedResource) -> str:
    """The lifecycle options set on the resource, as `[protect, retainOnDelete, ...]`."""
    flags = [
        name
        for name, on in (
            ("protect", resource.protect),
            ("retainOnDelete", resource.retain_on_delete),
            ("deleteBeforeReplace", resource.delete_before_replace),
        )
        if on
    ]
    if resource.ignore_changes:
        flags.append(f"ignoreChanges: {', '.join(resource.ignore_changes)}")
    if resource.replace_on_changes:
        flags.append(f"replaceOnChanges: {', '.join(resource.replace_on_changes)}")
    return f" [{'; '.join(flags)}]" if flags else ""


def _option_lines(resource: RecordedResource, names: Mapping[str, str]) -> list[str]:
    lines = [f"alias: {urn}" for urn in resource.alias_urns]
    lines.extend(f"dependsOn: {names.get(urn, urn)}" for urn in resource.depends_on)
    return lines


def summary(plan: Plan) -> str:
    """One line: how many resources of each provider, and which ones are protected or retained."""
    providers = Counter(_provider(r) for r in plan.resources)
    counts = ", ".join(f"{n} {p}" for p, n in sorted(providers.items(), key=lambda item: (-item[1], item[0])))
    guarded = [r for r in plan.resources if r.protect or r.retain_on_delete]
    kept = ", ".join(
        f"{r.name} ({', '.join(w for w, on in (('protected', r.protect), ('retained', r.retain_on_delete)) if on)})"
        for r in sorted(guarded, key=lambda r: r.name)
    )
    return f"{len(plan.resources)} resources ({counts}); protected or retained on delete: {kept or 'none'}"


def _provider(resource: RecordedResource) -> str:
    package = resource.type.split(":", 1)[0]
    return package if resource.custom else f"{package} components"


def _credential(info: Any) -> str:
    if not isinstance(info, Mapping):
        return "?"
    kind = str(cast("Mapping[str, Any]", info).get("credential") or "?")
    return f"{kind}, in Key Vault" if "secretUri" in info else kind


def render_tree(plan: Plan) -> str:
    children: dict[str | None, list[RecordedResource]] = {}
    for r in plan.resources:
        children.setdefault(r.parent, []).append(r)
    names = {r.urn: f"{r.type} {r.name}" for r in plan.resources}
    lines = [summary(plan), f"Resources ({len(plan.resources)}):"]

    def walk(parent: str | None, depth: int) -> None:
        for r in sorted(children.get(parent, []), key=lambda r: (r.type, r.name)):
            lines.append(f"{'  ' * depth}- {r.type} {r.name}{_flags(r)}")
            details = _option_lines(r, names) + (_shown_inputs(r) + _policy_lines(r) if r.custom else [])
            lines.extend(f"{'  ' * depth}    {item}" for item in details)
            walk(r.urn, depth + 1)

    walk(None, 1)
    outputs = {k: v for k, v in sanitized(plan.outputs).items() if k != "policies"}
    lines.append("Outputs:")
    lines.extend("  " + line for line in json.dumps(outputs, indent=2, sort_keys=True).splitlines())
    clients: Mapping[str, Any] = plan.outputs.get("clients") or {}
    if clients:
        # How each client proves itself (docs/design/callers-without-secrets.md): at a glance.
        kinds = [f"{name} ({_credential(info)})" for name, info in sorted(clients.items())]
        lines.append(f"Clients: {', '.join(kinds)}")
    policies: Mapping[str, Any] = plan.outputs.get("policies") or {}
    lines.append(f"Policies: {', '.join(sorted(policies)) or 'none'} (write them with --policies-dir)")
    return "\n".join(lines)
