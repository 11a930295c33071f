"""`python -m tools plan`: the stack's whole deployment, computed offline (contract: design.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from apim_oauth.config.reader import ConfigError
from tools.plan.mermaid import mermaid
from tools.plan.plan_json import plan_json
from tools.plan.policy_files import write_policies
from tools.plan.program import STACKS_DIR, compute_plan, load_config
from tools.plan.tree import render_tree


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
