"""The project's own test stacks: tests/stacks/Pulumi.<name>.yaml, shaped to what the tests need.

They started as copies of the example stacks (stacks/dev, prod, china) and are named apart from
them, so that no test reads a user's stack: a team edits stacks/ freely (adds, removes or reorders
APIs, products and clients; adds stacks), and the stacks there are held only to the rules any
stack keeps (tests/program/test_user_stacks.py). A test that needs another shape changes a
fixture here, or plans one with `config={...}` (tools/plan/testing.py).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

FIXTURES_DIR = Path(__file__).resolve().parent / "stacks"

DEV = "fixture-dev"
"""Global cloud, three products in both modes, four clients, people, the test console, portal sign-in."""
PROD = "fixture-prod"
"""Global cloud, protected service, onward authentication to a backend, the validate-azure-ad-token validator."""
CHINA = "fixture-china"
"""The China cloud (21Vianet): its endpoints in policies, tokens and the portal."""
FIXTURES = (CHINA, DEV, PROD)


def fixture_file(name: str) -> Path:
    """The stack file of fixture `name`."""
    return FIXTURES_DIR / f"Pulumi.{name}.yaml"


def stack_args(name: str) -> list[str]:
    """The tools' arguments that plan fixture `name`: `--stack NAME --config FILE`."""
    return ["--stack", name, "--config", str(fixture_file(name))]


DEV_FILE, PROD_FILE, CHINA_FILE = fixture_file(DEV), fixture_file(PROD), fixture_file(CHINA)

EXAMPLE_STACKS = {"dev": DEV_FILE, "prod": PROD_FILE, "china": CHINA_FILE}
"""The stacks the docs' examples are written on (`--stack dev`), as the project ships them: the fixtures
they started as."""


def example_checkout(destination: Path) -> Path:
    """A copy of the repository whose stacks/ are the example stacks as shipped, a git repository on
    `main` with one commit: where the commands the docs and `--help` show run in tests.

    The docs' commands are examples on `dev`, `prod` and `china` (a `billing-daemon` client, a
    `partners` product): run on the users' stacks, a team's first edit (removing that client) would fail
    them. So they run on the stacks they were written for, whatever a team has made of stacks/.
    """
    from bench.fresh_clone import clean_environment, copy_repository

    copy = copy_repository(destination)
    for stack_file in (copy / "stacks").glob("Pulumi.*.yaml"):
        stack_file.unlink()
    for name, fixture in EXAMPLE_STACKS.items():
        (copy / "stacks" / f"Pulumi.{name}.yaml").write_bytes(fixture.read_bytes())
    identity = {"GIT_AUTHOR_NAME": "example", "GIT_AUTHOR_EMAIL": "example@example.com"}
    identity |= {"GIT_COMMITTER_NAME": "example", "GIT_COMMITTER_EMAIL": "example@example.com"}
    for git in (
        ["init", "-q", "-b", "main"],
        ["add", "-A"],
        ["-c", "commit.gpgsign=false", "commit", "-q", "-m", "example stacks"],
    ):
        subprocess.run(
            ["git", *git], cwd=copy, env=clean_environment(**identity), check=True, capture_output=True
        )
    return copy
