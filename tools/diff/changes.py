"""Each resource's fate between two plans: created, updated, replaced, deleted or unchanged, with the
inputs that changed and why a replacement happens."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from tools.diff.force_new import forces_replacement
from tools.diff.matching import match
from tools.diff.plans import PlanDocument, Resource
from tools.diff.policy_meaning import POLICY_TYPES, same_policy

Action = Literal["create", "update", "replace", "delete"]

# What is lost when the resource goes: the reason it is listed first. Sources: Entra assigns a new
# client (application) ID to every new app registration (entra-docs, "Application and service
# principal objects"); a service principal holds the app's role assignments and consents; deleting a
# resource group deletes every resource in it (azure-docs, "Manage resource groups").
HOLDERS: dict[str, str] = {
    "azuread:index/application:Application": "an Entra app: a new one gets a new client ID, so every caller "
    "configured with the old one fails",
    "azuread:index/servicePrincipal:ServicePrincipal": "a service principal: its app role assignments and "
    "admin consents go with it",
    "azuread:index/applicationPassword:ApplicationPassword": "a client secret: the old value stops working",
    "azure-native:apimanagement:ApiManagementService": "the API Management service: its gateway, users and "
    "subscriptions; creating one takes up to an hour",
    "azure-native:resources:ResourceGroup": "a resource group: Azure deletes everything in it, the API "
    "Management service included",
    "azure-native:apimanagement:ClientApplication": "an APIM client application: APIM registers a new Entra "
    "app and secret for it",
}


@dataclass(frozen=True)
class PropertyChange:
    path: str
    old: Any
    new: Any
    forces_replacement: bool


@dataclass(frozen=True)
class ResourceChange:
    action: Action
    urn: str
    """The new URN (the old one for a deletion)."""
    type: str
    name: str
    old_urn: str | None = None
    """Set when the resource was found under another URN (an alias)."""
    changes: tuple[PropertyChange, ...] = ()
    reasons: tuple[str, ...] = ()
    """Why it is replaced, in words."""
    delete_before_replace: bool = False
    protect: bool = False
    retain_on_delete: bool = False
    holds: str | None = None

    @property
    def critical(self) -> bool:
        """A replacement or deletion of something that holds identity or data."""
        return self.holds is not None and self.action in ("replace", "delete")


@dataclass(frozen=True)
class ResourceChanges:
    changes: list[ResourceChange] = field(default_factory=list[ResourceChange])
    unchanged: int = 0
    renamed: list[tuple[str, str]] = field(default_factory=list[tuple[str, str]])
    """(old URN, new URN) of unchanged resources found under an alias: only their state moves."""


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """`a.b.c` paths of nested mappings; lists and scalars are leaves."""
    if isinstance(value, Mapping) and value:
        for key, inner in sorted(cast("Mapping[str, Any]", value).items()):
            yield from flatten(inner, f"{prefix}.{key}" if prefix else str(key))
    else:
        yield prefix, value


def _ignored(path: str, ignore_changes: tuple[str, ...]) -> bool:
    return any(path == p or path.startswith((f"{p}.", f"{p}[")) for p in ignore_changes)


def _carried(value: Any, ids: Mapping[str, str]) -> Any:
    """`value` with each ID the offline engine made up for the new plan replaced by the old one."""
    if isinstance(value, str):
        for fresh, kept in ids.items():
            value = value.replace(fresh, kept)
        return value
    if isinstance(value, list):
        return [_carried(v, ids) for v in cast("list[Any]", value)]
    if isinstance(value, Mapping):
        return {k: _carried(v, ids) for k, v in cast("Mapping[str, Any]", value).items()}
    return value


def _kept_ids(old: PlanDocument, new: PlanDocument, matched: Mapping[str, str]) -> dict[str, str]:
    """New -> old output IDs of resources found under another URN.

    The offline engine derives IDs from a resource's name, so a renamed resource gets new ones in the
    new plan; the engine keeps the state's (an aliased resource is the same resource), so every input
    that names it keeps naming the old IDs.
    """
    ids: dict[str, str] = {}
    for new_urn, old_urn in matched.items():
        if new_urn == old_urn:
            continue
        before = dict(flatten(old.resources[old_urn].outputs))
        for path, value in flatten(new.resources[new_urn].outputs):
            was = before.get(path)
            if isinstance(value, str) and isinstance(was, str) and value != was and _looks_like_id(value):
                ids[value] = was
    return ids


def _looks_like_id(value: str) -> bool:
    return len(value) >= 16 and " " not in value


def _property_changes(old: Resource, new: Resource, ids: Mapping[str, str]) -> list[PropertyChange]:
    before = dict(flatten(old.inputs))
    after = {path: _carried(value, ids) for path, value in flatten(new.inputs)}
    changes: list[PropertyChange] = []
    for path in sorted(before.keys() | after.keys()):
        if not path or _ignored(path, new.ignore_changes):
            continue
        was, now = before.get(path), after.get(path)
        if json.dumps(was, sort_keys=True) == json.dumps(now, sort_keys=True):
            continue
        if new.type in POLICY_TYPES and path == "value" and same_policy(str(was or ""), str(now or "")):
            continue  # whitespace or attribute order only: the gateway runs the same policy
        replaces = forces_replacement(new.type, path) or any(
            path == p or path.startswith(f"{p}.") for p in new.replace_on_changes
        )
        changes.append(PropertyChange(path, was, now, replaces))
    return changes


def _identifiers(resource: Resource) -> set[str]:
    """Output strings of a resource that other resources may name it by (object IDs, client IDs): an
    input naming it holds one of them, alone or inside an ID path such as `/applications/<object ID>`."""
    return {v for _, v in flatten(resource.outputs) if isinstance(v, str) and _looks_like_id(v)}


def classify(old: PlanDocument, new: PlanDocument) -> ResourceChanges:
    matched = match(old.resources, new.resources)
    ids = _kept_ids(old, new, matched)
    changes: dict[str, ResourceChange] = {}
    renames: list[tuple[str, str]] = []
    unchanged = 0
    for urn, resource in new.resources.items():
        if not resource.custom:
            continue  # components hold nothing in Azure; their children are listed themselves
        old_urn = matched.get(urn)
        if old_urn is None:
            changes[urn] = _change("create", resource)
            continue
        before = old.resources[old_urn]
        properties = _property_changes(before, resource, ids) if resource.custom else []
        renamed = old_urn if old_urn != urn else None
        forcing = [p for p in properties if p.forces_replacement]
        if forcing:
            paths = ", ".join(p.path for p in forcing)
            reasons = (f"{paths} changed, which the provider cannot update in place",)
            changes[urn] = _change("replace", resource, properties, reasons, renamed)
        elif properties:
            changes[urn] = _change("update", resource, properties, (), renamed)
        else:
            unchanged += 1
            if renamed:
                renames.append((renamed, urn))
    _cascade(old, new, matched, changes)
    gone = {u for u, r in old.resources.items() if r.custom} - set(matched.values())
    deletions = [_change("delete", old.resources[urn]) for urn in sorted(gone)]
    kept = [r for r in renames if r[1] not in changes]
    return ResourceChanges([*changes.values(), *deletions], unchanged - (len(renames) - len(kept)), kept)


def _cascade(
    old: PlanDocument, new: PlanDocument, matched: Mapping[str, str], changes: dict[str, ResourceChange]
) -> None:
    """A resource whose force-new input names a replaced resource is replaced with it (the engine
    sees the new ID as unknown in the preview and replaces it)."""
    grew = True
    while grew:
        grew = False
        replaced = {urn: c for urn, c in changes.items() if c.action == "replace"}
        for urn, resource in new.resources.items():
            current = changes.get(urn)
            if urn not in matched or (current is not None and current.action == "replace"):
                continue
            for dep in resource.dependencies:
                if dep not in replaced or dep not in matched:
                    continue
                names = _identifiers(old.resources[matched[dep]])
                named = [
                    path
                    for path, value in flatten(resource.inputs)
                    if forces_replacement(resource.type, path)
                    and isinstance(value, str)
                    and any(name in value for name in names)
                ]
                if named:
                    reason = f"{named[0]} names {replaced[dep].name}, which is replaced"
                    properties = current.changes if current else ()
                    renamed = current.old_urn if current else None
                    changes[urn] = _change("replace", resource, properties, (reason,), renamed)
                    grew = True
                    break


def _change(
    action: Action,
    resource: Resource,
    properties: list[PropertyChange] | tuple[PropertyChange, ...] = (),
    reasons: tuple[str, ...] = (),
    old_urn: str | None = None,
) -> ResourceChange:
    return ResourceChange(
        action=action,
        urn=resource.urn,
        type=resource.type,
        name=resource.name,
        old_urn=old_urn,
        changes=tuple(properties),
        reasons=reasons,
        delete_before_replace=resource.delete_before_replace,
        protect=resource.protect,
        retain_on_delete=resource.retain_on_delete,
        holds=HOLDERS.get(resource.type),
    )
