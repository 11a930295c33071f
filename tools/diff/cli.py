"""`python -m tools diff`: a stack planned at two points, compared offline (contract: docs/review-a-change.md)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import textwrap
from pathlib import Path

from tools.clock import parse_now
from tools.output_files import OutputError, make_directory, write_file
from tools.stacks import STACKS_DIR

STDOUT = Path("-")

DESCRIPTION = "Compare a stack's plan here with its plan at a base (a git ref or a plan JSON), offline."
EPILOG = textwrap.dedent(
    """\
    Resources are matched by logical name (URN), with aliases applied as the Pulumi engine applies them,
    so a renamed resource that declares its old name is the same resource. A change to an input the
    provider cannot update in place (a table taken from pulumi-azure-native and
    terraform-provider-azuread, in tools/diff/force_new.py) is a replacement; replacements and
    deletions of what holds identity or data (Entra apps, service principals, client secrets, the APIM
    service, resource groups) come first, in words. Policies are compared by meaning (audiences,
    issuers, required claims, clock skew, validator, onward authentication), never by whitespace or
    attribute order. Client secret rotations name the slot, the active slot and the end dates; a
    secret that has expired, expires within 30 days or is not yet valid (against --now, default the
    clock) is a warning (standard error and the report), and a secret the change would create
    already expired is refused (exit 2). Entries of the stack file removed or renamed are said in
    the stack file's words, with what they delete.
    Offline: no Azure, no credentials; the base is planned by its own code (`python -m tools plan` of
    that tree, run with this interpreter).

    examples:
      venv/bin/python -m tools diff --stack dev
      venv/bin/python -m tools diff --stack dev --base-plan out/dev-plan.json --markdown

    exit codes:
      0  nothing changes
      1  something changes (not an error: the report says what)
      2  bad input: an invalid stack file ("config error: FILE:LINE: KEY: WHAT", a secret the
         change would create already expired among them), an unknown git ref, an unreadable plan
         file, the base failing to plan, or a file not writable
    """
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "--stack", required=True, metavar="NAME", help="the stack to compare (stacks/Pulumi.NAME.yaml)"
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="plan this stack file as the new side instead of stacks/Pulumi.NAME.yaml",
    )
    base = parser.add_mutually_exclusive_group()
    base.add_argument(
        "--base",
        metavar="GIT_REF",
        help="plan the stack as it is at this commit, branch or tag (default: the merge base of HEAD with main)",
    )
    base.add_argument(
        "--base-plan",
        type=Path,
        metavar="FILE",
        help="compare with this saved plan JSON (`python -m tools plan --json FILE`) instead of a git ref",
    )
    parser.add_argument(
        "--json",
        type=Path,
        metavar="FILE",
        help="also write the diff as JSON to FILE (`-`: to standard output instead of the text)",
    )
    parser.add_argument(
        "--markdown",
        action="store_true",
        help="print the diff as Markdown for a pull-request comment instead of text",
    )
    parser.add_argument(
        "--now",
        metavar="TIME",
        help="check the secrets' dates as of TIME instead of the clock: UNIX seconds or ISO 8601 "
        "(2026-10-01T12:00:00Z; no zone means UTC)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # Imported here, not above: `--help` needs none of them (planning loads the Pulumi SDK).
    from apim_oauth.config.errors import ConfigError
    from tools.diff.plans import BaseError, current_plan, default_base, plan_at_ref, read_plan_file
    from tools.diff.render import render_markdown, render_text
    from tools.diff.report import build, to_data
    from tools.diff.rotation import created_secrets
    from tools.plan.engine import DuplicateUrnError
    from tools.plan.program import check_stack_file
    from tools.plan.secret_dates import check_stack_created, moment, print_warnings, stack_slots

    stack_file: Path = args.config or STACKS_DIR / f"Pulumi.{args.stack}.yaml"
    try:
        now = moment(parse_now(args.now))
    except ValueError as error:
        print(f"diff: error: {error}", file=sys.stderr)
        return 2
    try:
        check_stack_file(stack_file)
        # A saved plan is read first: a bad one is reported before any planning.
        saved = read_plan_file(args.base_plan) if args.base_plan is not None else None
        head = current_plan(args.stack, stack_file)
        base = saved if saved is not None else plan_at_ref(args.stack, args.base or default_base())
    except ConfigError as error:
        print(f"config error: {error}", file=sys.stderr)
        return 2
    except (BaseError, DuplicateUrnError) as error:
        print(f"diff: error: {error}", file=sys.stderr)
        return 2
    report = build(args.stack, base, head)
    try:
        # Against the clock: a check around the plans, never part of them (tools/plan/secret_dates.py).
        slots = stack_slots(stack_file)
        check_stack_created(
            stack_file, slots, now, created_secrets(head, [(c.action, c.urn) for c in report.changes])
        )
    except ConfigError as error:
        print(f"config error: {error}", file=sys.stderr)
        return 2
    report = dataclasses.replace(report, secret_warnings=tuple(print_warnings(slots, now)))
    data = json.dumps(to_data(report), indent=2, sort_keys=True) + "\n"
    if args.json is not None and args.json != STDOUT:
        try:
            make_directory(args.json.parent, "directory of the --json file")
            write_file(args.json, data, "--json file")
        except OutputError as error:
            print(f"diff: error: {error}", file=sys.stderr)
            return 2
    if args.json == STDOUT:
        sys.stdout.write(data)
    else:
        sys.stdout.write(render_markdown(report) if args.markdown else render_text(report))
    return 1 if report.changed else 0
