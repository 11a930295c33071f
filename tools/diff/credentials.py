"""How each client proves itself, before and after: its credentials in words, per client.

A client's credentials are children of its component (docs/design/callers-without-secrets.md,
section 4): `ApplicationPassword` per secret slot, `ApplicationFederatedIdentityCredential` per trust,
`ApplicationCertificate`, under `apim-oauth:entra:ClientApp`; app role assignments to an existing
identity under `apim-oauth:entra:ManagedIdentityCaller`; Key Vault secrets under
`apim-oauth:keyvault:SecretDelivery`. The client's name is its component's name less the root's
prefix (`<root>-<client>`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from tools.diff.plans import PlanDocument, Resource
from tools.plan.urns import urn_name

ROOT = "apim-oauth:index:Deployment"
CLIENT_APP = "apim-oauth:entra:ClientApp"
MANAGED_IDENTITY = "apim-oauth:entra:ManagedIdentityCaller"
DELIVERY = "apim-oauth:keyvault:SecretDelivery"
PASSWORD = "azuread:index/applicationPassword:ApplicationPassword"
FEDERATED = "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential"
CERTIFICATE = "azuread:index/applicationCertificate:ApplicationCertificate"
ROLE_ASSIGNMENT = "azuread:index/appRoleAssignment:AppRoleAssignment"
VAULT_SECRET = "azure-native:keyvault:Secret"


@dataclass(frozen=True)
class ClientCredentials:
    """One client's credentials in one plan: item (what it is) -> its details (what may change)."""

    client: str
    kind: str
    """`secret`, `federated`, `certificate`, `managed identity` or `none`."""
    items: Mapping[str, str]


def _client_name(component: Resource, resources: Mapping[str, Resource]) -> str:
    """The component's name less its root's (the Deployment's) name: the client's configured name."""
    ancestor = resources.get(component.parent or "")
    while ancestor is not None and ancestor.type != ROOT:
        ancestor = resources.get(ancestor.parent or "")
    prefix = f"{urn_name(ancestor.urn)}-" if ancestor is not None else ""
    return component.name.removeprefix(prefix)


def _items(children: list[Resource]) -> dict[str, str]:
    items: dict[str, str] = {}
    for r in children:
        if r.type == PASSWORD:
            rotate = cast("dict[str, Any]", r.inputs.get("rotateWhenChanged") or {})
            slot = str(rotate.get("slot", r.name))
            items[f"secret slot {slot}"] = (
                f"rotated {rotate.get('rotated', '?')}, ends {r.inputs.get('endDate', '?')}"
            )
        elif r.type == FEDERATED:
            items[f"federated credential for {r.inputs.get('subject')}"] = (
                f"issuer {r.inputs.get('issuer')}, audience {', '.join(map(str, r.inputs.get('audiences') or []))}"
            )
        elif r.type == CERTIFICATE:
            items["certificate"] = (
                f"key {r.inputs.get('keyId')}, valid {r.inputs.get('startDate')} to {r.inputs.get('endDate')}"
            )
        elif r.type == ROLE_ASSIGNMENT and "principalObjectId" in r.inputs:
            items[f"managed identity {r.inputs['principalObjectId']}"] = "app role assignments"
        elif r.type == VAULT_SECRET:
            name = str(r.inputs.get("secretName") or r.name)
            items[f"Key Vault secret {name}"] = f"in vault {r.inputs.get('vaultName')}"
    return items


def credentials(plan: PlanDocument) -> dict[str, ClientCredentials]:
    """Client name -> its credentials, for every client component of the plan."""
    by_urn = plan.resources
    children: dict[str, list[Resource]] = {}
    for r in by_urn.values():
        if r.parent:
            children.setdefault(r.parent, []).append(r)
    found: dict[str, dict[str, str]] = {}
    kinds: dict[str, str] = {}
    for component in by_urn.values():
        if component.type not in (CLIENT_APP, MANAGED_IDENTITY, DELIVERY):
            continue
        client = _client_name(component, by_urn)
        mine = children.get(component.urn, [])
        if component.type == MANAGED_IDENTITY:
            items = _items(mine)
            kinds[client] = "managed identity"
        else:
            items = _items([r for r in mine if r.type != ROLE_ASSIGNMENT])
        found.setdefault(client, {}).update(items)
        if component.type == CLIENT_APP:
            kinds[client] = _kind(items)
    return {c: ClientCredentials(c, kinds.get(c, "none"), items) for c, items in found.items()}


def _kind(items: Mapping[str, str]) -> str:
    # A secret may stay beside federated credentials or a certificate while callers move: the kind is the other.
    for prefix, kind in (
        ("federated", "federated"),
        ("certificate", "certificate"),
        ("secret slot", "secret"),
    ):
        if any(item.startswith(prefix) for item in items):
            return kind
    return "none"


def words(old: PlanDocument, new: PlanDocument) -> list[str]:
    """One line per client whose credentials change: `billing-daemon: secret slot green removed;
    federated credential for repo:contoso/billing:environment:prod added`."""
    before, after = credentials(old), credentials(new)
    lines: list[str] = []
    for client in sorted(before.keys() | after.keys()):
        was = before.get(client)
        now = after.get(client)
        old_items = dict(was.items) if was else {}
        new_items = dict(now.items) if now else {}
        changes: list[str] = []
        if was is not None and now is not None and was.kind != now.kind:
            changes.append(f"credential kind {was.kind} -> {now.kind}")
        for item in sorted(old_items.keys() - new_items.keys()):
            changes.append(f"{item} removed")
        for item in sorted(new_items.keys() - old_items.keys()):
            changes.append(f"{item} added")
        for item in sorted(old_items.keys() & new_items.keys()):
            if old_items[item] != new_items[item]:
                changes.append(f"{item} changed ({old_items[item]} -> {new_items[item]})")
        if changes:
            lines.append(f"{client}: {'; '.join(changes)}")
    return lines
