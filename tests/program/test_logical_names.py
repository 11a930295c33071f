"""Logical names are users' state: stable across stack names, and never renamed without an alias.

`tests/urns/<stack>.txt` records the URNs of each of the project's test stacks (tests/stacks/) as the
engine names them: it guards the program's code, whatever the users' stacks hold (a team's own
renames and deletions show in its pull request's `tools diff`). A change of the code that renames a
resource shows in the pull request as a change of that file, and fails here unless an alias makes
the new resource answer to the old URN (a deploy would otherwise delete it and create another: new
client IDs for an Entra app, an hour of downtime for an APIM service). After a deliberate, aliased
rename, rewrite the records with `UPDATE_URNS=1 venv/bin/python -m pytest tests/program/test_logical_names.py`.

`tests/urns/legacy/<stack>.txt` holds the names of stacks deployed before the root name became
constant (rooted at the stack's name, the one in the recorded URNs); they must stay answered for as
long as such stacks may exist.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.fixture_stacks import DEV, FIXTURES, fixture_file
from tools.plan.model import Plan, RecordedAlias, RecordedResource
from tools.plan.testing import stack_plan
from tools.plan.urns import answers_to, qualified_type, unaccounted, urn_name, urn_type

URNS_DIR = Path(__file__).resolve().parents[1] / "urns"
STACKS = FIXTURES


def planned(stack: str, as_stack: str | None = None) -> Plan:
    return stack_plan(as_stack or stack, stack_file=fixture_file(stack))


# Resources a deliberate change retired without an alias, because no alias could keep them safely,
# each with the reason and the step a deployed stack takes first. A URN is retired when its own type
# (the last one in its qualified type) is listed here.
RETIRED_TYPES = {
    # apim-managed products moved to an ARM template deployment (docs/azure-contract.md, section 1).
    # An alias across resource types would have the provider delete the product with the
    # deployment's API version; left unaliased, `up` would delete the product after the template
    # updated it. A stack that ran the generic resource first forgets it without deleting it:
    # docs/limits.md, "Upgrading a stack with an apim-managed product".
    "azure-native:resources:Resource": "docs/limits.md",
}


def recorded(path: Path) -> list[str]:
    return [u for u in path.read_text(encoding="utf-8").split() if not _retired(u)]


def _retired(urn: str) -> bool:
    return urn_type(urn) in RETIRED_TYPES


@pytest.mark.parametrize("stack", STACKS)
def test_no_recorded_resource_is_renamed_without_an_alias(stack: str) -> None:
    plan = planned(stack)
    record = URNS_DIR / f"{stack}.txt"
    current = sorted(r.urn for r in plan.resources)
    if os.environ.get("UPDATE_URNS") == "1":
        record.write_text("\n".join(current) + "\n", encoding="utf-8")
    assert record.exists(), f"no record of {stack}'s names: run with UPDATE_URNS=1 and commit {record.name}"
    lost = unaccounted(recorded(record), answers_to(plan.resources))
    assert not lost, f"renamed without an alias (a deploy would delete these): {lost}"
    assert current == recorded(record), (
        f"{stack}'s names changed: rewrite the record (UPDATE_URNS=1) and commit it"
    )


@pytest.mark.slow  # plans each stack again under its old root name
@pytest.mark.parametrize("stack", [s for s in STACKS if (URNS_DIR / "legacy" / f"{s}.txt").exists()])
def test_stacks_deployed_with_the_stack_name_as_root_move_without_replacement(stack: str) -> None:
    legacy = recorded(URNS_DIR / "legacy" / f"{stack}.txt")
    assert legacy, "the legacy record is empty"
    deployed_as = {urn.split("::")[0].removeprefix("urn:pulumi:") for urn in legacy}
    assert len(deployed_as) == 1, f"one stack per record: {deployed_as}"
    (as_stack,) = deployed_as
    assert all(urn_name(u).startswith(as_stack) for u in legacy)
    assert unaccounted(legacy, answers_to(planned(stack, as_stack).resources)) == []


def test_logical_names_do_not_depend_on_the_stack_name() -> None:
    def names(plan: Plan) -> list[tuple[str, str]]:
        return sorted((qualified_type(r.urn), r.name) for r in plan.resources)

    assert names(planned(DEV)) == names(planned(DEV, as_stack="staging"))
    assert not [r.name for r in planned(DEV, as_stack="staging").resources if "staging" in r.name]


def _resource(urn: str, parent: str | None, *aliases: RecordedAlias) -> RecordedResource:
    return RecordedResource(
        urn=urn,
        type=qualified_type(urn).rsplit("$", 1)[-1],
        name=urn_name(urn),
        parent=parent,
        custom=False,
        inputs={},
        outputs={},
        dependencies=[],
        aliases=aliases,
    )


def test_a_child_follows_its_renamed_parent_only_when_its_name_carries_the_parents() -> None:
    root = "urn:pulumi:s::p::t:index:Root::new"
    prefixed = "urn:pulumi:s::p::t:index:Root$t:index:Child::new-child"
    plain = "urn:pulumi:s::p::t:index:Root$t:index:Child::other"
    plan = [
        _resource(root, None, RecordedAlias(name="old")),
        _resource(prefixed, root),
        _resource(plain, root),
    ]
    answered = answers_to(plan)
    assert "urn:pulumi:s::p::t:index:Root$t:index:Child::old-child" in answered[prefixed]
    assert "urn:pulumi:s::p::t:index:Root$t:index:Child::other" in answered[plain]
    # Without the parent's alias nothing answers to the old names.
    unaliased = answers_to([_resource(root, None), _resource(prefixed, root)])
    assert unaccounted(["urn:pulumi:s::p::t:index:Root::old"], unaliased) == [
        "urn:pulumi:s::p::t:index:Root::old"
    ]


def test_a_type_alias_and_a_parent_rename_combine() -> None:
    root = "urn:pulumi:s::p::t:index:Root::new"
    child = "urn:pulumi:s::p::t:index:Root$t:index:NewKind::new-x"
    plan = [
        _resource(root, None, RecordedAlias(name="old")),
        _resource(child, root, RecordedAlias(type="t:index:OldKind")),
    ]
    assert "urn:pulumi:s::p::t:index:Root$t:index:OldKind::old-x" in answers_to(plan)[child]
