"""Settings -> args for how clients prove themselves: federated credentials, a certificate, a managed
identity's grants, and the Key Vault their secrets go to. The rest of the settings -> args mapping is
`component_args`; this part stands beside it so each module stays readable. It registers nothing.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi

from apim_oauth.azure.naming import grant_key, name_key
from apim_oauth.components.entra.app_credentials import CertificateCredential, FederatedTrust
from apim_oauth.components.entra.backend_api import BackendApi
from apim_oauth.components.entra.client_app import AppRoleGrant, ClientApp
from apim_oauth.components.entra.managed_identity_caller import ManagedIdentityCallerArgs
from apim_oauth.components.entra.product_app import ProductApp
from apim_oauth.components.keyvault.secret_delivery import DeliveredSlot, SecretDeliveryArgs
from apim_oauth.components.keyvault.vault import SecretVault, SecretVaultArgs
from apim_oauth.config.credentials import CertificateFile, FederatedCredential, KeyVaultConfig


def role_grants(
    roles: tuple[str, ...],
    products: tuple[str, ...],
    backend: BackendApi,
    product_apps: Mapping[str, ProductApp],
) -> tuple[AppRoleGrant, ...]:
    """The backend's roles and the products' roles a client holds, each as an app role grant."""
    b = backend
    grants = [
        AppRoleGrant(grant_key("backend", r), b.client_id, b.service_principal_object_id, b.role_ids[r])
        for r in roles
    ]
    grants += [
        AppRoleGrant(grant_key("product", p), app.client_id, app.service_principal_object_id, app.role_id)
        for p in products
        if (app := product_apps.get(p)) is not None
    ]
    return tuple(grants)


def federated_trusts(federated: tuple[FederatedCredential, ...]) -> tuple[FederatedTrust, ...]:
    """Each configured trust as the client app takes it; keys from the credentials' names, which the
    configuration keeps distinct per client."""
    return tuple(
        FederatedTrust(
            key=name_key(f.credential_name),
            name=f.credential_name,
            issuer=f.issuer,
            subject=f.subject,
            audience=f.audiences[0],
            description=f.description,
        )
        for f in federated
    )


def certificate(file: CertificateFile | None) -> CertificateCredential | None:
    """The configured certificate as the client app takes it."""
    if file is None:
        return None
    c = file.certificate
    return CertificateCredential(c.base64_der, c.sha256, c.start_date, c.end_date)


def managed_identity_caller_args(
    principal_id: str,
    client_id: str | None,
    roles: tuple[str, ...],
    products: tuple[str, ...],
    backend: BackendApi,
    product_apps: Mapping[str, ProductApp],
) -> ManagedIdentityCallerArgs:
    return ManagedIdentityCallerArgs(
        principal_id, client_id, role_grants(roles, products, backend, product_apps)
    )


def secret_vault_args(
    vault: KeyVaultConfig, resource_group_name: pulumi.Input[str], location: str, tenant_id: str
) -> SecretVaultArgs:
    """The vault: in `resource_group_name` (the service's, so it waits for a group the program makes)
    unless the configuration names another."""
    return SecretVaultArgs(
        vault_name=vault.name,
        resource_group_name=vault.resource_group or resource_group_name,
        location=location,
        tenant_id=tenant_id,
        existing=vault.existing,
    )


def secret_delivery_args(
    client_name: str, app: ClientApp, vault: SecretVault, active: str, readers: tuple[str, ...]
) -> SecretDeliveryArgs:
    """The client's slot passwords to the vault, readable by `readers` (the vault's and the client's)."""
    slots = tuple(
        DeliveredSlot(slot, pulumi.Output.secret(password.value), app.secret_end_dates[slot])
        for slot, password in app.passwords.items()
    )
    return SecretDeliveryArgs(
        client_name=client_name,
        client_id=app.client_id,
        vault_name=vault.vault_name,
        resource_group_name=vault.resource_group_name,
        slots=slots,
        active=active,
        readers=tuple(sorted(set(readers))),
    )
