"""The diff of one stack between two plans: resource changes (what holds identity or data first),
policy changes in words, secret rotations; and the same as JSON data (`--json`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from tools.diff.changes import ResourceChange, classify
from tools.diff.credentials import words as credential_words
from tools.diff.entries import EntryChange, entry_changes
from tools.diff.plans import PlanDocument, Resource
from tools.diff.policy_meaning import POLICY_TYPES, compare
from tools.diff.rotation import Rotation, rotations

ACTIONS = ("create", "update", "replace", "delete")
_ORDER = {"replace": 0, "delete": 1, "create": 2, "update": 3}


@dataclass(frozen=True)
class PolicyChange:
    name: str
    type: str
    action: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class DiffReport:
    stack: str
    base: str
    head: str
    changes: tuple[ResourceChange, ...]
    """Replacements and deletions of identity or data holders first, then by action, type and name."""
    unchanged: int
    policies: tuple[PolicyChange, ...]
    rotations: tuple[Rotation, ...]
    renamed: tuple[tuple[str, str], ...] = ()
    """(old URN, new URN) of resources an alias carries over unchanged: nothing happens in Azure."""
    credentials: tuple[str, ...] = ()
    """One line per client whose credentials change (`tools.diff.credentials.words`)."""
    entries: tuple[EntryChange, ...] = ()
    """Entries of the stack file removed or renamed, with what they delete."""
    secret_warnings: tuple[str, ...] = ()
    """Secret slots of the new side that have expired, expire within 30 days or are not yet valid."""

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(c.action for c in self.changes)
        return {action: counted.get(action, 0) for action in ACTIONS}

    def summary(self) -> str:
        counts = self.counts
        parts = [f"{counts[a]} to {a}" for a in ACTIONS if counts[a]]
        critical = sum(1 for c in self.changes if c.critical)
        if critical:
            parts.insert(0, f"{critical} holding identity or data replaced or deleted")
        renamed = f", {len(self.renamed)} of them renamed under an alias" if self.renamed else ""
        return f"{'; '.join(parts) if parts else 'no changes'} ({self.unchanged} unchanged{renamed})"


def build(stack: str, old: PlanDocument, new: PlanDocument) -> DiffReport:
    classified = classify(old, new)
    changes = sorted(classified.changes, key=lambda c: (not c.critical, _ORDER[c.action], c.type, c.name))
    return DiffReport(
        stack=stack,
        base=old.description,
        head=new.description,
        changes=tuple(changes),
        unchanged=classified.unchanged,
        policies=tuple(_policies(changes, old, new)),
        rotations=tuple(rotations(old, new)),
        renamed=tuple(sorted(classified.renamed)),
        credentials=tuple(credential_words(old, new)),
        entries=tuple(entry_changes(old, new, tuple(changes))),
    )


def _policies(changes: list[ResourceChange], old: PlanDocument, new: PlanDocument) -> list[PolicyChange]:
    found: list[PolicyChange] = []
    for change in changes:
        if change.type not in POLICY_TYPES:
            continue
        before = old.resources.get(change.old_urn or change.urn)
        after = new.resources.get(change.urn) if change.action != "delete" else None
        old_xml = (
            str(before.inputs.get("value") or "") if before is not None and change.action != "create" else ""
        )
        new_xml = str(after.inputs.get("value") or "") if after is not None else ""
        words = compare(old_xml, new_xml, _subject(after or before))
        if words:
            found.append(PolicyChange(change.name, change.type, change.action, tuple(words)))
    return found


def _subject(resource: Resource | None) -> str:
    """What a policy resource is on, as its words name it: `echo`, `echo operation postecho`, `product p`."""
    if resource is None:
        return ""
    inputs = resource.inputs
    if "productId" in inputs:
        return f"product {inputs['productId']}"
    if "operationId" in inputs:
        return f"{inputs.get('apiId', '')} operation {inputs['operationId']}"
    return str(inputs.get("apiId") or "")


def to_data(report: DiffReport) -> dict[str, Any]:
    """The report as JSON data (what `--json` writes)."""
    return {
        "stack": report.stack,
        "base": report.base,
        "head": report.head,
        "changed": report.changed,
        "summary": {**report.counts, "unchanged": report.unchanged},
        "resources": [
            {
                "action": c.action,
                "urn": c.urn,
                "oldUrn": c.old_urn,
                "type": c.type,
                "name": c.name,
                "holdsIdentityOrData": c.holds,
                "critical": c.critical,
                "reasons": list(c.reasons),
                "deleteBeforeReplace": c.delete_before_replace,
                "protect": c.protect,
                "retainOnDelete": c.retain_on_delete,
                "changes": [
                    {"path": p.path, "old": p.old, "new": p.new, "forcesReplacement": p.forces_replacement}
                    for p in c.changes
                ],
            }
            for c in report.changes
        ],
        "policies": [
            {"name": p.name, "type": p.type, "action": p.action, "changes": list(p.words)}
            for p in report.policies
        ],
        "renamed": [{"oldUrn": old, "urn": new} for old, new in report.renamed],
        "secretWarnings": list(report.secret_warnings),
        "credentials": list(report.credentials),
        "entries": [
            {
                "kind": e.kind,
                "name": e.name,
                "renamedTo": e.renamed_to,
                "deletes": list(e.deletes),
                "creates": list(e.creates),
                "words": e.words(),
            }
            for e in report.entries
        ],
        "secretRotations": [
            {
                "client": r.client,
                "before": [{"slot": s.name, "rotated": s.rotated, "endDate": s.end} for s in r.before],
                "after": [{"slot": s.name, "rotated": s.rotated, "endDate": s.end} for s in r.after],
                "activeSlotBefore": r.active_before.name if r.active_before else None,
                "activeSlotAfter": r.active_after.name if r.active_after else None,
                "changes": r.words(),
            }
            for r in report.rotations
        ],
    }
