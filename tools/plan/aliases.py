"""The URNs a planned resource answers to: its own and those its aliases (and its parents') give it.

Pure functions over a recorded plan, following the engine's alias resolution (pulumi/pulumi
`pkg/resource/deploy/step_generator.go`, `generateAliases`, `collapseAliasToUrn` and
`inheritedChildAlias`, v3):
- each alias spec is completed from the resource itself: an empty name, type, stack or project
  means "as now"; the parent is the spec's, none with `noParent`, otherwise the resource's own;
- then, for every URN the parent answers to, the child answers to the same child under that parent
  URN, and a child name that starts with the parent's name has that prefix replaced by the parent
  alias's name (the rename-a-component case, pulumi/pulumi
  `tests/integration/aliases/python/rename_component`), for its own name and for each alias.

Used to tell a rename that keeps state (an alias covers the old URN) from one that does not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from tools.plan.model import RecordedAlias, RecordedResource

__all__ = ["answers_to", "make_urn", "split_urn", "unaccounted"]


def split_urn(urn: str) -> tuple[str, str, str, str]:
    """`urn:pulumi:<stack>::<project>::<qualified type>::<name>` as (stack, project, qualified type, name).

    The qualified type is the parent chain's types and the resource's, joined by `$`.
    """
    head, project, qualified_type, name = urn.split("::", 3)
    return head.removeprefix("urn:pulumi:"), project, qualified_type, name


def make_urn(stack: str, project: str, parent_urn: str | None, type_: str, name: str) -> str:
    qualified = type_
    if parent_urn:
        parent_type = split_urn(parent_urn)[2]
        # The stack resource is nobody's type prefix (resource.NewURN in the engine).
        if parent_type != "pulumi:pulumi:Stack":
            qualified = f"{parent_type}${type_}"
    return f"urn:pulumi:{stack}::{project}::{qualified}::{name}"


def _collapse(resource: RecordedResource, alias: RecordedAlias) -> str:
    if alias.urn:
        return alias.urn
    stack, project, _, _ = split_urn(resource.urn)
    parent = None if alias.no_parent else (alias.parent_urn or resource.parent)
    return make_urn(
        alias.stack or stack,
        alias.project or project,
        parent,
        alias.type or resource.type,
        alias.name or resource.name,
    )


def _inherited(child_type: str, child_name: str, parent_name: str, parent_alias: str) -> str:
    stack, project, _, alias_name = split_urn(parent_alias)
    name = child_name
    if child_name.startswith(parent_name):
        name = alias_name + child_name[len(parent_name) :]
    return make_urn(stack, project, parent_alias, child_type, name)


def answers_to(resources: Iterable[RecordedResource]) -> dict[str, frozenset[str]]:
    """Each resource's URN -> every URN it answers to (itself included). Parents come before children."""
    result: dict[str, frozenset[str]] = {}
    aliases_of: dict[str, list[str]] = {}
    for r in resources:
        own = [_collapse(r, a) for a in r.aliases]
        found = list(own)
        if r.parent:
            parent_name = split_urn(r.parent)[3]
            for parent_alias in aliases_of.get(r.parent, []):
                found.append(_inherited(r.type, r.name, parent_name, parent_alias))
                for urn in own:
                    _, _, qualified, name = split_urn(urn)
                    found.append(_inherited(qualified.rsplit("$", 1)[-1], name, parent_name, parent_alias))
        aliases_of[r.urn] = [u for u in dict.fromkeys(found) if u != r.urn]
        result[r.urn] = frozenset({r.urn, *aliases_of[r.urn]})
    return result


def unaccounted(before: Iterable[str], after: Mapping[str, frozenset[str]]) -> list[str]:
    """URNs of `before` that no resource of `after` answers to: resources a deploy would delete."""
    covered = set[str]().union(*after.values()) if after else set[str]()
    return [u for u in before if u not in covered]
