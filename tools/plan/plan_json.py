"""The plan as JSON (contract shape in docs/offline-plan.md): what `--json FILE` writes and the diff reads."""

from __future__ import annotations

import json
from typing import Any

from tools.plan.model import Plan, RecordedResource, sanitized


def options(resource: RecordedResource) -> dict[str, Any]:
    """The resource options that decide what `pulumi up` may do to it (named as in the Pulumi SDKs)."""
    return {
        "protect": resource.protect,
        "retainOnDelete": resource.retain_on_delete,
        "deleteBeforeReplace": resource.delete_before_replace,
        "ignoreChanges": list(resource.ignore_changes),
        "replaceOnChanges": list(resource.replace_on_changes),
        "aliases": list(resource.alias_urns),
        "dependsOn": list(resource.depends_on),
    }


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
                "options": options(r),
            }
            for r in sorted(plan.resources, key=lambda r: r.urn)
        ],
        "outputs": sanitized(plan.outputs),
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"
