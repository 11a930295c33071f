"""Pulumi URNs and aliases, computed as the engine computes them.

Source: pulumi/pulumi 3.260 (commit 1b59498), `sdk/go/common/resource/urn.go` (`CreateURN`: a child's
type is qualified by its parent's, joined with `$`) and `pkg/resource/deploy/step_generator.go`
(`collapseAliasToUrn`: an alias spec's empty fields mean "as the resource is now";
`inheritedChildAlias`: a child follows its parent's alias, and a name that starts with the parent's
name takes the parent's old name as its prefix).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from tools.plan.model import RecordedAlias, RecordedResource

# A provider SDK's alias to the same resource at a pinned API version (`pkg:module/v20220801:Name`):
# every azure-native resource declares a score of them; none names an older state of this program.
_VERSIONED_MODULE = re.compile(r"^(?P<pkg>[^:]+):(?P<module>[^:/]+)/v[^:]+:(?P<name>[^:]+)$")


def create_urn(name: str, type_: str, parent: str | None, project: str, stack: str) -> str:
    """`CreateURN`: a child's URN is its parent's up to the name, then `$type::name`.

    The root stack qualifies nobody's type (`generateURN` in pkg/resource/deploy/deployment.go skips
    a parent whose type is `pulumi:pulumi:Stack`), so a top-level resource's URN has its type alone.
    """
    if parent and qualified_type(parent) != "pulumi:pulumi:Stack":
        return f"{parent[: parent.rindex('::')]}${type_}::{name}"
    return f"urn:pulumi:{stack}::{project}::{type_}::{name}"


def qualified_type(urn: str) -> str:
    """`parent$child` type chain of a URN (its third `::` field)."""
    return urn.split("::")[2]


def urn_name(urn: str) -> str:
    return urn.split("::", 3)[3]


def urn_type(urn: str) -> str:
    return qualified_type(urn).rsplit("$", 1)[-1]


def _stack_and_project(urn: str) -> tuple[str, str]:
    stack, project = urn.split("::")[:2]
    return stack.removeprefix("urn:pulumi:"), project


def is_provider_version_alias(alias: RecordedAlias, type_: str) -> bool:
    """An alias only to the same type at a pinned API version, as the provider SDKs add to each resource."""
    if alias.urn or alias.name or alias.parent_urn or alias.no_parent or alias.stack or alias.project:
        return False
    match = _VERSIONED_MODULE.match(alias.type)
    return match is not None and f"{match['pkg']}:{match['module']}:{match['name']}" == type_


def alias_urn(alias: RecordedAlias, *, urn: str, parent: str | None) -> str:
    """The URN an alias of the resource `urn` (child of `parent`) names, before any parent alias applies.

    `collapseAliasToUrn`; the offline engine forms URNs as the engine does (`create_urn`), so an
    alias names a URN in the plans' own convention.
    """
    if alias.urn:
        return alias.urn
    stack, project = _stack_and_project(urn)
    return create_urn(
        alias.name or urn_name(urn),
        alias.type or urn_type(urn),
        None if alias.no_parent else (alias.parent_urn or parent),
        alias.project or project,
        alias.stack or stack,
    )


def inherited_child_alias(child_urn: str, parent_urn: str, parent_alias: str) -> str:
    """The URN a child had under its parent's old URN (`inheritedChildAlias`)."""
    name, parent_name = urn_name(child_urn), urn_name(parent_urn)
    if name.startswith(parent_name):
        name = urn_name(parent_alias) + name[len(parent_name) :]
    stack, project = _stack_and_project(child_urn)
    return create_urn(name, urn_type(child_urn), parent_alias, project, stack)


def answers_to(resources: Iterable[RecordedResource]) -> dict[str, frozenset[str]]:
    """Each resource's URN -> every URN it answers to, itself included (`generateAliases`).

    Its own aliases, then, for every URN its parent answers to, the child under that URN
    (`inheritedChildAlias`) for its current URN and for each of its own aliases. Parents come first.
    """
    result: dict[str, frozenset[str]] = {}
    aliases_of: dict[str, list[str]] = {}
    for r in resources:
        own = [alias_urn(a, urn=r.urn, parent=r.parent) for a in r.aliases]
        found = list(own)
        for parent_alias in aliases_of.get(r.parent or "", []):
            assert r.parent is not None
            found.append(inherited_child_alias(r.urn, r.parent, parent_alias))
            found.extend(inherited_child_alias(u, r.parent, parent_alias) for u in own)
        aliases_of[r.urn] = [u for u in dict.fromkeys(found) if u != r.urn]
        result[r.urn] = frozenset({r.urn, *aliases_of[r.urn]})
    return result


def unaccounted(before: Iterable[str], after: Mapping[str, frozenset[str]]) -> list[str]:
    """URNs of `before` that no resource of `after` answers to: what a deploy would delete."""
    covered = set[str]().union(*after.values())
    return [u for u in before if u not in covered]
