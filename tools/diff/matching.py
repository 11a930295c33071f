"""Which resource of the base plan each resource of the new plan is: by URN, else by alias, as the
engine matches them (pulumi/pulumi `step_generator.go` `getOldResource`/`generateAliases`): the URN
first, then each alias the resource declares, then, when its parent was found under an old URN, the
URN it had under that parent (`inheritedChildAlias`), for itself and for each of its aliases."""

from __future__ import annotations

from collections.abc import Mapping

from tools.diff.plans import Resource
from tools.plan.urns import inherited_child_alias


def match(old: Mapping[str, Resource], new: Mapping[str, Resource]) -> dict[str, str]:
    """new URN -> old URN, for every new resource that has an old state; parents before children."""
    matched: dict[str, str] = {}
    aliased: dict[str, str] = {}
    """new URN -> the old URN it was found under, when that is not its own (a child inherits it)."""
    claimed: set[str] = set()
    for urn in _parents_first(new):
        resource = new[urn]
        candidates = [urn, *resource.aliases]
        parent_alias = aliased.get(resource.parent or "")
        if resource.parent and parent_alias:
            candidates.append(inherited_child_alias(urn, resource.parent, parent_alias))
            candidates.extend(
                inherited_child_alias(a, resource.parent, parent_alias) for a in resource.aliases
            )
        for candidate in candidates:
            if candidate in old and candidate not in claimed and (candidate == urn or candidate not in new):
                matched[urn] = candidate
                claimed.add(candidate)
                if candidate != urn:
                    aliased[urn] = candidate
                break
    return matched


def _parents_first(resources: Mapping[str, Resource]) -> list[str]:
    ordered: list[str] = []
    seen: set[str] = set()

    def visit(urn: str) -> None:
        if urn in seen:
            return
        seen.add(urn)
        parent = resources[urn].parent
        if parent and parent in resources:
            visit(parent)
        ordered.append(urn)

    for urn in sorted(resources):
        visit(urn)
    return ordered
