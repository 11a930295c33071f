"""A stack's APIs and operations as the gateway serves them, read from its plan.

Operations come from two places: the `ApiOperation` resources the program registers (catch-alls for
an API without an OpenAPI document) and the operations API Management creates when it imports an
API's OpenAPI document (the `Api` resource's `value`; `apim_oauth.azure.operations` names them as
APIM does). Each API's path is its `Api` resource's `path`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import yaml

from apim_oauth.azure.operations import imported_operations
from tools.check_token.stack import StackError, StackView, view_of_plan

if TYPE_CHECKING:  # the plan needs the Pulumi SDKs; only loading a stack imports them
    from tools.plan.model import Plan

SAMPLE_SEGMENT = "verify"
"""What a path parameter or a wildcard of a URL template is filled with when the operation is called."""
_TEMPLATE_PARAMETER = re.compile(r"\{[^}]*\}")


@dataclass(frozen=True)
class Operation:
    """One operation of one API, as a caller reaches it."""

    api: str
    api_path: str
    name: str
    """APIM's name for the operation (its ARM resource name)."""
    method: str
    url_template: str

    @property
    def sample_path(self) -> str:
        """A request path that matches the operation: `/{api path}{template}`, parameters filled."""
        template = self.url_template.split("?", 1)[0]
        filled = _TEMPLATE_PARAMETER.sub(SAMPLE_SEGMENT, template).replace("*", SAMPLE_SEGMENT)
        prefix = "/" + self.api_path.strip("/") if self.api_path.strip("/") else ""
        return prefix + ("/" + filled.lstrip("/") if filled.strip("/") else "")

    def matches(self, method: str, path: str) -> bool:
        """Whether a request for `method` `path` (the whole path, API path included) is this operation."""
        return method == self.method and _template_pattern(self).fullmatch(path) is not None


def _template_pattern(operation: Operation) -> re.Pattern[str]:
    prefix = "/" + operation.api_path.strip("/") if operation.api_path.strip("/") else ""
    template = operation.url_template.split("?", 1)[0]
    parts = re.split(r"(\{[^}]*\}|\*)", template)
    body = "".join(
        "[^/]+" if part.startswith("{") else ".*" if part == "*" else re.escape(part) for part in parts
    )
    return re.compile(re.escape(prefix) + ("" if body in ("", "/") else body) + "/?")


@dataclass
class StackRoutes:
    """A stack's policies (`view`) and every operation a caller can reach, in plan order."""

    view: StackView
    operations: list[Operation] = field(default_factory=lambda: list[Operation]())
    plan: Plan | None = None
    """The plan they were read from (its resources are what `--drift` compares)."""

    def find(self, method: str, path: str) -> Operation | None:
        """The operation a request for `method` `path` reaches; the longest API path wins."""
        candidates = [op for op in self.operations if op.matches(method, path)]
        candidates.sort(key=lambda op: (-len(op.api_path.strip("/")), "*" in op.url_template))
        return candidates[0] if candidates else None

    def api_at(self, path: str) -> str | None:
        """The API whose path `path` is under, if any."""
        apis = {op.api: op.api_path.strip("/") for op in self.operations}
        found = [
            (len(prefix), api)
            for api, prefix in apis.items()
            if path.strip("/") == prefix or path.lstrip("/").startswith(prefix + "/") or not prefix
        ]
        return max(found)[1] if found else None


def routes_of_plan(name: str, plan: Plan) -> StackRoutes:
    """The routes of stack `name`'s plan."""
    routes = StackRoutes(view_of_plan(name, plan), plan=plan)
    paths: dict[str, str] = {}
    for resource in plan.resources:
        kind = resource.type.rsplit(":", 1)[-1]
        inputs: Mapping[str, Any] = resource.inputs
        if kind == "Api" and "apiId" in inputs:
            api = str(inputs["apiId"])
            paths[api] = str(inputs.get("path") or "")
            if inputs.get("value") and str(inputs.get("format", "")).startswith(("openapi", "swagger")):
                routes.operations += _imported(api, paths[api], str(inputs["value"]))
        elif kind == "ApiOperation":
            api = str(inputs["apiId"])
            routes.operations.append(
                Operation(
                    api,
                    paths.get(api, api),
                    str(inputs["operationId"]),
                    str(inputs["method"]).upper(),
                    str(inputs["urlTemplate"]),
                )
            )
    return routes


def _imported(api: str, path: str, text: str) -> list[Operation]:
    document = yaml.safe_load(text)
    if not isinstance(document, dict):
        return []
    return [
        Operation(api, path, op.name, op.method, op.path)
        for op in imported_operations(cast("dict[str, object]", document))
    ]


def load_routes(name: str, stack_file: Path | None = None) -> StackRoutes:
    """Plan stack `name` offline (from `stack_file`, default stacks/Pulumi.NAME.yaml) and read its
    routes; a bad configuration is a StackError with `config` set."""
    from apim_oauth.config.errors import ConfigError
    from tools.plan.cache import planned
    from tools.plan.program import STACKS_DIR

    try:
        plan = planned(name, stack_file or STACKS_DIR / f"Pulumi.{name}.yaml")
    except ConfigError as error:
        raise StackError(f"config error: {error}", config=True) from None
    return routes_of_plan(name, plan)


def product_for(view: StackView, api: str, granted: tuple[str, ...] = ()) -> str | None:
    """The product a call to `api` goes through: the one the caller is granted among the API's
    products, else the API's first product (None for an API in no product)."""
    linked = view.api_products.get(api, [])
    chosen = [product for product in linked if product in granted]
    return (chosen or linked or [None])[0]
