"""The plan cache: a hit is the plan, any change to what a plan depends on misses, a bad entry is ignored."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, cast

import pytest

from tests.fixture_stacks import DEV as DEV_STACK
from tests.fixture_stacks import fixture_file
from tools.__main__ import main
from tools.plan import cache
from tools.plan.model import Plan, is_secret
from tools.plan.plan_json import plan_json
from tools.plan.program import PROJECT_DIR, read_stack_config
from tools.plan.testing import PlanOf

DEV = fixture_file(DEV_STACK)


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "plans"
    monkeypatch.setenv(cache.ENVIRONMENT_VARIABLE, str(directory))
    return directory


def _planned_once(plan_of: PlanOf, monkeypatch: pytest.MonkeyPatch) -> Plan:
    """`cache.planned` of dev with the engine's part played by the session's plan of dev (no second run)."""
    session_plan = plan_of(stack=DEV_STACK)

    def compute(stack: str, config: Mapping[str, Any]) -> Plan:
        assert (stack, config) == (DEV_STACK, read_stack_config(DEV))
        return session_plan

    monkeypatch.setattr(cache, "compute_plan", compute)
    return cache.planned(DEV_STACK, DEV)


def _no_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    def compute(stack: str, config: Mapping[str, Any]) -> Plan:
        raise AssertionError("planned again: the cache was not used")

    monkeypatch.setattr(cache, "compute_plan", compute)


def test_a_hit_is_the_same_plan_without_secret_values(
    plan_of: PlanOf, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = _planned_once(plan_of, monkeypatch)
    _no_engine(monkeypatch)
    hit = cache.planned(DEV_STACK, DEV)
    assert plan_json(hit) == plan_json(fresh)
    assert hit.resources == [
        type(r)(**{**vars(r), "inputs": cache.masked(r.inputs), "outputs": cache.masked(r.outputs)})
        for r in fresh.resources
    ]
    assert hit.outputs == cache.masked(fresh.outputs)
    secrets = set(_secret_texts([fresh.outputs, *(r.outputs for r in fresh.resources)]))
    assert len(secrets) > 1, "dev has client secrets"
    (entry,) = cache_dir.glob("*.json")
    stored = entry.read_text(encoding="utf-8")
    assert not [s for s in secrets if s in stored], "a secret's value was written"


def _secret_texts(value: Any) -> Iterator[str]:
    if is_secret(value):
        yield from [str(value["value"])] if value["value"] else []
    elif isinstance(value, Mapping):
        for item in cast("Mapping[str, Any]", value).values():
            yield from _secret_texts(item)
    elif isinstance(value, list):
        for item in cast("list[Any]", value):
            yield from _secret_texts(item)


def test_the_key_changes_with_each_source_and_with_the_stack_file(tmp_path: Path) -> None:
    project = tmp_path / "project"
    for name in cache.SOURCES:
        source = PROJECT_DIR / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, project / name)
    config = read_stack_config(DEV)
    key = cache.plan_key(DEV_STACK, config, project)
    assert key == cache.plan_key(DEV_STACK, config, PROJECT_DIR), "the key is of contents, not of a place"
    openapi = str(config["apim-oauth:apis"][0]["openApi"])
    for changed in ("__main__.py", "apim_oauth/policies/rendering.py", "tools/plan/mocks.py", openapi):
        path = project / changed
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        assert cache.plan_key(DEV_STACK, config, project) != key, f"{changed} changed, the key did not"
        path.write_bytes(original)
    assert cache.plan_key(DEV_STACK, config, project) == key
    changed_config: dict[str, Any] = {**config, "apim-oauth:clients": []}
    assert cache.plan_key(DEV_STACK, changed_config, project) != key
    assert cache.plan_key("prod", config, project) != key, "the stack's name is in every URN"


def test_a_changed_stack_file_is_planned_again(
    plan_of: PlanOf, cache_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _planned_once(plan_of, monkeypatch)
    _no_engine(monkeypatch)
    copy = tmp_path / DEV.name
    copy.write_text(DEV.read_text(encoding="utf-8"), encoding="utf-8")
    cache.planned(DEV_STACK, copy)  # the same configuration from another file: a hit
    copy.write_text(DEV.read_text(encoding="utf-8").replace("Echo", "Echo2", 1), encoding="utf-8")
    with pytest.raises(AssertionError, match="planned again"):
        cache.planned(DEV_STACK, copy)


def test_a_corrupt_entry_is_ignored_and_replaced(
    plan_of: PlanOf, cache_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh = _planned_once(plan_of, monkeypatch)
    (entry,) = cache_dir.glob("*.json")
    for corrupt in (
        "{not json",
        '{"format": 1}',
        json.dumps({"format": cache.FORMAT, "key": entry.stem, "plan": {}}),
    ):
        entry.write_text(corrupt, encoding="utf-8")
        assert cache.load(entry.stem) is None
        assert main(["plan", "--stack", DEV_STACK, "--config", str(DEV), "--json", "-"]) == 0
        assert capsys.readouterr().out == plan_json(fresh)
    _no_engine(monkeypatch)
    assert plan_json(cache.planned(DEV_STACK, DEV)) == plan_json(fresh), "the corrupt entry was replaced"


def test_an_unwritable_cache_directory_only_means_no_cache(
    plan_of: PlanOf, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv(cache.ENVIRONMENT_VARIABLE, str(blocker / "plans"))
    assert plan_json(_planned_once(plan_of, monkeypatch)) == plan_json(plan_of(stack=DEV_STACK))


def test_plan_of_keeps_whole_plans_where_asked_and_a_hit_is_the_same_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tools.plan import testing

    monkeypatch.setenv(testing.STORE_VARIABLE, str(tmp_path / "plan_of"))
    # A plan no other test asks for; the session's memory is emptied besides.
    config: dict[str, Any] = {"clients": []}
    monkeypatch.setattr(testing, "_CACHE", {})
    first = testing.stack_plan(DEV_STACK, config, stack_file=fixture_file(DEV_STACK))
    monkeypatch.setattr(testing, "_CACHE", {})
    monkeypatch.setattr(testing, "compute_plan", _refuse)
    again = testing.stack_plan(DEV_STACK, config, stack_file=fixture_file(DEV_STACK))
    assert again.resources == first.resources
    assert again.outputs == first.outputs
    # Whole: the secret outputs keep their values (the offline engine's), still marked secret.
    secrets = list(_secret_texts([first.outputs, *(r.outputs for r in first.resources)]))
    assert secrets
    assert list(_secret_texts([again.outputs, *(r.outputs for r in again.resources)])) == secrets


def test_plan_of_keeps_nothing_on_disk_unless_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tools.plan import testing

    monkeypatch.delenv(testing.STORE_VARIABLE, raising=False)
    monkeypatch.setenv(cache.ENVIRONMENT_VARIABLE, str(tmp_path / "plans"))
    calls: list[str] = []

    def compute(stack: str, config: Mapping[str, Any]) -> Plan:
        calls.append(stack)
        return Plan(resources=[], outputs={}, invokes=[])

    monkeypatch.setattr(testing, "_CACHE", {})
    monkeypatch.setattr(testing, "compute_plan", compute)
    for _ in range(2):
        testing.stack_plan(DEV_STACK, {"clients": None}, stack_file=fixture_file(DEV_STACK))
        monkeypatch.setattr(testing, "_CACHE", {})
    assert calls == [DEV_STACK, DEV_STACK]
    assert not list(tmp_path.rglob("*.json"))


def _refuse(stack: str, config: Mapping[str, Any]) -> Plan:
    raise AssertionError("planned again: plan_of's store was not used")
