"""The `plan_of` fixture (tools/plan/testing.py) for every test, as a team would load it for theirs,
finding the project's own test stacks (tests/stacks/) before the users' (stacks/)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from tests.fixture_stacks import FIXTURES_DIR
from tools.plan.program import STACKS_DIR

pytest_plugins = ["tools.plan.testing"]

TEST_PLAN_CACHE = Path(__file__).resolve().parents[1] / ".cache" / "apim-oauth" / "test-plans"


def plan_cache_directory(environ: Mapping[str, str], fresh: Callable[[], Path]) -> Path:
    """Where the tests' tools keep plans: TEST_PLAN_CACHE, or a `fresh()` directory when
    APIM_OAUTH_TEST_PLAN_CACHE=fresh."""
    return fresh() if environ.get("APIM_OAUTH_TEST_PLAN_CACHE") == "fresh" else TEST_PLAN_CACHE


@pytest.fixture(scope="session")
def stack_dirs() -> list[Path]:
    return [FIXTURES_DIR, STACKS_DIR]


@pytest.fixture(scope="session", autouse=True)
def plan_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The tools the tests run (in this process or started from it) keep their plans in a cache of the
    tests' own (tools/plan/cache.py), never the checkout's: `.cache/apim-oauth/test-plans`, kept from
    one run to the next like pytest's own cache. Its key covers the stack file, the program's sources
    and the SDKs, so a plan is never stale; APIM_OAUTH_TEST_PLAN_CACHE=fresh plans everything anew
    (CI's fresh clones start empty anyway)."""
    directory = plan_cache_directory(os.environ, lambda: tmp_path_factory.mktemp("plan-cache"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("APIM_OAUTH_PLAN_CACHE", str(directory))
        # plan_of's plans too, whole (tools/plan/testing.py), beside the tools' masked ones.
        from tools.plan.testing import STORE_VARIABLE  # the plugin above, loaded by now

        patch.setenv(STORE_VARIABLE, str(directory / "plan_of"))
        yield
