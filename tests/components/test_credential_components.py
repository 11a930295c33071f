"""Callers without secrets and secrets in Key Vault, under the offline engine: what Entra and ARM would
receive from the federated credentials, the certificate, a managed identity's grants and the delivery
of a client's secrets, and what is not made."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import pulumi
import pulumi_azuread as azuread

from apim_oauth.azure.clouds import CLOUDS
from apim_oauth.azure.federation import TOKEN_EXCHANGE_AUDIENCE, github_subject, kubernetes_subject
from apim_oauth.components.entra.app_credentials import (
    CertificateCredential,
    FederatedTrust,
    certificate_credential,
    certificate_key_id,
    federated_credentials,
)
from apim_oauth.components.entra.backend_api import Owners
from apim_oauth.components.entra.client_app import AppRoleGrant, ClientApp, ClientAppArgs
from apim_oauth.components.entra.managed_identity_caller import (
    ManagedIdentityCaller,
    ManagedIdentityCallerArgs,
)
from apim_oauth.components.keyvault.secret_delivery import (
    KEY_VAULT_SECRETS_USER,
    DeliveredSlot,
    SecretDelivery,
    SecretDeliveryArgs,
    expires,
)
from apim_oauth.components.keyvault.vault import SecretVault, SecretVaultArgs
from tools.plan import engine
from tools.plan.model import Plan, is_secret, sanitized

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
PRINCIPAL = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
MI_CLIENT = "1b4f8a2e-7c3d-4e5f-8a9b-0c1d2e3f4a5b"
READER = "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d"
BACKEND_SP = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
ROLE_ID = "2c7e9a41-6b3d-4f58-9e0a-1d2c3b4a5f69"

APP_ROLE_ASSIGNMENT = "azuread:index/appRoleAssignment:AppRoleAssignment"
FEDERATED = "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential"
CERTIFICATE = "azuread:index/applicationCertificate:ApplicationCertificate"
PASSWORD = "azuread:index/applicationPassword:ApplicationPassword"
APPLICATION = "azuread:index/application:Application"
VAULT = "azure-native:keyvault:Vault"
SECRET = "azure-native:keyvault:Secret"
RBAC = "azure-native:authorization:RoleAssignment"


def run(program: Any) -> Plan:
    return engine.run_program(program, config={}, tenant_id=TENANT, cloud=CLOUDS["global"])


def test_a_managed_identity_gets_its_roles_and_no_app_registration() -> None:
    def program() -> None:
        grant = AppRoleGrant("backend-echo-read-all", "backend-client-id", BACKEND_SP, ROLE_ID)
        ManagedIdentityCaller("orders-function", ManagedIdentityCallerArgs(PRINCIPAL, MI_CLIENT, (grant,)))

    plan = run(program)
    (assignment,) = plan.of_type(APP_ROLE_ASSIGNMENT)
    assert assignment.inputs == {
        "appRoleId": ROLE_ID,
        "principalObjectId": PRINCIPAL,
        "resourceObjectId": BACKEND_SP,
    }
    # No app, no service principal, no credential: Azure made the identity and keeps its keys.
    assert not plan.of_type(APPLICATION)
    assert not plan.of_type("azuread:index/servicePrincipal:ServicePrincipal")
    assert not plan.of_type(PASSWORD)


def _holder_program(trusts: tuple[FederatedTrust, ...], certificate: CertificateCredential | None) -> Any:
    def program() -> None:
        holder = pulumi.ComponentResource("test:index:Holder", "report-job")
        app = azuread.Application(
            "report-job-app", display_name="Report job", opts=pulumi.ResourceOptions(parent=holder)
        )
        federated_credentials("report-job", app.id, trusts, holder)
        if certificate is not None:
            certificate_credential("report-job", app.id, certificate, holder)

    return program


def test_federated_credentials_carry_the_exact_issuer_subject_and_audience() -> None:
    github = FederatedTrust(
        "github-prod",
        "github-contoso-billing-environment-prod",
        "https://token.actions.githubusercontent.com",
        github_subject("contoso/billing", "environment", "prod"),
        TOKEN_EXCHANGE_AUDIENCE,
    )
    k8s = FederatedTrust(
        "kubernetes-billing-worker",
        "kubernetes-billing-worker",
        "https://oidc.prod-aks.azure.com/0000/",
        kubernetes_subject("billing", "worker"),
        TOKEN_EXCHANGE_AUDIENCE,
    )
    plan = run(_holder_program((github, k8s), None))
    credentials = {r.inputs["displayName"]: r for r in plan.of_type(FEDERATED)}
    assert set(credentials) == {github.name, k8s.name}
    gh = credentials[github.name].inputs
    assert gh["issuer"] == "https://token.actions.githubusercontent.com"
    assert gh["subject"] == "repo:contoso/billing:environment:prod"
    assert gh["audiences"] == ["api://AzureADTokenExchange"]
    assert credentials[k8s.name].inputs["subject"] == "system:serviceaccount:billing:worker"
    (app,) = plan.of_type(APPLICATION)
    assert all(
        r.inputs["applicationId"] == f"/applications/{app.outputs['objectId']}" for r in credentials.values()
    )
    assert not plan.of_type(CERTIFICATE)


def test_the_certificate_goes_as_base64_der_with_its_own_dates_and_a_stable_key_id() -> None:
    der = b"0\x82\x01\x00fake-der"  # the component passes the configuration's bytes on untouched
    cert = CertificateCredential(
        base64.b64encode(der).decode(), "ab" * 32, "2026-09-01T00:00:00Z", "2027-09-01T00:00:00Z"
    )
    plan = run(_holder_program((), cert))
    (resource,) = plan.of_type(CERTIFICATE)
    inputs = dict(sanitized(resource.inputs))
    assert inputs["type"] == "AsymmetricX509Cert"
    assert inputs["encoding"] == "base64"
    assert inputs["startDate"] == "2026-09-01T00:00:00Z"
    assert inputs["endDate"] == "2027-09-01T00:00:00Z"
    assert inputs["keyId"] == certificate_key_id("report-job", "ab" * 32)
    value = resource.inputs["value"]
    assert base64.b64decode(value["value"] if is_secret(value) else value) == der
    assert not plan.of_type(FEDERATED)
    assert not plan.of_type(PASSWORD)


def _delivery(existing: bool, readers: tuple[str, ...]) -> Plan:
    def program() -> None:
        vault = SecretVault(
            "secrets",
            SecretVaultArgs("kv-apim-oauth-test", "rg-test", "westeurope", TENANT, existing=existing),
        )
        delivery = SecretDelivery(
            "billing-daemon-kv",
            SecretDeliveryArgs(
                client_name="billing-daemon",
                client_id="client-id-of-billing-daemon",
                vault_name=vault.vault_name,
                resource_group_name=vault.resource_group_name,
                slots=(
                    DeliveredSlot("blue", pulumi.Output.secret("blue-password"), "2027-02-28T00:00:00Z"),
                    DeliveredSlot("green", pulumi.Output.secret("green-password"), "2027-04-30T00:00:00Z"),
                ),
                active="green",
                readers=readers,
            ),
        )
        pulumi.export("secretUri", delivery.secret_uri)

    return run(program)


def test_a_created_vault_uses_rbac_authorization() -> None:
    plan = _delivery(existing=False, readers=())
    (vault,) = plan.of_type(VAULT)
    assert vault.inputs["vaultName"] == "kv-apim-oauth-test"
    assert vault.inputs["properties"]["enableRbacAuthorization"] is True
    assert vault.inputs["properties"]["tenantId"] == TENANT
    assert not _delivery(existing=True, readers=()).of_type(VAULT)


def test_each_slot_is_a_secret_that_expires_with_its_password() -> None:
    plan = _delivery(existing=True, readers=(READER,))
    secrets = {r.inputs["secretName"]: r for r in plan.of_type(SECRET)}
    assert set(secrets) == {"billing-daemon-blue", "billing-daemon-green"}
    green = secrets["billing-daemon-green"].inputs
    assert green["vaultName"] == "kv-apim-oauth-test"
    # The password makes the whole `properties` input secret: plans print it as [secret].
    assert is_secret(green["properties"])
    properties = green["properties"]["value"]
    assert properties["value"] == "green-password"
    assert properties["attributes"]["expires"] == int(dt.datetime(2027, 4, 30, tzinfo=dt.UTC).timestamp())
    assert properties["attributes"]["expires"] == expires("2027-04-30T00:00:00Z")
    assert "client-id-of-billing-daemon" in properties["contentType"]
    # The stack output is the active slot's URI, not its value.
    assert (
        plan.outputs["secretUri"] == "https://kv-apim-oauth-test.vault.azure.net/secrets/billing-daemon-green"
    )


def test_readers_get_key_vault_secrets_user_on_each_secret_alone() -> None:
    plan = _delivery(existing=True, readers=(READER,))
    names = {r.inputs["secretName"] for r in plan.of_type(SECRET)}
    assignments = plan.of_type(RBAC)
    assert len(assignments) == 2
    scoped: set[str] = set()
    for a in assignments:
        assert a.inputs["principalId"] == READER
        # One secret's scope, never the vault's.
        vault, secret = a.inputs["scope"].split("/providers/Microsoft.KeyVault/vaults/")[1].split("/secrets/")
        assert vault == "kv-apim-oauth-test"
        scoped.add(secret)
        assert a.inputs["roleDefinitionId"].endswith(f"/roleDefinitions/{KEY_VAULT_SECRETS_USER}")
        assert a.inputs["roleDefinitionId"].startswith(a.inputs["scope"].split("/resourceGroups/")[0])
    assert scoped == names
    assert not _delivery(existing=True, readers=()).of_type(RBAC)


def test_a_client_app_with_federated_credentials_and_a_certificate_has_no_password() -> None:
    trust = FederatedTrust(
        "github-prod",
        "github-prod",
        "https://token.actions.githubusercontent.com",
        "repo:a/b:pull_request",
        TOKEN_EXCHANGE_AUDIENCE,
    )
    cert = CertificateCredential("MAo=", "cd" * 32, "2026-09-01T00:00:00Z", "2027-09-01T00:00:00Z")

    def program() -> None:
        grant = AppRoleGrant("backend-echo-read-all", "backend-client-id", BACKEND_SP, ROLE_ID)
        args = ClientAppArgs(
            "Ledger sync", None, (grant,), (), Owners([PRINCIPAL]), federated=(trust,), certificate=cert
        )
        app = ClientApp("ledger-sync", args)
        pulumi.export("secret", app.client_secret)

    plan = run(program)
    (component,) = [r for r in plan.resources if r.type == "apim-oauth:entra:ClientApp"]
    assert [r.parent for r in plan.of_type(FEDERATED)] == [component.urn]
    assert [r.parent for r in plan.of_type(CERTIFICATE)] == [component.urn]
    assert not plan.of_type(PASSWORD)
    assert plan.outputs["secret"] is None
