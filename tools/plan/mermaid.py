"""The plan as a Mermaid flowchart: what `--mermaid FILE` writes."""

from __future__ import annotations

from tools.plan.model import Plan


def mermaid(plan: Plan) -> str:
    """One node per custom resource, an edge per dependency (dependent --> dependency)."""
    ids = {r.urn: f"r{i}" for i, r in enumerate(sorted(plan.resources, key=lambda r: r.urn))}
    lines = ["flowchart LR"]
    custom = sorted((r for r in plan.resources if r.custom), key=lambda r: r.urn)
    for r in custom:
        kind = r.type.rsplit(":", 1)[-1]
        label = f"{kind}<br/>{r.name}".replace('"', "'")
        lines.append(f'  {ids[r.urn]}["{label}"]')
    custom_urns = {r.urn for r in custom}
    for r in custom:
        for dep in r.dependencies:
            if dep in custom_urns:
                lines.append(f"  {ids[r.urn]} --> {ids[dep]}")
    return "\n".join(lines) + "\n"
