"""A team's ordinary edits to its stack files never fail the tests: the project's tests run on their
own stacks (tests/stacks/), and the users' stacks (stacks/) are held only to the rules any stack keeps.

The repository is copied, its stack files are edited as a team would edit them (an API, a product and
a client added at the top of each list, a client removed, a stack added as a copy of another with
new names), and the default test selection runs in the copy: it passes.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.fresh_clone import clean_environment, copy_repository
from tools.stacks import stack_names

ROOT = Path(__file__).resolve().parents[2]

NEW_API = """\
    - name: orders
      displayName: Orders
      path: orders
      serviceUrl: https://orders.contoso.example
"""
NEW_PRODUCT = """\
    - name: orders
      displayName: Orders
      description: Orders for the orders daemon, by OAuth 2.0 client credentials.
      apis: [orders]
      oauth:
        mode: entra-app
"""
NEW_CLIENT = """\
    - name: orders-daemon
      displayName: Orders daemon
      products: [orders]
      secret:
        slots:
          blue: 2030-01-01
"""


def add_first(text: str, key: str, entry: str) -> str:
    """`entry` as the first item of the list under `apim-oauth:<key>:`."""
    heading = f"  apim-oauth:{key}:\n"
    assert heading in text, key
    return text.replace(heading, heading + entry, 1)


def remove_entry(text: str, key: str, index: int) -> tuple[str, str]:
    """The text without the `index`-th item of the list under `apim-oauth:<key>:`, and its name."""
    lines = text.splitlines(keepends=True)
    start = lines.index(f"  apim-oauth:{key}:\n") + 1
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("    ")), len(lines))
    items = [i for i in range(start, end) if lines[i].startswith("    - name: ")] + [end]
    first, last = items[index], items[index + 1]
    name = lines[first].removeprefix("    - name: ").strip()
    return "".join(lines[:first] + lines[last:]), name


def edit_as_a_team(stacks: Path) -> list[str]:
    """Each stack file edited; a new stack `staging` copied from the first; what was done, in words."""
    done: list[str] = []
    for path in sorted(stacks.glob("Pulumi.*.yaml")):
        text = path.read_text(encoding="utf-8")
        if "  apim-oauth:clients:\n" in text:
            text, removed = remove_entry(text, "clients", 0)
            done.append(f"{path.name}: client {removed} removed")
        text = add_first(text, "apis", NEW_API)
        text = add_first(text, "products", NEW_PRODUCT)
        if "  apim-oauth:clients:\n" not in text:
            text += "  apim-oauth:clients:\n"
        text = add_first(text, "clients", NEW_CLIENT)
        path.write_text(text, encoding="utf-8")
        done.append(f"{path.name}: API, product and client orders added first")
    source = sorted(stacks.glob("Pulumi.*.yaml"))[-1]
    old = source.name.removeprefix("Pulumi.").removesuffix(".yaml")
    copied = re.sub(rf"\b{re.escape(old)}\b", "staging", source.read_text(encoding="utf-8"))
    (stacks / "Pulumi.staging.yaml").write_text(copied, encoding="utf-8")
    done.append(f"Pulumi.staging.yaml: a copy of {source.name} with new names")
    return done


@pytest.mark.slow  # copies the repository and runs the default test selection there
def test_a_teams_edits_to_its_stacks_keep_the_tests_green(tmp_path: Path) -> None:
    copy = copy_repository(tmp_path / "repo")
    done = edit_as_a_team(copy / "stacks")
    assert len(stack_names(copy / "stacks")) == len(stack_names()) + 1, done
    # The edited stacks plan: the edits themselves are good ones.
    for name in stack_names(copy / "stacks"):
        planned = subprocess.run(
            [
                sys.executable,
                "-m",
                "tools",
                "plan",
                "--stack",
                name,
                "--json",
                str(tmp_path / f"{name}.json"),
            ],
            cwd=copy,
            env=clean_environment(),
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert planned.returncode == 0, (name, planned.stderr)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "not slow", "-q", "-p", "no:randomly"],
        cwd=copy,
        env=clean_environment(),
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )
    assert result.returncode == 0, "\n".join([*done, result.stdout[-4000:], result.stderr[-2000:]])
