"""The diff as text for a terminal and as Markdown for a pull-request comment."""

from __future__ import annotations

import json
from typing import Any

from tools.diff.changes import PropertyChange, ResourceChange
from tools.diff.policy_meaning import POLICY_TYPES
from tools.diff.report import DiffReport

MAX_VALUE = 100
_SIGNS = {"create": "+", "update": "~", "replace": "+-", "delete": "-"}


def _value(value: Any) -> str:
    text = json.dumps(value, sort_keys=True) if not isinstance(value, str) else json.dumps(value)
    text = " ".join(text.split())
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def _shown(change: ResourceChange, p: PropertyChange) -> str:
    if change.type in POLICY_TYPES and p.path == "value":
        return "the policy document (its meaning is under Policies)"
    return f"{_value(p.old)} -> {_value(p.new)}"


def _fate(change: ResourceChange) -> str:
    """What the engine does, in words: order of a replacement, what protect and retainOnDelete change."""
    notes: list[str] = []
    if change.action == "replace":
        notes.append(
            "deleted first, then created (deleteBeforeReplace): a gap without it"
            if change.delete_before_replace
            else "the new one is created before the old one is deleted"
        )
    if change.action in ("replace", "delete") and change.protect:
        notes.append("protected: the engine refuses until protect is lifted")
    if change.action in ("replace", "delete") and change.retain_on_delete:
        notes.append("retainOnDelete: the old one stays in Azure, no longer managed")
    if change.old_urn:
        notes.append(f"was {change.old_urn}")
    return "; ".join(notes)


def _critical_line(change: ResourceChange) -> str:
    verb = "replaced" if change.action == "replace" else "deleted"
    why = f" because {'; '.join(change.reasons)}" if change.reasons else ""
    return f"{change.type} {change.name} is {verb}{why}. It is {change.holds}."


def render_text(report: DiffReport) -> str:
    lines = [f"Stack {report.stack}: {report.base} -> {report.head}", report.summary()]
    if report.secret_warnings:
        lines.append("")
        lines.append("Client secret dates:")
        lines.extend(f"  ! {w}" for w in report.secret_warnings)
    if report.entries:
        lines.append("")
        lines.append("Removed or renamed in the stack file:")
        lines.extend(f"  ! {e.words()}" for e in report.entries)
    critical = [c for c in report.changes if c.critical]
    if critical:
        lines.append("")
        lines.append("Identity and data at stake:")
        lines.extend(f"  ! {_critical_line(c)}" for c in critical)
    if report.changes:
        lines.append("")
        lines.append("Resources:")
    for change in report.changes:
        lines.append(f"  {_SIGNS[change.action]:>2} {change.action} {change.type} {change.name}")
        fate = _fate(change)
        if fate:
            lines.append(f"       ({fate})")
        lines.extend(f"       because {reason}" for reason in change.reasons)
        for p in change.changes:
            forced = "  [forces replacement]" if p.forces_replacement else ""
            lines.append(f"       {p.path}: {_shown(change, p)}{forced}")
    if report.renamed:
        lines.append("")
        lines.append("Renamed, carried over by an alias (nothing changes in Azure):")
        lines.extend(f"  {old} -> {new}" for old, new in report.renamed)
    if report.policies:
        lines.append("")
        lines.append("Policies, as a caller sees them:")
        for policy in report.policies:
            lines.append(f"  {policy.name} ({policy.action}):")
            lines.extend(f"    - {w}" for w in policy.words)
    if report.rotations:
        lines.append("")
        lines.append("Client secrets:")
        for rotation in report.rotations:
            lines.append(f"  {rotation.client}:")
            lines.extend(f"    - {w}" for w in rotation.words())
    if report.credentials:
        lines.append("")
        lines.append("Client credentials:")
        lines.extend(f"  {line}" for line in report.credentials)
    return "\n".join(lines) + "\n"


def _code(value: str) -> str:
    return "`" + value.replace("`", "'") + "`"


def render_markdown(report: DiffReport) -> str:
    """One stack's section of the pull-request comment."""
    lines = [
        f"### Stack {_code(report.stack)}: {report.summary()}",
        "",
        f"Base: {report.base}. Head: {report.head}.",
    ]
    if report.secret_warnings:
        lines += ["", "> [!WARNING]", "> **Client secret dates**"]
        lines += [f"> - {w}" for w in report.secret_warnings]
    if report.entries:
        lines += ["", "> [!CAUTION]", "> **Removed or renamed in the stack file**"]
        lines += [f"> - {e.words()}" for e in report.entries]
    critical = [c for c in report.changes if c.critical]
    if critical:
        lines += ["", "> [!WARNING]", "> **Identity and data at stake**"]
        lines += [f"> - {_critical_line(c)}" for c in critical]
    if report.changes:
        lines += ["", "| | Resource | Changes |", "|---|---|---|"]
        for change in report.changes:
            details = [
                f"{_code(p.path)}: {_code(_shown(change, p))}"
                + (" (forces replacement)" if p.forces_replacement else "")
                for p in change.changes
            ]
            details += [f"because {r}" for r in change.reasons]
            fate = _fate(change)
            if fate:
                details.append(fate)
            cell = "<br>".join(d.replace("|", "\\|") for d in details)
            lines.append(f"| {change.action} | {_code(change.type)} {_code(change.name)} | {cell} |")
    if report.renamed:
        lines += [
            "",
            "<details><summary>Renamed, carried over by an alias (nothing changes in Azure)</summary>",
            "",
        ]
        lines += [f"- {_code(old)} → {_code(new)}" for old, new in report.renamed]
        lines += ["", "</details>"]
    if report.policies:
        lines += ["", "**Policies, as a caller sees them**", ""]
        for policy in report.policies:
            lines.append(f"- {_code(policy.name)} ({policy.action})")
            lines += [f"  - {w}" for w in policy.words]
    if report.rotations:
        lines += ["", "**Client secrets**", ""]
        for rotation in report.rotations:
            lines.append(f"- {_code(rotation.client)}")
            lines += [f"  - {w}" for w in rotation.words()]
    if report.credentials:
        lines += ["", "**Client credentials**", ""]
        lines += [f"- {line}" for line in report.credentials]
    return "\n".join(lines) + "\n"
