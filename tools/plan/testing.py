"""Test a stack the way this project tests its own: the `plan_of` pytest fixture.

Load it from a `conftest.py` next to your tests (this project's tests/conftest.py does):

    pytest_plugins = ["tools.plan.testing"]

then ask for `plan_of` in a test. `plan_of(stack="prod")` runs the real program (`__main__.py`)
with `stacks/Pulumi.prod.yaml` (the directories searched are the `stack_dirs` fixture's) under the offline engine (Pulumi's mocks, no cloud, no CLI) and
returns a `StackPlan`: every resource with its inputs, outputs, parent, dependencies and options
(`protect`, `aliases`), the stack outputs, and each rendered policy as parsed XML.

`config={...}` changes keys of the stack file before the run (a key without a namespace is
`apim-oauth:`; `None` removes the key), so a test can ask "what if": `plan_of(stack="dev",
config={"clients": []})`. A configuration mistake raises `ConfigError` (as `python -m tools plan`
exits 2). Plans are computed once per session for each stack and config: treat them as read-only.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from apim_oauth.config.errors import namespaced
from tools.plan import cache
from tools.plan.model import Plan, RecordedResource, sanitized
from tools.plan.program import STACKS_DIR, compute_plan, load_config


@dataclass
class StackPlan(Plan):
    """A stack's plan: the engine's `Plan` (resources in registration order, raw outputs with secrets
    still marked, see `tools.plan.model.is_secret`) and what a test of the stack asks most."""

    stack: str = ""

    @property
    def policies(self) -> dict[str, ET.Element]:
        """Each rendered policy document (the `policies` stack output), parsed."""
        rendered: Mapping[str, str] = self.outputs.get("policies") or {}
        return {name: _parse(xml) for name, xml in rendered.items()}

    @property
    def plain_outputs(self) -> dict[str, Any]:
        """The stack outputs as JSON data, each secret replaced by "[secret]"."""
        return dict(sanitized(self.outputs))

    def one(self, type_: str, **inputs: Any) -> RecordedResource:
        """The one resource of `type_` whose inputs have these values (AssertionError otherwise)."""
        found = [r for r in self.of_type(type_) if all(r.inputs.get(k) == v for k, v in inputs.items())]
        assert len(found) == 1, f"{len(found)} resources of type {type_} with inputs {inputs}"
        return found[0]

    def template_resource(self, arm_type: str, name: str) -> dict[str, Any]:
        """The one resource of `arm_type` named `name` (the last segment of its ARM name) in the ARM
        templates the plan deploys (`resources.Deployment`), as the template sends it."""
        found = [
            resource
            for deployment in self.of_type("azure-native:resources:Deployment")
            for resource in deployment.inputs["properties"]["template"].get("resources", [])
            if str(resource["type"]).lower() == arm_type.lower()
            and str(resource["name"]).split("/")[-1] == name
        ]
        assert len(found) == 1, f"{len(found)} template resources of type {arm_type} named {name}"
        return found[0]

    def product_policy(self, product_id: str) -> ET.Element | None:
        """The policy document APIM gets for a product (its `ProductPolicy`), parsed; None if it has none."""
        found = [
            r
            for r in self.of_type("azure-native:apimanagement:ProductPolicy")
            if r.inputs.get("productId") == product_id
        ]
        return _parse(found[0].inputs["value"]) if found else None


def _parse(xml: str) -> ET.Element:
    return ET.fromstring(xml)  # noqa: S314 - the program's own rendering, not outside input


PlanOf = Callable[..., StackPlan]
_CACHE: dict[str, StackPlan] = {}


def stack_plan(
    stack: str = "dev", config: Mapping[str, Any] | None = None, *, stack_file: Path | None = None
) -> StackPlan:
    """The plan of `stack` (from `stack_file`, default stacks/Pulumi.<stack>.yaml) with `config` applied."""
    source = stack_file or STACKS_DIR / f"Pulumi.{stack}.yaml"
    key = json.dumps([stack, str(source), config or {}], sort_keys=True, default=str)
    if key not in _CACHE:
        settings = load_config(source)
        for name, value in (config or {}).items():
            full = namespaced(name)
            if value is None:
                settings.pop(full, None)
            else:
                settings[full] = value
        plan = _whole_plan(stack, settings)
        _CACHE[key] = StackPlan(
            resources=plan.resources, outputs=plan.outputs, invokes=plan.invokes, stack=stack
        )
    return _CACHE[key]


STORE_VARIABLE = "APIM_OAUTH_PLAN_OF_STORE"
"""A directory where `plan_of` keeps whole plans between sessions (unset: none, plans live as long
as the session). Opt-in because whole means with secret values: those the offline engine makes up
(secure config values reach a plan as `[secret]` already, tools/plan/program.py), never a real one."""


def _whole_plan(stack: str, settings: dict[str, Any]) -> Plan:
    store = os.environ.get(STORE_VARIABLE)
    if not store:
        return compute_plan(stack, settings)
    key = cache.plan_key(stack, settings)
    found = cache.load(key, Path(store))
    if found is None:
        found = compute_plan(stack, settings)
        cache.store(key, found, directory=Path(store), whole=True)
    return found


def find_stack_file(stack: str, directories: Sequence[Path]) -> Path:
    """Pulumi.<stack>.yaml in the first of `directories` that has it (the first one's path if none)."""
    candidates = [directory / f"Pulumi.{stack}.yaml" for directory in directories]
    return next((path for path in candidates if path.is_file()), candidates[0])


@pytest.fixture(scope="session")
def stack_dirs() -> list[Path]:
    """Where `plan_of` looks for Pulumi.<stack>.yaml, first match first: stacks/. Override this
    fixture in a conftest.py to plan stack files kept elsewhere too (test stacks, say)."""
    return [STACKS_DIR]


@pytest.fixture(scope="session")
def plan_of(stack_dirs: list[Path]) -> PlanOf:
    """`plan_of(stack="dev", config=None, *, stack_file=None) -> StackPlan`: see the module's docstring."""

    def plan(
        stack: str = "dev", config: Mapping[str, Any] | None = None, *, stack_file: Path | None = None
    ) -> StackPlan:
        return stack_plan(stack, config, stack_file=stack_file or find_stack_file(stack, stack_dirs))

    return plan
