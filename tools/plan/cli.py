"""`python -m tools plan`: the stack's whole deployment, computed offline (contract: design.md)."""

from __future__ import annotations

import argparse
import json
import runpy
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from apim_oauth.config.reader import ConfigError
from apim_oauth.config.settings import NAMESPACE, load_stack_file, parse
from tools.plan.engine import Plan, RecordedResource, run_program, sanitized

PROJECT_DIR = Path(__file__).resolve().parents[2]
PROGRAM = PROJECT_DIR / "__main__.py"
STACKS_DIR = PROJECT_DIR / "stacks"
MAX_SHOWN = 72
"""Longest input value shown in the tree; the JSON has them whole."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", required=True, help="stack name: reads stacks/Pulumi.NAME.yaml")
    parser.add_argument("--config", type=Path, help="stack file to read instead of stacks/Pulumi.NAME.yaml")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write resources and outputs as JSON")
    parser.add_argument(
        "--policies-dir", type=Path, metavar="DIR", help="write each rendered policy to DIR/NAME.xml"
    )
    parser.add_argument(
        "--mermaid", type=Path, metavar="FILE", help="write the resource graph as a Mermaid flowchart"
    )
    parser.set_defaults(run=run)


def project_defaults() -> dict[str, Any]:
    """Defaults of the typed config keys declared in Pulumi.yaml, as namespaced keys."""
    project = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text(encoding="utf-8"))
    declared: Mapping[str, Any] = project.get("config") or {}
    return {
        (key if ":" in key else f"{NAMESPACE}:{key}"): spec["default"]
        for key, spec in declared.items()
        if isinstance(spec, dict) and "default" in spec
    }


def load_config(stack_file: Path) -> dict[str, Any]:
    """The config the engine would hand the program: project defaults, then the stack file."""
    config = {**project_defaults(), **load_stack_file(stack_file)}
    # Encrypted values cannot be read offline; none of ours are secret, so show them as such.
    return {k: ("[secret]" if isinstance(v, dict) and "secure" in v else v) for k, v in config.items()}


def compute_plan(stack: str, config: Mapping[str, Any]) -> Plan:
    """Run the real program under the offline engine; raises ConfigError before registering anything."""
    settings = parse(config, base_dir=PROJECT_DIR)
    if str(PROJECT_DIR) not in sys.path:
        sys.path.insert(0, str(PROJECT_DIR))

    def program() -> None:
        runpy.run_path(str(PROGRAM), run_name="__main__")

    return run_program(
        program,
        config=config,
        tenant_id=settings.tenant_id,
        cloud=settings.cloud,
        stack=stack,
    )


def run(args: argparse.Namespace) -> int:
    stack_file: Path = args.config or STACKS_DIR / f"Pulumi.{args.stack}.yaml"
    try:
        if not stack_file.is_file():
            raise ConfigError(str(stack_file), "no such stack file")
        try:
            config = load_config(stack_file)
        except yaml.YAMLError as error:
            raise ConfigError(str(stack_file), f"is not valid YAML: {str(error).splitlines()[0]}") from None
        plan = compute_plan(args.stack, config)
    except ConfigError as error:
        print(f"config error: {error}", file=sys.stderr)
        return 2
    try:
        if args.json:
            _write(args.json, plan_json(plan))
        if args.policies_dir:
            write_policies(plan, args.policies_dir)
        if args.mermaid:
            _write(args.mermaid, mermaid(plan))
    except OSError as error:
        print(f"plan: error: cannot write {error.filename}: {error.strerror}", file=sys.stderr)
        return 2
    print(render_tree(plan))
    return 0


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# --- output -------------------------------------------------------------------------------------


def plan_json(plan: Plan) -> str:
    """The plan as JSON (contract shape), secrets replaced by "[secret]", byte-stable."""
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


def write_policies(plan: Plan, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    policies: Mapping[str, Any] = plan.outputs.get("policies") or {}
    for name, xml in sorted(policies.items()):
        path = directory / f"{name}.xml"
        path.write_text(str(xml), encoding="utf-8")
        written.append(path)
    return written


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


def mermaid(plan: Plan) -> str:
    """A Mermaid flowchart: one node per custom resource, an edge per dependency (dependent --> dependency)."""
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
