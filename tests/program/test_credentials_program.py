"""Callers without secrets and Key Vault delivery in a planned stack (fixture-prod): what each kind
of client gets and does not get, that no stack output holds a secret value, and the diff's words."""

from __future__ import annotations

import argparse
import copy
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fixture_stacks import PROD, PROD_FILE
from tests.token_fixtures import plan_stacks_once, stack_view
from tools.check_token import cli as check_token
from tools.diff.plans import current_plan
from tools.diff.report import build
from tools.mint_token.minting import mint
from tools.plan.model import is_secret
from tools.plan.testing import StackPlan, stack_plan

APPLICATION = "azuread:index/application:Application"
PASSWORD = "azuread:index/applicationPassword:ApplicationPassword"
FEDERATED = "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential"
CERTIFICATE = "azuread:index/applicationCertificate:ApplicationCertificate"
APP_ROLE_ASSIGNMENT = "azuread:index/appRoleAssignment:AppRoleAssignment"
VAULT_SECRET = "azure-native:keyvault:Secret"
RBAC = "azure-native:authorization:RoleAssignment"
MI_PRINCIPAL = "8b3c2d1e-0f9a-4b8c-9d7e-6f5a4b3c2d1e"
MI_CLIENT = "4e5f6a7b-8c9d-4e0f-a1b2-c3d4e5f6a7b8"
READER = "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a"
NOW = 1_790_812_800  # 2026-10-01T00:00:00Z


def prod() -> StackPlan:
    return stack_plan(PROD, stack_file=PROD_FILE)


def _secrets(value: Any) -> list[Any]:
    """Every secret anywhere in `value`."""
    if is_secret(value):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _secrets(v)]  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _secrets(v)]  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
    return []


def test_with_key_vault_delivery_no_stack_output_holds_a_secret_value() -> None:
    plan = prod()
    assert _secrets(plan.outputs) == []
    text = json.dumps(plan.plain_outputs)
    for password in plan.of_type(PASSWORD):
        value = password.outputs["value"]
        assert (value["value"] if is_secret(value) else value) not in text
    billing = plan.outputs["clients"]["billing-daemon"]
    assert "clientSecret" not in billing
    assert billing["secretUri"] == "https://kv-apim-oauth-prod.vault.azure.net/secrets/billing-daemon-green"
    assert billing["credential"] == "secret"


def test_each_slot_is_a_key_vault_secret_readable_by_the_named_reader_only() -> None:
    plan = prod()
    names = sorted(r.inputs["secretName"] for r in plan.of_type(VAULT_SECRET))
    assert names == ["billing-daemon-blue", "billing-daemon-green", "reporting-daemon-blue"]
    readers = plan.of_type(RBAC)
    assert {r.inputs["principalId"] for r in readers} == {READER}
    assert sorted(r.inputs["scope"].rsplit("/secrets/", 1)[1] for r in readers) == [
        "billing-daemon-blue",
        "billing-daemon-green",
    ]


def test_federated_and_certificate_clients_have_no_password() -> None:
    plan = prod()
    apps = {r.inputs["displayName"]: r for r in plan.of_type(APPLICATION)}
    ledger, job = apps["Ledger sync"], apps["Report job"]
    passwords_of = {r.parent for r in plan.of_type(PASSWORD)}
    assert ledger.parent not in passwords_of
    assert job.parent not in passwords_of
    subjects = sorted(r.inputs["subject"] for r in plan.of_type(FEDERATED) if r.parent == ledger.parent)
    assert subjects == [
        "repo:contoso/ledger-sync:environment:production",
        "system:serviceaccount:ledger:ledger-sync",
    ]
    [certificate] = [r for r in plan.of_type(CERTIFICATE) if r.parent == job.parent]
    assert certificate.inputs["endDate"] == "2027-09-01T00:00:00Z"
    clients = plan.outputs["clients"]
    assert (clients["ledger-sync"]["credential"], clients["report-job"]["credential"]) == (
        "federated",
        "certificate",
    )


def test_a_managed_identity_is_granted_its_roles_and_listed_by_client_id() -> None:
    plan = prod()
    assert "Reports function" not in {r.inputs["displayName"] for r in plan.of_type(APPLICATION)}
    assigned = [r for r in plan.of_type(APP_ROLE_ASSIGNMENT) if r.inputs["principalObjectId"] == MI_PRINCIPAL]
    assert len(assigned) == 1
    policy = plan.product_policy("reporting")
    assert policy is not None
    listed = [e.text for e in policy.iter("application-id") if _in(policy, e, "client-application-ids")]
    assert MI_CLIENT in listed
    function = plan.outputs["clients"]["reports-function"]
    assert function == {
        "clientId": MI_CLIENT,
        "principalId": MI_PRINCIPAL,
        "credential": "managedIdentity",
        "products": ["reporting"],
    }


def _in(root: ET.Element, element: ET.Element, parent_tag: str) -> bool:
    return any(element in list(p) for p in root.iter(parent_tag))


@pytest.mark.slow  # plans prod before and after the change
def test_the_diff_words_each_clients_credential_change(tmp_path: Path) -> None:
    document = yaml.safe_load(PROD_FILE.read_text(encoding="utf-8"))
    edited = copy.deepcopy(document)
    clients = edited["config"]["apim-oauth:clients"]
    billing = next(c for c in clients if c["name"] == "billing-daemon")
    del billing["secret"]["slots"]["green"]
    billing["federated"] = [{"github": {"repository": "contoso/billing", "environment": "prod"}}]
    changed = tmp_path / "Pulumi.fixture-prod.yaml"
    changed.write_text(yaml.safe_dump(edited, sort_keys=False), encoding="utf-8")
    report = build(PROD, current_plan(PROD, PROD_FILE), current_plan(PROD, changed))
    [line] = [w for w in report.credentials if w.startswith("billing-daemon:")]
    assert "secret slot green removed" in line
    assert "federated credential for repo:contoso/billing:environment:prod added" in line
    assert "credential kind secret -> federated" in line


@pytest.mark.parametrize(
    ("client", "product", "kind"),
    [
        ("reports-function", "reporting", "a managed identity, no app registration"),
        ("report-job", "reporting", "a certificate, no secret"),
        ("ledger-sync", "partners", "federated credentials, no secret"),
        ("billing-daemon", "partners", "a client secret"),
    ],
)
def test_mint_and_check_round_trip_per_kind(
    client: str,
    product: str,
    kind: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plan_stacks_once(monkeypatch)
    minted = mint(stack_view(PROD), client, product, NOW, 3600)
    caller = minted.claims.get("azp") or minted.claims.get("appid")
    if client == "reports-function":
        # A managed identity's token names it by its own IDs.
        assert (caller, minted.claims["oid"]) == (MI_CLIENT, MI_PRINCIPAL)
    for name, value in (("token.jwt", minted.token), ("jwks.json", json.dumps(minted.jwks))):
        (tmp_path / name).write_text(value, encoding="utf-8")
    (tmp_path / "openid.json").write_text(json.dumps(minted.openid_configuration), encoding="utf-8")
    parser = argparse.ArgumentParser()
    check_token.add_arguments(parser)
    args = parser.parse_args(
        [
            "--stack", PROD, "--product", product, "--token-file", str(tmp_path / "token.jwt"),
            "--openid-config", str(tmp_path / "openid.json"), "--jwks", str(tmp_path / "jwks.json"),
            "--now", str(NOW + 60),
        ]
    )  # fmt: skip
    assert args.run(args) == 0
    assert f"caller: client {client} ({kind})" in capsys.readouterr().out


def test_the_plan_names_each_clients_credential_kind() -> None:
    from tools.plan.tree import render_tree

    [line] = [line for line in render_tree(prod()).splitlines() if line.startswith("Clients: ")]
    assert "billing-daemon (secret, in Key Vault)" in line
    assert "ledger-sync (federated)" in line
    assert "report-job (certificate)" in line
    assert "reports-function (managedIdentity)" in line
