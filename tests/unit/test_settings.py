"""Stack configuration: what users write is what components get, and every mistake names its key."""

from __future__ import annotations

import copy
import datetime as dt
import json
import runpy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from apim_oauth.azure.clouds import CLOUDS
from apim_oauth.config.apis import openapi_document
from apim_oauth.config.errors import ConfigError
from apim_oauth.config.products import ApimManagedProductSettings, EntraAppProductSettings
from apim_oauth.config.reading import load_stack_file
from apim_oauth.config.rules.clients import ApimManagedClientSettings, EntraAppClientSettings
from apim_oauth.config.settings import parse
from tests.fixture_stacks import CHINA_FILE, DEV_FILE, PROD_FILE
from tools.plan.engine import run_program
from tools.plan.model import Plan

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEV = load_stack_file(DEV_FILE)

Edit = Callable[[dict[str, Any]], None]
TENANT = str(DEV["apim-oauth:tenantId"])


def run_main() -> None:
    runpy.run_path(str(PROJECT_DIR / "__main__.py"), run_name="__main__")


def edited(edit: Edit) -> dict[str, Any]:
    config = copy.deepcopy(DEV)
    edit(config)
    return config


def key(name: str) -> str:
    return f"apim-oauth:{name}"


def set_in(path: str, value: Any) -> Edit:
    """An edit that sets `apim-oauth:<top>.<a>[i].<b>` to `value` (None deletes it); a path with
    ':' names a key of another namespace."""

    def apply(config: dict[str, Any]) -> None:
        if ":" in path:
            config[path] = value
            return
        tokens: list[str | int] = [
            int(t) if t.isdigit() else t for t in path.replace("]", "").replace("[", ".").split(".")
        ]
        tokens[0] = key(str(tokens[0]))
        target: Any = config
        for token in tokens[:-1]:
            target = target[token]
        if value is None:
            del target[tokens[-1]]
        else:
            target[tokens[-1]] = value

    return apply


def both(*edits: Edit) -> Edit:
    def apply(config: dict[str, Any]) -> None:
        for edit in edits:
            edit(config)

    return apply


def add_item(path: str, item: dict[str, Any]) -> Edit:
    def apply(config: dict[str, Any]) -> None:
        target: Any = config[key(path)]
        target.append(item)

    return apply


def test_dev_stack_parses_into_what_the_components_need() -> None:
    s = parse(DEV, base_dir=PROJECT_DIR)
    assert s.cloud.login_host == "login.microsoftonline.com"
    assert s.tenant_id == "3f2a1c4e-8b7d-4e6f-9a1b-2c3d4e5f6a7b"
    assert (s.apim.sku, s.apim.capacity, s.apim.location) == ("Developer", 1, "westeurope")
    assert {p.name: p.mode for p in s.products} == {
        "partners": "entra-app",
        "portal": "entra-app",
        "internal": "apim-managed",
    }
    partners, portal, internal = s.products
    assert isinstance(partners, EntraAppProductSettings)
    assert partners.requirements.roles == ("Product.Partners.All",)
    assert partners.requirements.callers == "application"
    assert isinstance(portal, EntraAppProductSettings)
    assert portal.audience == "backend"
    assert (portal.requirements.callers, portal.requirements.scopes) == ("delegated", ("Echo.Read",))
    assert isinstance(internal, ApimManagedProductSettings)
    assert (internal.owner, internal.subscription_key) == ("tools-owner", True)
    billing, web, ops, _spa = s.clients
    assert [c.name for c in s.clients] == ["billing-daemon", "web-portal", "ops-console", "echo-spa"]
    assert isinstance(billing, EntraAppClientSettings)
    assert billing.secret is not None
    assert billing.secret.active.rotated == dt.date(2026, 11, 1)
    assert isinstance(web, EntraAppClientSettings)
    assert web.scopes == ("Echo.Read", "Echo.Write")
    assert isinstance(ops, ApimManagedClientSettings)
    assert ops.owner == "tools-owner"
    assert s.backend.token_version == 2
    assert s.backend.app_role_assignment_required is True
    [assigned] = s.backend.assignments
    assert (assigned.role, assigned.principals) == ("Echo.User", ("5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b",))
    echo = s.apis[0]
    assert echo.openapi is not None
    assert echo.openapi.operation_ids == ("getEcho", "postEcho")
    # APIM's names for them, the ones operation policies target.
    assert echo.operation_names == ("getecho", "postecho")
    assert echo.requirements is None
    [post] = echo.operations
    assert (post.operation_id, post.requirements.scopes) == ("postEcho", ("Echo.Write",))
    assert echo.operation_name(post) == "postecho"


def test_app_role_assignment_is_required_by_default_when_the_api_has_roles() -> None:
    s = parse(edited(set_in("backend.appRoleAssignmentRequired", None)), base_dir=PROJECT_DIR)
    assert s.backend.app_role_assignment_required is True


def test_structured_values_arrive_as_json_text_from_the_engine() -> None:
    import json

    as_engine_passes = {k: v if isinstance(v, str) else json.dumps(v, default=str) for k, v in DEV.items()}
    assert parse(as_engine_passes, base_dir=PROJECT_DIR) == parse(DEV, base_dir=PROJECT_DIR)


def test_cloud_defaults_to_global_and_china_uses_its_hosts() -> None:
    s = parse(edited(set_in("cloud", None)), base_dir=PROJECT_DIR)
    assert s.cloud.name == "global"
    china = parse(load_stack_file(CHINA_FILE), base_dir=PROJECT_DIR)
    assert china.cloud.issuer(china.tenant_id, 1).startswith("https://sts.chinacloudapi.cn/")


ROLE = {"value": "Status.Read.All", "displayName": "Status", "description": "Read the status."}
OWNERLESS_PRODUCT = {
    "name": "extra",
    "displayName": "Extra",
    "apis": ["status"],
    "oauth": {"mode": "apim-managed"},
}

# (edit, the exact key path the error must name, a phrase the message must contain)
BAD_CONFIGS: list[tuple[str, Edit, str, str]] = [
    ("unknown top-level key", set_in("tenantID", "x"), "apim-oauth:tenantID", "unknown key"),
    ("typo in a nested key", set_in("apim.skus", "Developer"), "apim-oauth:apim.skus", "did you mean 'sku'"),
    ("tenant missing", set_in("tenantId", None), "apim-oauth:tenantId", "is required"),
    ("tenant not a GUID", set_in("tenantId", "contoso.onmicrosoft.com"), "apim-oauth:tenantId", "GUID"),
    ("unknown cloud", set_in("cloud", "germany"), "apim-oauth:cloud", "not one of"),
    ("unknown SKU", set_in("apim.sku", "Gold"), "apim-oauth:apim.sku", "not one of"),
    ("capacity wrong type", set_in("apim.capacity", "two"), "apim-oauth:apim.capacity", "whole number"),
    ("Developer with two units", set_in("apim.capacity", 2), "apim-oauth:apim.capacity", "Developer"),
    ("apim name missing", set_in("apim.name", None), "apim-oauth:apim.name", "is required"),
    ("apim name not DNS", set_in("apim.name", "apim_dev"), "apim-oauth:apim.name", "DNS"),
    ("publisher email", set_in("apim.publisherEmail", "platform"), "apim-oauth:apim.publisherEmail", "email"),
    ("apis not a list", set_in("apis", {"name": "echo"}), "apim-oauth:apis", "must be a list"),
    ("duplicate API name", set_in("apis[1].name", "echo"), "apim-oauth:apis[1].name", "duplicate API name"),
    (
        "API path used twice",
        set_in("apis[1].path", "Echo"),
        "apim-oauth:apis[status].path",
        "duplicate API path",
    ),
    (
        "service URL not https",
        set_in("apis[1].serviceUrl", "http://status"),
        "apim-oauth:apis[status].serviceUrl",
        "https",
    ),
    (
        "OpenAPI file missing",
        set_in("apis[0].openApi", "apis/nope.yaml"),
        "apim-oauth:apis[echo].openApi",
        "does not exist",
    ),
    (
        "OpenAPI not a document",
        set_in("apis[0].openApi", "Pulumi.yaml"),
        "apim-oauth:apis[echo].openApi",
        "not an OpenAPI",
    ),
    (
        "unknown operation",
        set_in("apis[0].oauth.operations[0].operationId", "deleteEcho"),
        "apim-oauth:apis[echo].oauth.operations[0].operationId",
        "no operation",
    ),
    (
        "scope with a space",
        set_in("backend.scopes[0].value", "Echo Read"),
        "apim-oauth:backend.scopes[0].value",
        "no spaces",
    ),
    (
        "scope with leading dot",
        set_in("backend.scopes[0].value", ".Echo"),
        "apim-oauth:backend.scopes[0].value",
        "not starting with '.'",
    ),
    (
        "scope too long",
        set_in("backend.scopes[0].value", "E" * 121),
        "apim-oauth:backend.scopes[0].value",
        "120",
    ),
    (
        "scope as policy expression",
        set_in("backend.scopes[0].value", "@(context.Request)"),
        "apim-oauth:backend.scopes[0].value",
        "policy expression",
    ),
    (
        "role as named value",
        set_in("backend.appRoles[0].value", "{{secret}}"),
        "apim-oauth:backend.appRoles[0].value",
        "named-value",
    ),
    (
        "duplicate role value",
        set_in("backend.appRoles", [ROLE, ROLE]),
        "apim-oauth:backend.appRoles[1].value",
        "duplicate app role value",
    ),
    (
        "role values differ only in punctuation",
        set_in("backend.appRoles", [ROLE, {**ROLE, "value": "Status_Read.All"}]),
        "apim-oauth:backend.appRoles[1].value",
        "'Status_Read.All' and 'Status.Read.All' (apim-oauth:backend.appRoles[0].value) differ only in case or punctuation",
    ),
    (
        "role and scope share a value",
        set_in("backend.appRoles[0].value", "Echo.Read"),
        "apim-oauth:backend.appRoles[0].value",
        "also the value of apim-oauth:backend.scopes[0].value: scopes and app roles must differ",
    ),
    (
        "bad member type",
        set_in("backend.appRoles[0].allowedMemberTypes", ["Group"]),
        "apim-oauth:backend.appRoles[0].allowedMemberTypes[0]",
        "not one of",
    ),
    (
        "App ID URI outside the formats",
        set_in("backend.identifierUri", "api://echo"),
        "apim-oauth:backend.identifierUri",
        "not an App ID URI",
    ),
    ("token version 3", set_in("backend.tokenVersion", 3), "apim-oauth:backend.tokenVersion", "not one of"),
    (
        "product names a missing API",
        set_in("products[0].apis[0]", "billing"),
        "apim-oauth:products[partners].apis[0]",
        "no API named",
    ),
    (
        "product with no APIs",
        set_in("products[0].apis", []),
        "apim-oauth:products[partners].apis",
        "at least 1",
    ),
    (
        "duplicate product name",
        set_in("products[1].name", "partners"),
        "apim-oauth:products[1].name",
        "duplicate product name",
    ),
    (
        "product without oauth",
        set_in("products[0].oauth", None),
        "apim-oauth:products[partners].oauth",
        "is required",
    ),
    (
        "oauth without mode",
        set_in("products[0].oauth.mode", None),
        "apim-oauth:products[partners].oauth.mode",
        "is required",
    ),
    (
        "owner of an entra-app product",
        set_in("products[0].oauth.owner", "tools-owner"),
        "apim-oauth:products[partners].oauth.owner",
        "applies to apim-managed mode only",
    ),
    (
        "roles of an apim-managed product",
        set_in("products[2].oauth.roles", ["Status.Read.All"]),
        "apim-oauth:products[internal].oauth.roles",
        "applies to entra-app mode only",
    ),
    (
        "API-level keys without roles or scopes",
        set_in("apis[0].oauth.clockSkewSeconds", 30),
        "apim-oauth:apis[echo].oauth.clockSkewSeconds",
        "applies with roles or scopes at this level",
    ),
    (
        "yes is not a boolean",
        set_in("apim.protect", "yes"),
        "apim-oauth:apim.protect",
        "not the string 'yes'",
    ),
    (
        "unknown OAuth mode",
        set_in("products[0].oauth.mode", "basic"),
        "apim-oauth:products[partners].oauth.mode",
        "not one of",
    ),
    (
        "apim-managed without owner",
        add_item("products", OWNERLESS_PRODUCT),
        "apim-oauth:products[extra].oauth.owner",
        "is required",
    ),
    (
        "owner not a user",
        set_in("products[2].oauth.owner", "nobody"),
        "apim-oauth:products[internal].oauth.owner",
        "no APIM user",
    ),
    (
        "apim-managed on Consumption",
        both(set_in("apim.sku", "Consumption"), set_in("apim.capacity", 0)),
        "apim-oauth:products[internal].oauth.mode",
        "not available on the Consumption SKU",
    ),
    (
        "scopes required of daemons",
        set_in("products[0].oauth.audience", "backend"),
        "apim-oauth:products[partners].oauth",
        "requires no role",
    ),
    (
        "scp demanded of client-credentials",
        set_in("apis[0].oauth.operations[0].callers", "application"),
        "apim-oauth:apis[echo].oauth.operations[0].scopes",
        "never 'scp'",
    ),
    (
        "client names a missing product",
        set_in("clients[0].products[0]", "gold"),
        "apim-oauth:clients[billing-daemon].products[0]",
        "no product named",
    ),
    (
        "client granted an undefined role",
        set_in("clients[0].roles", ["Echo.Delete.All"]),
        "apim-oauth:clients[billing-daemon].roles[0]",
        "defines no app role",
    ),
    (
        "client granted an undefined scope",
        set_in("clients[0].scopes", ["Echo.Delete"]),
        "apim-oauth:clients[billing-daemon].scopes[0]",
        "defines no scope",
    ),
    (
        "client mixes modes",
        set_in("clients[0].products", ["partners", "internal"]),
        "apim-oauth:clients[billing-daemon].products",
        "mixes",
    ),
    (
        "duplicate client name",
        set_in("clients[1].name", "billing-daemon"),
        "apim-oauth:clients[1].name",
        "duplicate client name",
    ),
    (
        "secret date not a date",
        set_in("clients[0].secret.slots.blue", "2026-02-30"),
        "apim-oauth:clients[billing-daemon].secret.slots.blue",
        "not a calendar date",
    ),
    (
        "secret slot unknown",
        set_in("clients[0].secret.slots.red", "2026-01-01"),
        "apim-oauth:clients[billing-daemon].secret.slots.red",
        "unknown key",
    ),
    (
        "secret valid too long",
        set_in("clients[0].secret.validityDays", 1000),
        "apim-oauth:clients[billing-daemon].secret.validityDays",
        "between 1 and 730",
    ),
    (
        "secret on an apim-managed client",
        set_in("clients[2].secret", {"slots": {"blue": "2026-01-01"}}),
        "apim-oauth:clients[ops-console].secret",
        "entra-app products only",
    ),
    (
        "clock skew unbounded",
        set_in("products[0].oauth.clockSkewSeconds", 3600),
        "apim-oauth:products[partners].oauth.clockSkewSeconds",
        "between 0 and 300",
    ),
    (
        "API policy under a product app audience",
        set_in("products[0].apis", ["status", "echo"]),
        "apim-oauth:apis[echo].oauth",
        "no token passes both",
    ),
    (
        "API policy under daemons' product",
        set_in(
            "products[1].oauth", {"mode": "entra-app", "audience": "backend", "roles": ["Status.Read.All"]}
        ),
        "apim-oauth:apis[echo].oauth",
        "expects delegated callers",
    ),
    (
        "operation requiring nothing",
        set_in("apis[0].oauth.operations[0].scopes", None),
        "apim-oauth:apis[echo].oauth.operations[0]",
        "requires no role or scope",
    ),
    (
        "client lacks the product's scope",
        set_in("clients[1].scopes", ["Echo.Write"]),
        "apim-oauth:clients[web-portal].scopes",
        "requires any of the scopes Echo.Read",
    ),
    (
        "API in two open products",
        set_in("products[1].apis", ["echo", "status"]),
        "apim-oauth:products[portal].apis[1]",
        "already in product 'partners' (apim-oauth:products[0].apis[0])",
    ),
    (
        "own keys on an entra-app product",
        set_in("products[0].subscriptionKey", True),
        "apim-oauth:products[partners].subscriptionKey",
        "use mode: apim-managed",
    ),
    (
        "API shared by entra-app and apim-managed",
        set_in("products[2].apis", ["status"]),
        "apim-oauth:products[internal].apis[0]",
        "also in product 'partners' (apim-oauth:products[0].apis[0])",
    ),
    (
        "operationId the document does not define, in neither spelling",
        set_in("apis[0].oauth.operations[0].operationId", "post/echo"),
        "apim-oauth:apis[echo].oauth.operations[0].operationId",
        "by operationId or by the name APIM gives it (operations: getEcho (getecho), postEcho (postecho))",
    ),
    (
        "provider in another cloud",
        set_in("azuread:environment", "china"),
        "azuread:environment",
        "need 'global'",
    ),
]


@pytest.mark.parametrize(
    ("edit", "path", "phrase"), [c[1:] for c in BAD_CONFIGS], ids=[c[0] for c in BAD_CONFIGS]
)
def test_bad_configuration_names_its_key(edit: Edit, path: str, phrase: str) -> None:
    # Through the real program under the offline engine: the error must come before any resource.
    plan = Plan()
    with pytest.raises(ConfigError) as caught:
        run_program(run_main, config=edited(edit), tenant_id=TENANT, cloud=CLOUDS["global"], plan=plan)
    assert caught.value.path == path
    assert phrase in caught.value.message
    assert plan.resources == []


def test_at_least_25_bad_configurations_are_covered() -> None:
    assert len(BAD_CONFIGS) >= 25
    assert len({c[0] for c in BAD_CONFIGS}) == len(BAD_CONFIGS)


def test_a_client_on_a_backend_audience_product_must_hold_its_role() -> None:
    prod = load_stack_file(PROD_FILE)
    prod[key("clients")][1]["roles"] = ["Status.Read.All"]
    with pytest.raises(ConfigError) as caught:
        parse(prod, base_dir=PROJECT_DIR)
    assert caught.value.path == "apim-oauth:clients[reporting-daemon].roles"
    assert "requires any of the roles Reports.Read.All" in caught.value.message


def test_azure_ad_token_validator_needs_a_linked_client() -> None:
    prod = load_stack_file(PROD_FILE)
    prod[key("clients")] = [c for c in prod[key("clients")] if "reporting" not in c.get("products", [])]
    with pytest.raises(ConfigError) as caught:
        parse(prod, base_dir=PROJECT_DIR)
    assert caught.value.path == "apim-oauth:products[reporting].oauth.validator"


def test_openapi_file_that_does_not_parse_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("openapi: 3.0.3\npaths: [unclosed\n")
    config = edited(set_in("apis[0].openApi", "broken.yaml"))
    with pytest.raises(ConfigError) as caught:
        parse(config, base_dir=tmp_path)
    assert caught.value.path == "apim-oauth:apis[echo].openApi"
    assert "does not parse" in caught.value.message


def test_application_administrator_is_assigned_by_default_only_where_apim_registers_apps() -> None:
    assert parse(DEV, base_dir=PROJECT_DIR).apim.assign_application_administrator is True
    china = parse(load_stack_file(CHINA_FILE), base_dir=PROJECT_DIR)
    assert china.apim.assign_application_administrator is False
    forced = edited(set_in("apim.assignApplicationAdministrator", False))
    assert parse(forced, base_dir=PROJECT_DIR).apim.assign_application_administrator is False


@pytest.mark.parametrize(
    ("text", "expected_format", "expected_value"),
    [
        ("openapi: 3.0.1\npaths: {}\n", "openapi", "openapi: 3.0.1\npaths: {}\n"),
        ('{"openapi": "3.0.1", "paths": {}}', "openapi+json", '{"openapi": "3.0.1", "paths": {}}'),
        ("{openapi: 3.0.1, paths: {}}\n", "openapi", "{openapi: 3.0.1, paths: {}}\n"),
        (
            "swagger: '2.0'\ninfo: {title: Legacy, version: '1'}\npaths: {}\n",
            "swagger-json",
            json.dumps({"swagger": "2.0", "info": {"title": "Legacy", "version": "1"}, "paths": {}}),
        ),
    ],
    ids=["OpenAPI YAML", "OpenAPI JSON", "YAML flow mapping", "Swagger YAML sent as JSON"],
)
def test_openapi_import_format_follows_the_document(
    text: str, expected_format: str, expected_value: str
) -> None:
    # APIM imports inline OpenAPI 3 as YAML or JSON, Swagger 2.0 as JSON only.
    document = openapi_document(text, "api.yaml", PROJECT_DIR / "api.yaml")
    assert (document.import_format, document.import_value) == (expected_format, expected_value)
