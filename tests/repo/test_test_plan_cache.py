"""The tests' own plan cache: kept in the checkout between runs, or fresh on request (README)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import TEST_PLAN_CACHE, plan_cache_directory

ROOT = Path(__file__).resolve().parents[2]


def test_the_tests_keep_plans_in_their_own_cache_between_runs() -> None:
    assert TEST_PLAN_CACHE == ROOT / ".cache" / "apim-oauth" / "test-plans"
    assert plan_cache_directory({}, lambda: Path("/unused")) == TEST_PLAN_CACHE
    # This session's tools plan there, unless the run asked for a fresh directory.
    if os.environ.get("APIM_OAUTH_TEST_PLAN_CACHE") != "fresh":
        assert os.environ["APIM_OAUTH_PLAN_CACHE"] == str(TEST_PLAN_CACHE)


def test_fresh_plans_everything_anew(tmp_path: Path) -> None:
    assert plan_cache_directory({"APIM_OAUTH_TEST_PLAN_CACHE": "fresh"}, lambda: tmp_path) == tmp_path
    assert plan_cache_directory({"APIM_OAUTH_TEST_PLAN_CACHE": "kept"}, lambda: tmp_path) == TEST_PLAN_CACHE
