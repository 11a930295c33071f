"""The project's own test stacks: tests/stacks/Pulumi.<name>.yaml, shaped to what the tests need.

They started as copies of the example stacks (stacks/dev, prod, china) and are named apart from
them, so that no test reads a user's stack: a team edits stacks/ freely (adds, removes or reorders
APIs, products and clients; adds stacks), and the stacks there are held only to the rules any
stack keeps (tests/program/test_user_stacks.py). A test that needs another shape changes a
fixture here, or plans one with `config={...}` (tools/plan/testing.py).
"""

from __future__ import annotations

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
