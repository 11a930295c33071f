"""Operation policies name an operation the OpenAPI document defines, by either spelling, checked
when the configuration is read: one `config error` line naming the key otherwise."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from apim_oauth.config.errors import ConfigError
from apim_oauth.config.reading import load_stack_file
from apim_oauth.config.settings import Settings, parse
from tests.fixture_stacks import DEV_FILE

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEV = load_stack_file(DEV_FILE)
KEY = "apim-oauth:apis[0].oauth.operations"
"""The key as a message names it (by position)."""
NAMED = "apim-oauth:apis[echo].oauth.operations"
"""The key as an error's path names it (the entry by its name)."""
DOCUMENT = {
    "openapi": "3.0.3",
    "info": {"title": "Orders", "version": "1"},
    "paths": {
        "/orders": {"get": {"operationId": "List_Orders", "responses": {"200": {"description": "ok"}}}},
        "/orders/{id}": {"get": {"responses": {"200": {"description": "ok"}}}},
        "/items/a": {"get": {"operationId": "getItem", "responses": {"200": {"description": "ok"}}}},
        "/items/b": {"get": {"operationId": "GetItem", "responses": {"200": {"description": "ok"}}}},
        "/cv": {"get": {"operationId": "résumé", "responses": {"200": {"description": "ok"}}}},
    },
}


def settings_with(tmp_path: Path, *operation_ids: str) -> Settings:
    (tmp_path / "orders.yaml").write_text(yaml.safe_dump(DOCUMENT, allow_unicode=True), encoding="utf-8")
    config: dict[str, Any] = copy.deepcopy(DEV)
    echo = config["apim-oauth:apis"][0]
    echo["openApi"] = "orders.yaml"
    template = echo["oauth"]["operations"][0]
    echo["oauth"]["operations"] = [{**template, "operationId": op_id} for op_id in operation_ids]
    return parse(config, base_dir=tmp_path)


@pytest.mark.parametrize(
    ("reference", "name"),
    [("List_Orders", "list-orders"), ("list-orders", "list-orders"), ("get-orders-id", "get-orders-id")],
)
def test_either_spelling_targets_the_operation_apim_creates(
    tmp_path: Path, reference: str, name: str
) -> None:
    api = settings_with(tmp_path, reference).apis[0]
    (op,) = api.operations
    assert api.operation_name(op) == name


@pytest.mark.parametrize(
    ("references", "at", "phrase"),
    [
        (("ListOrders",), "[0]", "no operation 'ListOrders'"),
        (("List_Orders", "list-orders"), "[1]", f"names the same operation as {KEY}[0].operationId"),
        (("getItem",), "[0]", "imports as 'getitem', as another operation of the document does"),
        (("résumé",), "[0]", "non-ASCII"),
    ],
)
def test_an_operation_apim_would_not_create_as_named_is_refused(
    tmp_path: Path, references: tuple[str, ...], at: str, phrase: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        settings_with(tmp_path, *references)
    assert caught.value.path == f"{NAMED}{at}.operationId"
    assert phrase in caught.value.message
