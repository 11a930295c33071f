"""What was deployed, laid over the offline plan: the IDs Entra and Azure gave (the offline engine
makes up stand-ins) and the policies as rendered with them, from the stack's outputs
(`pulumi stack output --json`: contract outputs `products`, `clients`, `backend`, `policies`, ...).

The plan and the deployment have the same outputs with the same shape; where a value differs, each
GUID in the plan's value stands for the GUID at the same place in the deployed value. That mapping
is applied to every policy document and to the resources `--drift` compares, so the matrix and the
drift check speak of the deployed apps, not the plan's stand-ins.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
from collections.abc import Mapping
from typing import Any, cast

from tools.verify.routes import StackRoutes

_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
SECRET = "[secret]"


class PolicyNameError(ValueError):
    """No policy of the stack has that name."""


def decoded_outputs(document: Mapping[str, Any]) -> dict[str, Any]:
    """Stack outputs as JSON; a value given as a JSON string (a workflow step's outputs) decoded."""
    outputs: dict[str, Any] = {}
    for name, value in document.items():
        if isinstance(value, str) and value[:1] in ("{", "["):
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        outputs[str(name)] = value
    return outputs


def id_map(planned: Any, deployed: Any, found: dict[str, str] | None = None) -> dict[str, str]:
    """Each GUID of `planned` and the GUID at the same place in `deployed` (lower case)."""
    found = {} if found is None else found
    if isinstance(planned, dict) and isinstance(deployed, dict):
        left, right = cast("dict[str, Any]", planned), cast("dict[str, Any]", deployed)
        for key in left.keys() & right.keys():
            id_map(left[key], right[key], found)
    elif isinstance(planned, list) and isinstance(deployed, list):
        left_items, right_items = cast("list[Any]", planned), cast("list[Any]", deployed)
        for a, b in zip(left_items, right_items, strict=False):
            id_map(a, b, found)
    elif isinstance(planned, str) and isinstance(deployed, str) and deployed != SECRET:
        a, b = _GUID.findall(planned), _GUID.findall(deployed)
        if len(a) == len(b):
            found.update({x.lower(): y.lower() for x, y in zip(a, b, strict=True) if x.lower() != y.lower()})
    return found


def replace_ids(value: Any, ids: Mapping[str, str]) -> Any:
    """`value` with each planned GUID replaced by its deployed one."""
    if not ids:
        return value
    if isinstance(value, str):
        return _GUID.sub(lambda m: ids.get(m.group(0).lower(), m.group(0)), value)
    if isinstance(value, dict):
        return {k: replace_ids(v, ids) for k, v in cast("dict[str, Any]", value).items()}
    if isinstance(value, list):
        return [replace_ids(v, ids) for v in cast("list[Any]", value)]
    return value


def with_outputs(routes: StackRoutes, deployed: Mapping[str, Any]) -> tuple[StackRoutes, dict[str, str]]:
    """`routes` speaking of the deployment whose stack outputs are `deployed`, and the ID mapping."""
    view = routes.view
    ids = id_map(view.outputs, dict(deployed))
    outputs = {**view.outputs, **{k: v for k, v in deployed.items() if v != SECRET}}
    changed = dataclasses.replace(
        view,
        outputs=outputs,
        product_policies={k: replace_ids(v, ids) for k, v in view.product_policies.items()},
        api_policies={k: replace_ids(v, ids) for k, v in view.api_policies.items()},
        operation_policies={k: replace_ids(v, ids) for k, v in view.operation_policies.items()},
    )
    return StackRoutes(changed, list(routes.operations), routes.plan), ids


def with_policy(routes: StackRoutes, name: str, document: str) -> StackRoutes:
    """`routes` serving `document` as the policy the stack output `policies` names `name`:
    `product-P`, `api-A` or `api-A.OPERATION` (apim_oauth/components/deployment/phases.py names them
    so). The original is left as planned: the local provider keeps issuing the planned tokens."""
    view = routes.view
    products, apis, operations = (
        dict(view.product_policies),
        dict(view.api_policies),
        dict(view.operation_policies),
    )
    scope, _, rest = name.partition("-")
    api, _, operation = rest.partition(".")
    if scope == "product" and rest in products:
        products[rest] = document
    elif scope == "api" and operation and (api, operation) in operations:
        operations[(api, operation)] = document
    elif scope == "api" and rest in apis:
        apis[rest] = document
    else:
        known = sorted(
            [f"product-{p}" for p in products]
            + [f"api-{a}" for a in apis]
            + [f"api-{a}.{o}" for a, o in operations]
        )
        raise PolicyNameError(f"stack {view.name} has no policy {name!r} (it has {', '.join(known)})")
    changed = dataclasses.replace(
        view, product_policies=products, api_policies=apis, operation_policies=operations
    )
    return StackRoutes(changed, list(routes.operations))
