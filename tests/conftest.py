"""The `plan_of` fixture (tools/plan/testing.py) for every test, as a team would load it for theirs,
finding the project's own test stacks (tests/stacks/) before the users' (stacks/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixture_stacks import FIXTURES_DIR
from tools.plan.program import STACKS_DIR

pytest_plugins = ["tools.plan.testing"]


@pytest.fixture(scope="session")
def stack_dirs() -> list[Path]:
    return [FIXTURES_DIR, STACKS_DIR]
