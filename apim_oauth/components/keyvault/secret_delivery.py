"""A client's secrets delivered to Key Vault: one Key Vault secret per slot, readable by named
principals only, so the stack outputs carry the secret's URI and never its value.

Facts (docs/design/callers-without-secrets.md, section 1): a Key Vault secret through ARM is
`keyvault.Secret {vault_name, resource_group_name, secret_name, properties {value, content_type,
attributes {expires}}}`, `expires` in seconds since the epoch (pulumi-azure-native 3.29.0
`keyvault/_inputs.py`); `expires` is informational, `get` still returns an expired secret, and
`contentType` is a free hint of at most 255 characters (azure-docs `key-vault/secrets/about-secrets.md`);
"Key Vault Secrets User" is the built-in role `4633458b-17de-408a-b874-0445c86b69e6`, and with RBAC
authorization a role may be assigned on one secret (azure-docs `key-vault/general/rbac-guide.md`).

Rotation: a slot's new password rewrites its Key Vault secret, which Key Vault keeps as a new version
of the same secret; its unversioned URI and the role assignments on it stay. The other slot's secret
is untouched and keeps working until its end date (docs/rotate-a-client-secret.md).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import pulumi
import pulumi_azure_native as azure_native

from apim_oauth.azure.naming import name_key

KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
"""Built-in role "Key Vault Secrets User": read secret contents (azure-docs `key-vault/general/rbac-guide.md`)."""
_ASSIGNMENT_NAMES = uuid.UUID("0b6d2f1e-5c3a-4e8b-9f7d-2a1c3e5b7d9f")
"""Role assignment names are uuid5 names under this: the same assignment gets the same name on every run."""


@dataclass(frozen=True)
class DeliveredSlot:
    """One slot's password, as the client app made it."""

    slot: str
    """`blue` or `green`: part of the Key Vault secret's name."""
    value: pulumi.Output[str]
    """The password (a secret output)."""
    end_date: str
    """RFC 3339 end of the password (from configuration): the secret's `expires`."""


@dataclass(frozen=True)
class SecretDeliveryArgs:
    """Which client's secrets go where, and who may read them."""

    client_name: str
    """The client's configured name (a slug): Key Vault secret names are `<client>-<slot>`."""
    client_id: pulumi.Input[str]
    """The client's application ID, named in each secret's content type for whoever reads it."""
    vault_name: pulumi.Input[str]
    resource_group_name: pulumi.Input[str]
    slots: tuple[DeliveredSlot, ...]
    active: str
    """The newest slot: its secret's URI is the client's `secretUri`."""
    readers: tuple[str, ...]
    """Object IDs granted Key Vault Secrets User on each of these secrets, and on nothing else."""


def expires(end_date: str) -> int:
    """`attributes.expires` of a secret whose password ends at `end_date` (RFC 3339, UTC)."""
    return int(dt.datetime.strptime(end_date, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC).timestamp())


def role_definition_id(secret_id: str) -> str:
    """Key Vault Secrets User in the subscription of the secret `secret_id` (an ARM ID)."""
    subscription = secret_id.split("/")[2]
    return f"/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/{KEY_VAULT_SECRETS_USER}"


def assignment_name(secret_id: str, principal_id: str) -> str:
    """The GUID naming the assignment of the role on `secret_id` to `principal_id`."""
    return str(
        uuid.uuid5(_ASSIGNMENT_NAMES, f"{secret_id.lower()}|{principal_id.lower()}|{KEY_VAULT_SECRETS_USER}")
    )


class SecretDelivery(pulumi.ComponentResource):
    """A client's slot secrets in Key Vault, each readable by the client's readers only."""

    secrets: dict[str, azure_native.keyvault.Secret]
    """Slot -> its Key Vault secret."""
    readers: dict[str, azure_native.authorization.RoleAssignment]
    """`<slot>-<reader>` -> Key Vault Secrets User on that slot's secret."""
    secret_uris: dict[str, pulumi.Output[str]]
    """Slot -> the secret's URI without version (always its newest value)."""
    secret_uri: pulumi.Output[str]
    """The active slot's secret URI: what the client reads."""

    def __init__(
        self, name: str, args: SecretDeliveryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("apim-oauth:keyvault:SecretDelivery", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.secrets, self.readers, self.secret_uris = {}, {}, {}
        for slot in args.slots:
            content_type = pulumi.Output.concat(
                "client secret; client-id=", args.client_id, f"; slot={slot.slot}; expires={slot.end_date}"
            )
            secret = azure_native.keyvault.Secret(
                f"{name}-{slot.slot}",
                azure_native.keyvault.SecretArgs(
                    vault_name=args.vault_name,
                    resource_group_name=args.resource_group_name,
                    secret_name=f"{args.client_name}-{slot.slot}",
                    properties=azure_native.keyvault.SecretPropertiesArgs(
                        value=pulumi.Output.secret(slot.value),
                        content_type=content_type,
                        attributes=azure_native.keyvault.SecretAttributesArgs(
                            enabled=True, expires=expires(slot.end_date)
                        ),
                    ),
                ),
                opts=child,
            )
            self.secrets[slot.slot] = secret
            self.secret_uris[slot.slot] = secret.properties.apply(lambda p: p.secret_uri)
            for reader in args.readers:
                self.readers[f"{slot.slot}-{name_key(reader)}"] = azure_native.authorization.RoleAssignment(
                    f"{name}-{slot.slot}-reader-{name_key(reader)}",
                    azure_native.authorization.RoleAssignmentArgs(
                        principal_id=reader,
                        role_definition_id=secret.id.apply(role_definition_id),
                        scope=secret.id,
                        role_assignment_name=secret.id.apply(lambda i, r=reader: assignment_name(i, r)),
                    ),
                    opts=child,
                )
        self.secret_uri = self.secret_uris[args.active]
        self.register_outputs({"secretUri": self.secret_uri, "secretUris": self.secret_uris})
