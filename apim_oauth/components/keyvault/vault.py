"""The Key Vault client secrets are delivered to: made by this program, or an existing one.

A vault made here uses RBAC authorization (access policies ignored, the data plane authorized by
Azure role assignments; pulumi-azure-native `keyvault.VaultPropertiesArgs.enable_rbac_authorization`;
azure-docs `key-vault/general/rbac-guide.md`), so each secret can be granted on its own. The deploying
identity writes secrets through ARM (`Microsoft.KeyVault/vaults/secrets`), a management-plane write
its Contributor role covers; it needs no data-plane role. An existing vault must use RBAC
authorization too: the role assignments on its secrets mean nothing under access policies.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azure_native as azure_native


@dataclass(frozen=True)
class SecretVaultArgs:
    """Which vault, and whether to make it."""

    vault_name: str
    """Its (global) name, checked by the configuration."""
    resource_group_name: pulumi.Input[str]
    location: str
    tenant_id: str
    """The tenant whose identities the vault authorizes."""
    existing: bool
    """True: the vault exists; nothing is made, secrets are written to it."""


class SecretVault(pulumi.ComponentResource):
    """A vault for client secrets (RBAC authorization)."""

    vault_name: pulumi.Output[str]
    resource_group_name: pulumi.Output[str]
    vault: azure_native.keyvault.Vault | None
    """The vault this program made; None for an existing one."""

    def __init__(self, name: str, args: SecretVaultArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("apim-oauth:keyvault:SecretVault", name, None, opts)
        self.vault = None
        if args.existing:
            self.vault_name = pulumi.Output.from_input(args.vault_name)
            self.resource_group_name = pulumi.Output.from_input(args.resource_group_name)
        else:
            self.vault = azure_native.keyvault.Vault(
                f"{name}-vault",
                azure_native.keyvault.VaultArgs(
                    vault_name=args.vault_name,
                    resource_group_name=args.resource_group_name,
                    location=args.location,
                    properties=azure_native.keyvault.VaultPropertiesArgs(
                        tenant_id=args.tenant_id,
                        sku=azure_native.keyvault.SkuArgs(
                            family=azure_native.keyvault.SkuFamily.A,
                            name=azure_native.keyvault.SkuName.STANDARD,
                        ),
                        enable_rbac_authorization=True,
                    ),
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.vault_name = self.vault.name
            self.resource_group_name = pulumi.Output.from_input(args.resource_group_name)
        self.register_outputs({"vaultName": self.vault_name})
