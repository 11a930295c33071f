"""Clients' credentials in the configuration: one kind per client, what each kind resolves to, and
each mistake as one line naming its key."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from apim_oauth.config.errors import ConfigError
from apim_oauth.config.reading import load_stack_file
from apim_oauth.config.settings import Settings, parse
from tests.fixture_stacks import PROD_FILE

PROJECT_DIR = Path(__file__).resolve().parents[2]


def _plain_prod() -> dict[str, Any]:
    """fixture-prod with only its three secret and apim-managed clients and no Key Vault: products
    partners (entra-app, product audience), reporting (entra-app, backend audience,
    validate-azure-ad-token, role Reports.Read.All), internal (apim-managed)."""
    config = load_stack_file(PROD_FILE)
    config.pop("apim-oauth:keyVault", None)
    clients: list[dict[str, Any]] = config["apim-oauth:clients"][:3]
    for client in clients:
        secret: dict[str, Any] = client.get("secret") or {}
        secret.pop("readers", None)
    config["apim-oauth:clients"] = clients
    return config


PROD = _plain_prod()
CERTIFICATE = "stacks/certs/report-job.pem"
PRINCIPAL = "8b3c2d1e-0f9a-4b8c-9d7e-6f5a4b3c2d1e"
MI_CLIENT = "4e5f6a7b-8c9d-4e0f-a1b2-c3d4e5f6a7b8"
READER = "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d"


def with_clients(*clients: dict[str, Any], **top: Any) -> dict[str, Any]:
    config = copy.deepcopy(PROD)
    config["apim-oauth:clients"] = [*config["apim-oauth:clients"], *clients]
    for name, value in top.items():
        config[f"apim-oauth:{name}"] = value
    return config


def settings(*clients: dict[str, Any], base_dir: Path = PROJECT_DIR, **top: Any) -> Settings:
    return parse(with_clients(*clients, **top), base_dir=base_dir)


def error(*clients: dict[str, Any], base_dir: Path = PROJECT_DIR, **top: Any) -> str:
    with pytest.raises(ConfigError) as caught:
        settings(*clients, base_dir=base_dir, **top)
    return str(caught.value)


def federated_client(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": "ledger-sync",
        "displayName": "Ledger sync",
        "products": ["partners"],
        "federated": entries,
    }


def managed_identity(**identity: str) -> dict[str, Any]:
    return {
        "name": "reports-function",
        "displayName": "Reports function",
        "products": ["reporting"],
        "roles": ["Reports.Read.All"],
        "managedIdentity": identity,
    }


def test_each_kind_resolves_to_what_its_components_need() -> None:
    s = settings(
        federated_client(
            [
                {"github": {"repository": "contoso/ledger-sync", "environment": "production"}},
                {
                    "kubernetes": {
                        "issuer": "https://oidc.example/abc/",
                        "namespace": "ledger",
                        "serviceAccount": "sync",
                    }
                },
            ]
        ),
        {
            "name": "report-job",
            "displayName": "Report job",
            "products": ["reporting"],
            "roles": ["Reports.Read.All"],
            "certificate": CERTIFICATE,
        },
        managed_identity(principalId=PRINCIPAL, clientId=MI_CLIENT),
    )
    kinds = {c.name: c.credential_kind for c in s.clients}
    assert kinds == {
        "billing-daemon": "secret",
        "reporting-daemon": "secret",
        "ops-console": "secret",  # APIM issues it to the owner
        "ledger-sync": "federated",
        "report-job": "certificate",
        "reports-function": "managedIdentity",
    }
    ledger = next(c for c in s.entra_app_clients if c.name == "ledger-sync")
    assert [f.subject for f in ledger.federated] == [
        "repo:contoso/ledger-sync:environment:production",
        "system:serviceaccount:ledger:sync",
    ]
    assert [f.audiences for f in ledger.federated] == [("api://AzureADTokenExchange",)] * 2
    job = next(c for c in s.entra_app_clients if c.name == "report-job")
    assert job.certificate is not None
    assert job.certificate.certificate.end_date == "2027-09-01T00:00:00Z"
    [function] = s.managed_identity_clients
    assert (function.principal_id, function.client_id) == (PRINCIPAL, MI_CLIENT)
    assert function.roles == ("Reports.Read.All",)
    # A managed identity has no app registration: it is not an entra-app client to register.
    assert "reports-function" not in {c.name for c in s.entra_app_clients}


def test_twenty_one_federated_credentials_are_refused() -> None:
    entries = [{"github": {"repository": "contoso/ledger-sync", "branch": f"release-{i}"}} for i in range(21)]
    message = error(federated_client(entries))
    assert message.startswith(
        "apim-oauth:clients[ledger-sync].federated: has 21 federated credentials; Entra allows at most 20"
    )
    assert "\n" not in message
    settings(federated_client(entries[:20]))  # twenty is Entra's limit, not a mistake


def test_a_private_key_in_the_certificate_file_is_refused(tmp_path: Path) -> None:
    shutil.copytree(PROJECT_DIR / "apis", tmp_path / "apis")
    (tmp_path / "certs").mkdir()
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (tmp_path / "certs" / "job.pem").write_bytes((PROJECT_DIR / CERTIFICATE).read_bytes() + pem)
    client = {
        "name": "report-job",
        "displayName": "Report job",
        "products": ["partners"],
        "certificate": "certs/job.pem",
    }
    message = error(client, base_dir=tmp_path)
    assert message.startswith(
        "apim-oauth:clients[report-job].certificate: 'certs/job.pem' holds a private key"
    )


@pytest.mark.parametrize(
    ("github", "words"),
    [
        ({"repository": "contoso", "environment": "production"}, "must be OWNER/REPO"),
        ({"repository": "contoso/ledger-sync", "branch": "refs/heads/main"}, "without its ref prefix"),
        ({"repository": "contoso/ledger-sync", "tag": "v*"}, "is a pattern"),
        (
            {"repository": "contoso/ledger-sync", "branch": "main", "environment": "production"},
            "exactly one of",
        ),
    ],
)
def test_a_malformed_github_subject_is_refused(github: dict[str, Any], words: str) -> None:
    message = error(federated_client([{"github": github}]))
    assert message.startswith("apim-oauth:clients[ledger-sync].federated[0].github: ")
    assert words in message


def test_a_managed_identity_needs_its_client_id_where_validate_azure_ad_token_lists_callers() -> None:
    message = error(managed_identity(principalId=PRINCIPAL))
    assert message.startswith("apim-oauth:clients[reports-function].managedIdentity.clientId: ")
    assert "validate-azure-ad-token" in message
    assert "reporting" in message
    # partners validates with validate-jwt, which names no caller: the principal alone will do.
    partners = {k: v for k, v in managed_identity(principalId=PRINCIPAL).items() if k != "roles"}
    s = settings({**partners, "products": ["partners"]})
    assert s.managed_identity_clients[0].client_id is None


@pytest.mark.parametrize(
    ("extra", "where", "words"),
    [
        ({"secret": {"slots": {"blue": "2026-11-01"}}}, "secret", "managed identity"),
        ({"certificate": CERTIFICATE}, "certificate", "one of federated, certificate or managedIdentity"),
        ({"scopes": ["Reports.Read"]}, "scopes", "managed identity"),
    ],
)
def test_a_managed_identity_takes_nothing_else(extra: dict[str, Any], where: str, words: str) -> None:
    message = error({**managed_identity(principalId=PRINCIPAL, clientId=MI_CLIENT), **extra})
    assert message.startswith(f"apim-oauth:clients[reports-function].{where}: ") or message.startswith(
        "apim-oauth:clients[reports-function]"
    )
    assert words in message


def test_a_secret_may_stay_beside_federated_credentials_while_callers_move() -> None:
    client = federated_client(
        [{"github": {"repository": "contoso/ledger-sync", "environment": "production"}}]
    )
    s = settings({**client, "secret": {"slots": {"blue": "2026-11-01"}}})
    [moving] = [c for c in s.entra_app_clients if c.name == "ledger-sync"]
    assert moving.credential_kind == "federated"
    assert moving.secret is not None


def test_key_vault_delivery_and_its_readers() -> None:
    billing = copy.deepcopy(PROD["apim-oauth:clients"][0])
    billing["secret"]["readers"] = [READER]
    config = with_clients(keyVault={"name": "kv-apim-oauth-prod"})
    config["apim-oauth:clients"][0] = billing
    s = parse(config, base_dir=PROJECT_DIR)
    assert s.key_vault is not None
    assert s.key_vault.name == "kv-apim-oauth-prod"
    assert s.entra_app_clients[0].secret is not None
    assert s.entra_app_clients[0].secret.readers == (READER,)
    # Readers without a vault have nothing to read.
    del config["apim-oauth:keyVault"]
    with pytest.raises(
        ConfigError, match=r"^apim-oauth:clients\[billing-daemon\]\.secret\.readers: .*keyVault"
    ):
        parse(config, base_dir=PROJECT_DIR)
    assert "3-24 letters" in error(keyVault={"name": "kv--bad"})
