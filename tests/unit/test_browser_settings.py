"""Browser callers and per-caller limits in the configuration: which pages each API's cors admits,
and every mistake named by its key."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from apim_oauth.config.errors import ConfigError
from apim_oauth.config.reading import load_stack_file
from apim_oauth.config.settings import Settings, parse
from tests.fixture_stacks import DEV_FILE

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEV = load_stack_file(DEV_FILE)
PORTAL = "https://apim-oauth-dev.developer.azure-api.net"
SPA = ("https://echo.dev.contoso.example", "http://localhost:5173")

Config = dict[str, Any]


def settings(edit: Callable[[Config], None] = lambda _: None, base_dir: Path = PROJECT_DIR) -> Settings:
    config = copy.deepcopy(DEV)
    edit(config)
    return parse(config, base_dir=base_dir)


def error(edit: Callable[[Config], None], base_dir: Path = PROJECT_DIR) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        settings(edit, base_dir)
    return caught.value


def api(config: Config, name: str) -> dict[str, Any]:
    return next(a for a in config["apim-oauth:apis"] if a["name"] == name)


def product(config: Config, name: str) -> dict[str, Any]:
    return next(p for p in config["apim-oauth:products"] if p["name"] == name)


def test_dev_echo_admits_the_portal_and_the_spa_origins() -> None:
    cors = settings().cors_for("echo")
    assert cors is not None
    assert cors.origins == (PORTAL, *SPA)
    assert cors.methods == ("GET", "POST")  # the OpenAPI document's operations
    assert cors.headers == ("authorization", "content-type")
    assert (cors.allow_credentials, cors.terminate_unmatched) == (False, True)
    # No browser calls the others: no cors, their policies unchanged.
    assert settings().cors_for("status") is None
    assert settings().cors_for("inventory") is None


def test_the_portal_cors_proxy_leaves_the_portal_origin_out() -> None:
    cors = settings(lambda c: c["apim-oauth:developerPortal"].update(corsProxy=True)).cors_for("echo")
    assert cors is not None
    assert cors.origins == SPA


def test_a_custom_portal_host_is_the_origin() -> None:
    cors = settings(
        lambda c: c["apim-oauth:developerPortal"].update(host="developer.contoso.example")
    ).cors_for("echo")
    assert cors is not None
    assert cors.origins[0] == "https://developer.contoso.example"


def test_configured_origins_are_added_and_plain_apis_allow_their_catch_all_methods() -> None:
    def edit(config: Config) -> None:
        api(config, "status")["cors"] = {"origins": ["https://status.contoso.example"]}

    cors = settings(edit).cors_for("status")
    assert cors is not None
    assert cors.origins == ("https://status.contoso.example",)
    assert cors.methods == ("GET", "POST", "PUT", "PATCH", "DELETE")


def test_a_product_with_keys_adds_the_subscription_key_header() -> None:
    def edit(config: Config) -> None:
        api(config, "inventory")["cors"] = {"origins": ["https://tools.contoso.example"]}

    cors = settings(edit).cors_for("inventory")
    assert cors is not None
    assert cors.headers == ("authorization", "content-type", "ocp-apim-subscription-key")


def test_configured_headers_are_added() -> None:
    cors = settings(
        lambda c: api(c, "echo").update(cors={"headers": ["x-request-id", "authorization"]})
    ).cors_for("echo")
    assert cors is not None
    assert cors.headers == ("authorization", "content-type", "x-request-id")


def test_a_wildcard_stands_alone() -> None:
    cors = settings(lambda c: api(c, "echo").update(cors={"origins": ["*"]})).cors_for("echo")
    assert cors is not None
    assert cors.origins == ("*",)


@pytest.mark.parametrize(
    ("cors", "at", "says"),
    [
        (
            {"origins": ["*"], "credentials": True},
            "apis[echo].cors.credentials",
            "cannot go with credentials",
        ),
        ({"origins": ["*", "https://a.example"]}, "apis[echo].cors.origins", "alone"),
        ({"origins": ["https://a.example/"]}, "apis[echo].cors.origins[0]", "path"),
        ({"origins": ["https://A.example"]}, "apis[echo].cors.origins[0]", "capitals"),
        ({"origins": ["a.example"]}, "apis[echo].cors.origins[0]", "scheme://host"),
        ({"origins": ["https://a.example", "https://a.example"]}, "apis[echo].cors.origins[1]", "duplicate"),
        ({"credentials": "yes"}, "apis[echo].cors.credentials", ""),
        ({"headers": ["X-Request-Id"]}, "apis[echo].cors.headers[0]", "lower case"),
        ({"headers": ["*"]}, "apis[echo].cors.headers[0]", "lower case"),
    ],
)
def test_cors_mistakes_name_their_key(cors: dict[str, Any], at: str, says: str) -> None:
    caught = error(lambda c: api(c, "echo").update(cors=cors))
    assert caught.path == f"apim-oauth:{at}"
    assert says in caught.message


def test_cors_without_any_origin_is_an_error() -> None:
    caught = error(lambda c: api(c, "status").update(cors={}))
    assert caught.path == "apim-oauth:apis[status].cors.origins"


def test_an_options_operation_on_a_browser_api_is_an_error(tmp_path: Path) -> None:
    shutil.copytree(PROJECT_DIR / "apis", tmp_path / "apis")
    document = (tmp_path / "apis" / "echo.openapi.yaml").read_text(encoding="utf-8")
    (tmp_path / "apis" / "echo.openapi.yaml").write_text(
        document.replace(
            "paths:\n", "paths:\n  /preflight:\n    options:\n      operationId: preflight\n", 1
        ),
        encoding="utf-8",
    )
    caught = error(lambda _: None, base_dir=tmp_path)
    assert caught.path == "apim-oauth:apis[echo].openApi"
    assert "OPTIONS operation" in caught.message


LIMITS = {"calls": 100, "period": 60, "quota": 100000, "quotaPeriod": 2592000}


def test_limits_parse_on_a_classic_tier() -> None:
    s = settings(lambda c: product(c, "partners").update(limits=LIMITS))
    limits = s.product("partners").limits
    assert limits is not None
    assert (limits.calls, limits.period, limits.quota, limits.quota_period) == (100, 60, 100000, 2592000)


def _limits(name: str, limits: dict[str, int]) -> Callable[[Config], None]:
    def edit(config: Config) -> None:
        product(config, name)["limits"] = limits

    return edit


def _on_tier(sku: str, limits: dict[str, int]) -> Callable[[Config], None]:
    """Dev on another tier, without what that tier cannot have (application-based access, the portal)."""

    def edit(config: Config) -> None:
        config["apim-oauth:apim"].update(sku=sku)
        config["apim-oauth:products"] = [p for p in config["apim-oauth:products"] if p["name"] != "internal"]
        config["apim-oauth:clients"] = [c for c in config["apim-oauth:clients"] if c["name"] != "ops-console"]
        if sku == "Consumption":
            del config["apim-oauth:developerPortal"]
            del api(config, "echo")["testConsole"]
        product(config, "partners")["limits"] = limits

    return edit


@pytest.mark.parametrize(
    ("edit", "at", "says"),
    [
        (_limits("partners", {}), "products[partners].limits", "sets no limit"),
        (
            _limits("partners", {"calls": 1, "period": 301}),
            "products[partners].limits.period",
            "300",
        ),
        (
            _limits("partners", {"quota": 1, "quotaPeriod": 60}),
            "products[partners].limits.quotaPeriod",
            "300",
        ),
        (
            _limits("partners", {"quota": 1, "period": 60}),
            "products[partners].limits.period",
            "with calls",
        ),
        (_limits("internal", {"calls": 1}), "products[internal].limits", "entra-app"),
        (_on_tier("Consumption", {"calls": 10}), "products[partners].limits.calls", "Consumption"),
        (_on_tier("StandardV2", {"quota": 5}), "products[partners].limits.quota", "classic tiers"),
    ],
)
def test_limits_mistakes_name_their_key(edit: Callable[[Config], None], at: str, says: str) -> None:
    caught = error(edit)
    assert caught.path == f"apim-oauth:{at}"
    assert says in caught.message


def test_a_rate_limit_runs_on_v2_tiers() -> None:
    s = settings(_on_tier("StandardV2", {"calls": 10}))
    assert s.product("partners").limits is not None
