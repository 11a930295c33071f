"""The plan as JSON (contract shape in design.md): what `--json FILE` writes and the diff reads."""

from __future__ import annotations

import json

from tools.plan.model import Plan, sanitized


def plan_json(plan: Plan) -> str:
    """The plan as JSON, secrets replaced by "[secret]", byte-stable."""
    document = {
        "resources": [
            {
                "urn": r.urn,
                "type": r.type,
                "name": r.name,
                "parent": r.parent,
                "inputs": sanitized(r.inputs),
                "outputs": sanitized(r.outputs),
                "dependencies": r.dependencies,
            }
            for r in sorted(plan.resources, key=lambda r: r.urn)
        ],
        "outputs": sanitized(plan.outputs),
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"
