"""Onward authentication in the configuration: what the components get, and each mistake named by its key."""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from apim_oauth.config.errors import ConfigError
from apim_oauth.config.reading import load_stack_file
from apim_oauth.config.settings import Settings, parse
from tests.fixture_stacks import PROD_FILE

PROJECT_DIR = Path(__file__).resolve().parents[2]
PROD = load_stack_file(PROD_FILE)
# prod: apis echo, status, inventory, reports, ledger (onward); products partners (entra-app, product
# audience: echo, status, ledger), reporting (audience backend: reports), internal (apim-managed).
LEDGER = 4
PARTNERS, REPORTING, INTERNAL = 0, 1, 2

Edit = Callable[[dict[str, Any]], None]


def settings(*edits: Edit) -> Settings:
    config = copy.deepcopy(PROD)
    for edit in edits:
        edit(config)
    return parse(config, base_dir=PROJECT_DIR)


def apis(config: dict[str, Any]) -> list[dict[str, Any]]:
    return config["apim-oauth:apis"]


def products(config: dict[str, Any]) -> list[dict[str, Any]]:
    return config["apim-oauth:products"]


def backend(config: dict[str, Any]) -> dict[str, Any]:
    return config["apim-oauth:backend"]


def ledger_onward(**values: Any) -> Edit:
    def edit(config: dict[str, Any]) -> None:
        apis(config)[LEDGER]["onward"] = {"auth": "managed-identity", **values}

    return edit


def onward_on_partners_instead(config: dict[str, Any]) -> None:
    del apis(config)[LEDGER]["onward"]
    products(config)[PARTNERS]["onward"] = {"auth": "managed-identity"}


def test_prod_ledger_is_called_with_the_gateway_identity_and_the_backend_gets_its_role() -> None:
    s = settings()
    [onward] = s.onward
    assert (onward.api, onward.set_on, onward.settings.resource) == ("ledger", "api", "clientId")
    role = s.backend.role("ApiManagement.Gateway")
    assert role is not None
    assert role.allowed_member_types == ("Application",)
    assert role.enabled
    # Only the role is added: whether Entra requires an assignment stays as configured.
    assert s.backend.app_role_assignment_required is True
    assert [r.value for r in s.backend.app_roles][:-1] == [r["value"] for r in backend(PROD)["appRoles"]]


def test_without_onward_the_backend_gets_no_gateway_role() -> None:
    s = settings(lambda c: apis(c)[LEDGER].pop("onward"))
    assert s.onward == ()
    assert s.backend.role("ApiManagement.Gateway") is None


def test_a_gateway_role_the_backend_defines_is_reused() -> None:
    s = settings(lambda c: backend(c).update(gatewayRole="Echo.Read.All"))
    assert [r.value for r in s.backend.app_roles] == [r["value"] for r in backend(PROD)["appRoles"]]


def test_product_onward_covers_each_of_its_apis() -> None:
    s = settings(onward_on_partners_instead)
    assert {(o.api, o.set_on) for o in s.onward} == {
        ("echo", "product partners"),
        ("status", "product partners"),
        ("ledger", "product partners"),
    }


@pytest.mark.parametrize(
    "resource", ["clientId", "appIdUri", "https://contoso.example/ledger"], ids=["client", "uri", "written"]
)
def test_resource_may_be_the_client_id_or_an_identifier_uri(resource: str) -> None:
    s = settings(
        lambda c: backend(c).update(identifierUri="https://contoso.example/ledger"),
        ledger_onward(resource=resource),
    )
    assert s.onward[0].settings.resource == resource


BAD: list[tuple[str, list[Edit], str, str]] = [
    (
        "no such Entra app",
        [ledger_onward(app="ledger-backend")],
        "apim-oauth:apis[ledger].onward.app",
        "no Entra app 'ledger-backend' in the stack",
    ),
    (
        "resource a GUID",
        [ledger_onward(resource="0b4f6a57-1d9e-4a8f-9c3e-5a7b2d1e0f64")],
        "apim-oauth:apis[ledger].onward.resource",
        "neither the backend app's client ID nor one of its identifier URIs",
    ),
    (
        "resource another URI",
        [ledger_onward(resource="api://3f2a1c4e-8b7d-4e6f-9a1b-2c3d4e5f6a7b/other")],
        "apim-oauth:apis[ledger].onward.resource",
        "neither the backend app's client ID nor one of its identifier URIs",
    ),
    (
        "resource a policy expression",
        [ledger_onward(resource="@(context.Request.Url.Host)")],
        "apim-oauth:apis[ledger].onward.resource",
        "policy expression",
    ),
    (
        "unknown onward kind",
        [ledger_onward(auth="client-certificate")],
        "apim-oauth:apis[ledger].onward.auth",
        "'managed-identity'",
    ),
    (
        "unknown onward key",
        [ledger_onward(clientId="x")],
        "apim-oauth:apis[ledger].onward.clientId",
        "unknown key",
    ),
    (
        "API in an audience-is-backend product",
        [
            lambda c: products(c)[PARTNERS].update(apis=["echo", "status"]),
            lambda c: products(c)[REPORTING].update(apis=["reports", "ledger"]),
        ],
        "apim-oauth:apis[ledger].onward",
        "never the backend",
    ),
    (
        "onward on an audience-is-backend product",
        [lambda c: products(c)[REPORTING].update(onward={"auth": "managed-identity"})],
        "apim-oauth:products[reporting].onward",
        "audience: backend",
    ),
    (
        "onward on an apim-managed product",
        [lambda c: products(c)[INTERNAL].update(onward={"auth": "managed-identity"})],
        "apim-oauth:products[internal].onward",
        "applies to entra-app products",
    ),
    (
        "onward on the product and its API",
        [lambda c: products(c)[PARTNERS].update(onward={"auth": "managed-identity"})],
        "apim-oauth:apis[ledger].onward",
        "already gets onward authentication from its product partners",
    ),
    (
        "API in no product",
        [lambda c: products(c)[PARTNERS].update(apis=["echo", "status"])],
        "apim-oauth:apis[ledger].onward",
        "in no product",
    ),
    (
        "gateway role only users may hold",
        [
            lambda c: backend(c)["appRoles"].append(
                {
                    "value": "Ledger.Use",
                    "displayName": "Use",
                    "description": "d",
                    "allowedMemberTypes": ["User"],
                }
            ),
            lambda c: backend(c).update(gatewayRole="Ledger.Use"),
        ],
        "apim-oauth:backend.gatewayRole",
        "allowedMemberTypes lacks Application",
    ),
    (
        "gateway role that folds onto another role",
        [lambda c: backend(c).update(gatewayRole="echo-read-all")],
        "apim-oauth:backend.gatewayRole",
        "differ only in case or punctuation",
    ),
    (
        "gateway role that is a scope",
        [lambda c: backend(c).update(gatewayRole="Echo.Read")],
        "apim-oauth:backend.gatewayRole",
        "also a scope value",
    ),
]


@pytest.mark.parametrize(("edits", "path", "phrase"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_onward_configuration_names_its_key(edits: list[Edit], path: str, phrase: str) -> None:
    with pytest.raises(ConfigError) as caught:
        settings(*edits)
    assert caught.value.path == path
    assert phrase in caught.value.message


@pytest.mark.slow  # a fresh interpreter per command line
def test_cli_reports_a_bad_resource_as_one_config_error_line(tmp_path: Path) -> None:
    config = copy.deepcopy(PROD)
    ledger_onward(resource="api://not-the-backend")(config)
    stack_file = tmp_path / "Pulumi.bad.yaml"
    stack_file.write_text(yaml.safe_dump({"config": config}), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "tools", "plan", "--stack", "bad", "--config", str(stack_file)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 2
    lines = stack_file.read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "api://not-the-backend" in text)
    assert done.stderr.startswith(
        f"config error: {stack_file}:{line}: apim-oauth:apis[ledger].onward.resource: "
    )
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr
