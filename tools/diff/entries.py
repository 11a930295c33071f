"""A user's removals and renames, in the stack file's words: which client, product or API goes, and what
it deletes in Azure and Entra.

The resource list says what the engine does, one resource at a time; a reviewer reads the pull request
as "client billing-daemon removed" and must see at once that this deletes its Entra app (the client ID
its callers hold), its service principal and its secrets. Each entry of the configuration is one or
two components of the program (a client is a `ClientApp`, an entra-app product an `EntraAppProduct`
and its `ProductApp`), named `<root>-<entry name>` under the root `Deployment`. The engine knows
resources only by name (URN), so renaming an entry is its removal and the addition of another: the
pair is called a rename when an entry of the same kind is added with the same kinds of resources,
and both sides are said.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from tools.diff.changes import ResourceChange
from tools.diff.plans import PlanDocument, Resource

DEPLOYMENT = "apim-oauth:index:Deployment"

# The components that stand for one entry of the configuration, the word for its kind, and what
# their name adds to the entry's name.
ENTRY_COMPONENTS: Mapping[str, tuple[str, str]] = {
    "apim-oauth:entra:ClientApp": ("client", ""),
    "apim-oauth:apim:ClientApplication": ("client", ""),
    "apim-oauth:apim:Api": ("API", ""),
    "apim-oauth:apim:EntraAppProduct": ("product", ""),
    "apim-oauth:apim:ApimManagedProduct": ("product", ""),
    "apim-oauth:entra:ProductApp": ("product", "-app"),
}

# What a reviewer calls each resource; the rest are named from their type token.
WORDS: Mapping[str, str] = {
    "azuread:index/application:Application": "Entra app (the client ID its callers use)",
    "azuread:index/servicePrincipal:ServicePrincipal": "service principal",
    "azuread:index/applicationPassword:ApplicationPassword": "client secret",
    "azuread:index/appRoleAssignment:AppRoleAssignment": "app role assignment",
    "azuread:index/servicePrincipalDelegatedPermissionGrant:ServicePrincipalDelegatedPermissionGrant": (
        "admin consent (delegated permission grant)"
    ),
    "azure-native:apimanagement:ClientApplication": "APIM client application (its Entra app and secret)",
    "azure-native:apimanagement:Api": "APIM API",
    "azure-native:apimanagement:Product": "APIM product",
    "azure-native:apimanagement:ApiOperation": "API operation",
    # An apim-managed product is an ARM template (the preview's API version), as is a portal revision.
    "azure-native:resources:Deployment": "ARM template deployment (an APIM product or portal revision)",
    "azuread:index/applicationIdentifierUri:ApplicationIdentifierUri": "App ID URI",
}


@dataclass(frozen=True)
class EntryChange:
    """One entry of the stack file removed, or renamed (removed, and another added in its place)."""

    kind: str
    name: str
    deletes: tuple[str, ...]
    """What goes, in words, identity and data first."""
    renamed_to: str | None = None
    creates: tuple[str, ...] = ()

    def words(self) -> str:
        deletes = ", ".join(self.deletes) or "nothing in Azure"
        if self.renamed_to is None:
            return f"{self.kind} {self.name} removed: deletes its {deletes}"
        return (
            f"{self.kind} {self.name} renamed to {self.renamed_to}: resources are known by name, so this "
            f"deletes its {deletes}, and creates new ones for {self.renamed_to}"
        )


def _word(resource_type: str) -> str:
    if resource_type in WORDS:
        return WORDS[resource_type]
    last = resource_type.rsplit(":", 1)[-1]
    return re.sub(r"(?<!^)(?=[A-Z])", " ", last).lower()


def _entry(resource: Resource, root: str) -> tuple[str, str] | None:
    """(kind, entry name) when `resource` is a component standing for an entry of the configuration."""
    known = ENTRY_COMPONENTS.get(resource.type)
    if known is None or not resource.name.startswith(f"{root}-") or not resource.name.endswith(known[1]):
        return None
    name = resource.name.removeprefix(f"{root}-").removesuffix(known[1]) if known[1] else ""
    return known[0], name or resource.name.removeprefix(f"{root}-")


def _root(plan: PlanDocument) -> str:
    return next((r.name for r in plan.resources.values() if r.type == DEPLOYMENT), "")


def _entries(plan: PlanDocument) -> dict[str, tuple[str, str]]:
    """Component URN -> (kind, entry name), for the components directly under the root."""
    root = _root(plan)
    roots = {u for u, r in plan.resources.items() if r.type == DEPLOYMENT}
    found: dict[str, tuple[str, str]] = {}
    for urn, resource in plan.resources.items():
        entry = _entry(resource, root) if resource.parent in roots else None
        if entry is not None:
            found[urn] = entry
    return found


def _owner(plan: PlanDocument, urn: str, entries: Mapping[str, tuple[str, str]]) -> tuple[str, str] | None:
    seen: set[str] = set()
    current: str | None = urn
    while current and current not in seen:
        seen.add(current)
        if current in entries:
            return entries[current]
        resource = plan.resources.get(current)
        current = resource.parent if resource else None
    return None


def _tally(changes: list[ResourceChange]) -> tuple[str, ...]:
    """Words for the resources, identity and data holders first, counted when more than one."""
    order = list(WORDS)
    ordered = sorted(
        changes,
        key=lambda c: (c.holds is None, order.index(c.type) if c.type in order else len(order), c.type),
    )
    counts = Counter(_word(c.type) for c in ordered)
    words = dict.fromkeys(_word(c.type) for c in ordered)
    return tuple(word if counts[word] == 1 else f"{counts[word]} {word}s" for word in words)


def _grouped(
    plan: PlanDocument, changes: list[ResourceChange]
) -> dict[tuple[str, str], list[ResourceChange]]:
    entries = _entries(plan)
    grouped: dict[tuple[str, str], list[ResourceChange]] = {}
    for change in changes:
        owner = _owner(plan, change.urn, entries)
        if owner is not None:
            grouped.setdefault(owner, []).append(change)
    return grouped


def entry_changes(
    old: PlanDocument, new: PlanDocument, changes: tuple[ResourceChange, ...]
) -> list[EntryChange]:
    """The entries of the base's configuration that the new one no longer has, renamed ones paired."""
    # An entry only partly deleted (a secret slot dropped, a grant gone) is still there: not removed.
    old_entries = set(_entries(old).values())
    new_entries = set(_entries(new).values())
    removed = _grouped(old, [c for c in changes if c.action == "delete"])
    added = _grouped(new, [c for c in changes if c.action == "create"])
    gone = {e: found for e, found in removed.items() if e in old_entries - new_entries}
    fresh = {e: found for e, found in added.items() if e in new_entries - old_entries}
    found: list[EntryChange] = []
    for (kind, name), deleted in sorted(gone.items()):
        shape = Counter(c.type for c in deleted)
        twins = [
            e for e, created in fresh.items() if e[0] == kind and Counter(c.type for c in created) == shape
        ]
        deletes = _tally(deleted)
        if len(twins) == 1:
            twin = twins[0]
            found.append(EntryChange(kind, name, deletes, twin[1], _tally(fresh.pop(twin))))
        else:
            found.append(EntryChange(kind, name, deletes))
    return found
