"""The `plan_of` fixture (tools/plan/testing.py) for every test, as a team would load it for theirs,
finding the project's own test stacks (tests/stacks/) before the users' (stacks/)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixture_stacks import FIXTURES_DIR
from tools.plan.program import STACKS_DIR

pytest_plugins = ["tools.plan.testing"]


@pytest.fixture(scope="session")
def stack_dirs() -> list[Path]:
    return [FIXTURES_DIR, STACKS_DIR]


@pytest.fixture(scope="session", autouse=True)
def plan_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The tools the tests run (in this process or started from it) keep their plans in a directory of
    the session's, never in the checkout's cache (tools/plan/cache.py)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("APIM_OAUTH_PLAN_CACHE", str(tmp_path_factory.mktemp("plan-cache")))
        yield
