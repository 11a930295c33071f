"""Client secret rotation between two plans: which slot is replaced, the active slot, the end dates.

A client's secrets are one `ApplicationPassword` per slot, each child of the client's component,
with `rotateWhenChanged` {slot, rotated} and `endDate`; the active slot is the newest (latest
rotation date, then slot name), as `apim_oauth.components.entra.client_app` picks it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from tools.diff.plans import PlanDocument, Resource
from tools.plan.urns import urn_name

PASSWORD = "azuread:index/applicationPassword:ApplicationPassword"
APPLICATION = "azuread:index/application:Application"


@dataclass(frozen=True)
class Slot:
    name: str
    rotated: str
    end: str


@dataclass(frozen=True)
class Rotation:
    client: str
    before: tuple[Slot, ...]
    after: tuple[Slot, ...]

    def _active(self, slots: tuple[Slot, ...]) -> Slot | None:
        return max(slots, key=lambda s: (s.rotated, s.name), default=None)

    @property
    def active_before(self) -> Slot | None:
        return self._active(self.before)

    @property
    def active_after(self) -> Slot | None:
        return self._active(self.after)

    def words(self) -> list[str]:
        was = {s.name: s for s in self.before}
        now = {s.name: s for s in self.after}
        words: list[str] = []
        for name in sorted(was.keys() | now.keys()):
            old, new = was.get(name), now.get(name)
            if old == new:
                continue
            if old is not None and new is not None:
                words.append(
                    f"slot {name} replaced: rotated {old.rotated} -> {new.rotated}, "
                    f"ends {old.end} -> {new.end}; its old secret stops working"
                )
            elif new is not None:
                words.append(f"slot {name} added: rotated {new.rotated}, ends {new.end}")
            elif old is not None:
                words.append(f"slot {name} removed: its secret (ending {old.end}) stops working")
        before, after = self.active_before, self.active_after
        if after is not None and (before is None or before.name != after.name):
            was_active = f"was {before.name}" if before else "no secret before"
            words.append(f"active slot now {after.name} (ends {after.end}; {was_active})")
        for slot in self.after:
            if after is not None and slot.name != after.name and was.get(slot.name) == slot:
                words.append(f"slot {slot.name} stays valid until {slot.end}")
        return words


def _slots(resources: Mapping[str, Resource]) -> dict[str, list[Slot]]:
    by_client: dict[str, list[Slot]] = {}
    for resource in resources.values():
        if resource.type != PASSWORD or not resource.parent:
            continue
        rotate = cast("dict[str, Any]", resource.inputs.get("rotateWhenChanged") or {})
        slot = Slot(
            str(rotate.get("slot", resource.name)),
            str(rotate.get("rotated", "")),
            str(resource.inputs.get("endDate", "")),
        )
        by_client.setdefault(urn_name(resource.parent), []).append(slot)
    return by_client


def rotations(old: PlanDocument, new: PlanDocument) -> list[Rotation]:
    before, after = _slots(old.resources), _slots(new.resources)
    found: list[Rotation] = []
    for client in sorted(before.keys() | after.keys()):
        was = tuple(sorted(before.get(client, []), key=lambda s: s.name))
        now = tuple(sorted(after.get(client, []), key=lambda s: s.name))
        if was != now:
            found.append(Rotation(client, was, now))
    return found


def created_secrets(new: PlanDocument, changes: Iterable[tuple[str, str]]) -> set[tuple[str, str, str, str]]:
    """(app display name, slot, startDate, endDate) of each secret the change creates: the passwords
    in `changes` ((action, URN) of the new plan) created or replaced. The app is found by the object
    ID the password's `applicationId` names (`/applications/<object ID>`)."""
    apps = {
        str(r.outputs.get("objectId")): str(r.inputs.get("displayName", ""))
        for r in new.resources.values()
        if r.type == APPLICATION
    }
    found: set[tuple[str, str, str, str]] = set()
    for action, urn in changes:
        resource = new.resources.get(urn)
        if action not in ("create", "replace") or resource is None or resource.type != PASSWORD:
            continue
        rotate = cast("dict[str, Any]", resource.inputs.get("rotateWhenChanged") or {})
        app = apps.get(str(resource.inputs.get("applicationId", "")).rsplit("/", 1)[-1], "")
        start, end = str(resource.inputs.get("startDate", "")), str(resource.inputs.get("endDate", ""))
        found.add((app, str(rotate.get("slot", "")), start, end))
    return found
