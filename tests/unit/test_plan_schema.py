"""`diff --base-plan FILE`: a broken or hostile plan JSON is one line naming where, exit 2, at once;
a deeply nested policy costs the diff no more than a shallow one."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.fixture_stacks import DEV, stack_args
from tools.__main__ import main
from tools.diff.plan_schema import MAX_DEPTH, PlanShapeError, parse_plan
from tools.diff.policy_meaning import canonical, compare
from tools.policy_xml.document import PolicyError, parse_xml

URN = "urn:pulumi:dev::apim-oauth::apim-oauth:entra:BackendApi::backend"


def resource(**overrides: object) -> dict[str, object]:
    raw: dict[str, object] = {
        "urn": URN,
        "type": "apim-oauth:entra:BackendApi",
        "name": "backend",
        "parent": None,
        "inputs": {},
        "outputs": {},
        "dependencies": [],
        "options": {"protect": False, "aliases": []},
    }
    raw.update(overrides)
    return {key: value for key, value in raw.items() if value != "<absent>"}


def nested(depth: int) -> object:
    value: object = "leaf"
    for _ in range(depth):
        value = {"a": value}
    return value


def child(name: str, parent: str) -> dict[str, object]:
    return resource(urn=f"{URN}-{name}", name=name, parent=parent)


BROKEN = [
    ([1, 2, 3], "resources[0]: expected an object, got a number"),
    ([resource(urn="<absent>")], "resources[0].urn: expected a non-empty string, got null"),
    ([resource(type="<absent>")], "resources[0].type: expected a non-empty string, got null"),
    ([resource(options="protect")], "resources[0].options: expected an object, got a string"),
    ([resource(inputs=["a"])], "resources[0].inputs: expected an object, got a list"),
    ([resource(dependencies="x")], "resources[0].dependencies: expected a list of strings, got a string"),
    ([resource(options={"protect": "yes"})], "resources[0].options.protect: expected true or false"),
    ([resource(urn="backend")], "resources[0].urn: 'backend' is not a Pulumi URN"),
    ([resource(), resource()], "appears twice"),
    ([child("a", f"{URN}-b"), child("b", f"{URN}-a")], "parents form a cycle"),
    ([child("a", f"{URN}-a")], "parents form a cycle"),
    ([child(str(i), f"{URN}-{i + 1}") for i in range(200)], "a parent chain is longer than"),
    ([resource(outputs=nested(200))], f"nested deeper than {MAX_DEPTH} levels"),
]


@pytest.mark.parametrize(("resources", "message"), BROKEN)
def test_a_broken_plan_is_refused_with_where(resources: list[object], message: str) -> None:
    with pytest.raises(PlanShapeError) as raised:
        parse_plan(json.dumps({"resources": resources, "outputs": {}}))
    assert message in str(raised.value)


def test_json_nested_past_the_parser_is_refused_too() -> None:
    with pytest.raises(PlanShapeError, match="nested deeper"):
        parse_plan('{"resources": [' + "[" * 100_000 + "]" * 100_000 + "]}")


def test_a_plan_the_tool_writes_passes(tmp_path: Path) -> None:
    plan: dict[str, object] = {"resources": [resource(), child("x", URN)], "outputs": {"policies": {}}}
    assert parse_plan(json.dumps(plan))["resources"][1]["parent"] == URN


@pytest.mark.parametrize(("resources", "message"), BROKEN[:6] + BROKEN[9:10] + BROKEN[-1:])
def test_diff_with_a_broken_base_plan_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], resources: list[object], message: str
) -> None:
    base = tmp_path / "base.json"
    base.write_text(json.dumps({"resources": resources, "outputs": {}}), encoding="utf-8")
    started = time.monotonic()
    code = main(["diff", *stack_args(DEV), "--base-plan", str(base)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.startswith(f"diff: error: {base}: ")
    assert message in captured.err
    assert captured.err.count("\n") == 1
    assert time.monotonic() - started < 5


def test_xml_nested_past_the_bound_is_refused() -> None:
    with pytest.raises(PolicyError, match="nested deeper than 64"):
        parse_xml(b"<policies>" + b"<a>" * 500 + b"</a>" * 500 + b"</policies>")


def test_a_deeply_nested_policy_costs_the_diff_no_time() -> None:
    deep = "<policies>" + "<a>" * 20_000 + "</a>" * 20_000 + "</policies>"
    started = time.monotonic()
    assert canonical(deep) == deep
    words = compare(deep, deep.replace("<a>", "<b>", 1).replace("</a></policies>", "</b></policies>"))
    assert time.monotonic() - started < 2
    assert words  # the change is still reported
