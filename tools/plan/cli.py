"""`python -m tools plan`: the stack's whole deployment, computed offline (contract: docs/offline-plan.md)."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from tools.clock import parse_now
from tools.output_files import OutputError, make_directory, write_file
from tools.stacks import STACKS_DIR

STDOUT = Path("-")

DESCRIPTION = (
    "Run the program offline for one stack and show what it would deploy, without Azure or credentials."
)
EPILOG = textwrap.dedent(
    """\
    The program runs under an in-process engine that fabricates deterministic IDs (from each
    resource's type and name), so the same stack file gives the same plan on any machine and day.
    The tree starts with one line: resources by provider, and which are protected or retained on
    delete; each resource shows its options ([protect; retainOnDelete; ...], aliases, dependsOn) and
    the inputs set on it. Secrets are shown as [secret]. A stack planned before with the same stack
    file, program and packages is read from .cache/apim-oauth/plans/ (or $APIM_OAUTH_PLAN_CACHE).
    A client secret that has expired, expires within 30 days or is not yet valid (against --now,
    default the clock) is a "warning:" line on standard error; `diff` refuses one that a change
    would create already expired.

    examples:
      venv/bin/python -m tools plan --stack dev
      venv/bin/python -m tools plan --stack dev --json out/dev-plan.json --policies-dir out/policies

    exit codes:
      0  the plan was computed (and the files asked for were written)
      2  bad input: no such stack file, an invalid configuration (one line
         "config error: FILE:LINE: KEY: WHAT"), two resources under one URN (the Pulumi engine
         refuses those too), or a file not writable
    """
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "--stack", required=True, metavar="NAME", help="the stack to plan; reads stacks/Pulumi.NAME.yaml"
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="read this stack file instead of stacks/Pulumi.NAME.yaml (NAME still names the stack)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        metavar="FILE",
        help="also write the plan as JSON (resources with inputs, outputs, dependencies and options; "
        "stack outputs) to FILE; `-` writes it to standard output instead of the tree",
    )
    parser.add_argument(
        "--policies-dir",
        type=Path,
        metavar="DIR",
        help="also write each rendered policy document to DIR/NAME.xml (for check-token --policy)",
    )
    parser.add_argument(
        "--mermaid",
        type=Path,
        metavar="FILE",
        help="also write the resource graph as a Mermaid flowchart (an edge per dependency) to FILE",
    )
    parser.add_argument(
        "--now",
        metavar="TIME",
        help="check the secrets' dates as of TIME instead of the clock: UNIX seconds or ISO 8601 "
        "(2026-10-01T12:00:00Z; no zone means UTC); the plan itself never depends on the clock",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # Imported here, not above: `--help` needs none of them (the engine loads the Pulumi SDK).
    from apim_oauth.config.errors import ConfigError
    from tools.plan.cache import planned
    from tools.plan.engine import DuplicateUrnError
    from tools.plan.mermaid import mermaid
    from tools.plan.plan_json import plan_json
    from tools.plan.policy_files import write_policies
    from tools.plan.secret_dates import moment, print_warnings, stack_slots
    from tools.plan.tree import render_tree

    stack_file: Path = args.config or STACKS_DIR / f"Pulumi.{args.stack}.yaml"
    try:
        now = moment(parse_now(args.now))
    except ValueError as error:
        print(f"plan: error: {error}", file=sys.stderr)
        return 2
    try:
        slots = stack_slots(stack_file)
        plan = planned(args.stack, stack_file)
    except ConfigError as error:
        print(f"config error: {error}", file=sys.stderr)
        return 2
    except DuplicateUrnError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        if args.json and args.json != STDOUT:
            _write(args.json, plan_json(plan), "--json file")
        if args.policies_dir:
            write_policies(plan, args.policies_dir)
        if args.mermaid:
            _write(args.mermaid, mermaid(plan), "--mermaid file")
    except OutputError as error:
        print(f"plan: error: {error}", file=sys.stderr)
        return 2
    sys.stdout.write(plan_json(plan) if args.json == STDOUT else render_tree(plan) + "\n")
    print_warnings(slots, now)
    return 0


def _write(path: Path, text: str, what: str) -> None:
    make_directory(path.parent, f"directory of the {what}")
    write_file(path, text, what)
