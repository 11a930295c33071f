"""Names joined from two configured names: refused when two pairs would name one resource."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from apim_oauth.config.errors import ConfigError
from apim_oauth.config.reading import load_stack_file
from apim_oauth.config.settings import parse
from tests.fixture_stacks import DEV_FILE

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEV = load_stack_file(DEV_FILE)


def _parse(config: dict[str, Any]) -> None:
    parse(config, base_dir=PROJECT_DIR)


def _plain_api(name: str) -> dict[str, Any]:
    return {"name": name, "displayName": name, "path": name, "serviceUrl": f"https://{name}.example.com"}


def test_a_product_and_an_api_whose_names_join_alike_are_refused_naming_both_keys() -> None:
    config = copy.deepcopy(DEV)
    config["apim-oauth:apis"] += [_plain_api("b-c"), _plain_api("c")]
    partners = config["apim-oauth:products"][0]
    config["apim-oauth:products"] += [
        {**partners, "name": "a", "apis": ["b-c"]},
        {**partners, "name": "a-b", "apis": ["c"]},
    ]
    with pytest.raises(ConfigError) as raised:
        _parse(config)
    products = len(DEV["apim-oauth:products"])
    assert raised.value.path == "apim-oauth:products[a-b].apis[0]"
    assert f"apim-oauth:products[{products}].apis[0]" in raised.value.message
    assert "'a-b-c'" in raised.value.message


def test_names_that_only_look_alike_are_planned() -> None:
    config = copy.deepcopy(DEV)
    config["apim-oauth:apis"] += [_plain_api("b-c"), _plain_api("d")]
    partners = config["apim-oauth:products"][0]
    config["apim-oauth:products"] += [
        {**partners, "name": "a", "apis": ["b-c"]},
        {**partners, "name": "a-b", "apis": ["d"]},
    ]
    _parse(config)


def test_operation_policies_whose_api_and_operation_join_alike_are_refused(tmp_path: Path) -> None:
    (tmp_path / "apis").mkdir()
    for source in (PROJECT_DIR / "apis").iterdir():  # the dev stack's own documents
        (tmp_path / "apis" / source.name).write_bytes(source.read_bytes())
    document = tmp_path / "apis" / "ops.openapi.yaml"
    document.write_text(
        "openapi: 3.0.3\ninfo: {title: ops, version: '1'}\npaths:\n"
        "  /one: {get: {operationId: b-c, responses: {'200': {description: ok}}}}\n"
        "  /two: {get: {operationId: c, responses: {'200': {description: ok}}}}\n",
        encoding="utf-8",
    )
    config = copy.deepcopy(DEV)

    def api(name: str, operation: str) -> dict[str, Any]:
        roles = {"roles": [DEV["apim-oauth:backend"]["appRoles"][0]["value"]]}
        return {
            **_plain_api(name),
            "openApi": "apis/ops.openapi.yaml",
            "oauth": {"operations": [{"operationId": operation, **roles}]},
        }

    config["apim-oauth:apis"] += [api("a", "b-c"), api("a-b", "c")]
    with pytest.raises(ConfigError) as raised:
        parse(config, base_dir=tmp_path)
    apis = len(DEV["apim-oauth:apis"])
    assert raised.value.path == "apim-oauth:apis[a-b].oauth.operations[0].operationId"
    assert f"apim-oauth:apis[{apis}].oauth.operations[0].operationId" in raised.value.message
