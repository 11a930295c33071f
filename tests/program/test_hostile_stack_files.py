"""Hostile stack files and OpenAPI documents: bounded in time and depth, and refused at plan time,
with the rule and its source, where the platform would refuse or misread them. Each is one
`config error` line and exit 2, through the real CLI."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from apim_oauth.config.reading import MAX_DEPTH, DocumentError, load_json, load_yaml
from tests.fixture_stacks import DEV_FILE
from tools.__main__ import main

DEV = DEV_FILE.read_text(encoding="utf-8")


def dev_with(old: str, new: str) -> str:
    assert old in DEV, old
    return DEV.replace(old, new, 1)


def plan_error(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> str:
    stack_file = tmp_path / "Pulumi.bad.yaml"
    stack_file.write_text(text, encoding="utf-8")
    started = time.monotonic()
    code = main(["plan", "--stack", "bad", "--config", str(stack_file)])
    out, err = capsys.readouterr()
    assert time.monotonic() - started < 10
    assert (code, out) == (2, "")
    [line] = err.splitlines()
    assert line.startswith("config error: ")
    return line.removeprefix("config error: ").replace(str(stack_file), "FILE")


def billion_laughs() -> str:
    """Nine levels of nine-fold aliases: 342 bytes that stand for 9**9 strings."""
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        text += f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]\n"
    return text


def test_nine_levels_of_nine_fold_aliases_are_refused_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bomb = "config:\n  apim-oauth:owners:\n    " + billion_laughs().replace("\n", "\n    ")
    assert len(billion_laughs()) < 430
    message = plan_error(tmp_path, bomb, capsys)
    assert message.startswith("FILE: its aliases expand ")
    assert "write fewer aliases of large anchors" in message


def test_anchors_used_as_anchors_are_fine() -> None:
    assert load_yaml("a: &x {b: 1}\nc: *x\nd: [*x, *x]\n", "f") == {
        "a": {"b": 1},
        "c": {"b": 1},
        "d": [{"b": 1}] * 2,
    }


@pytest.mark.parametrize("text", ["a: &a [*a]\n", "&a {x: *a}\n", "a: &a\n  b: &b [*a]\n"])
def test_a_recursive_alias_is_one_line(text: str) -> None:
    with pytest.raises(DocumentError, match="a recursive alias"):
        load_yaml(text, "f.yaml")


def test_a_recursive_alias_in_a_stack_file_is_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = dev_with("  apim-oauth:cloud: global", "  loop: &loop [*loop]\n  apim-oauth:cloud: global")
    assert "a recursive alias" in plan_error(tmp_path, text, capsys)


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 500, 5000])
def test_deep_nesting_is_one_line(depth: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "config:\n  apim-oauth:owners: " + "[" * depth + "]" * depth + "\n"
    assert plan_error(tmp_path, text, capsys).endswith(f"is nested deeper than {MAX_DEPTH} levels")
    with pytest.raises(DocumentError, match="nested deeper"):
        load_json("[" * depth + "]" * depth, "f.json")


def test_an_openapi_document_with_aliases_is_bounded_too(tmp_path: Path) -> None:
    from apim_oauth.config.apis import openapi_document

    text = "openapi: 3.0.1\ninfo: {title: t, version: '1'}\nx-bomb:\n  " + billion_laughs().replace(
        "\n", "\n  "
    )
    with pytest.raises(Exception, match="its aliases expand"):
        openapi_document(text, "apis/bomb.yaml", tmp_path / "bomb.yaml")


@pytest.mark.slow  # plans a 40,000-operation document
def test_an_openapi_document_of_40000_operations_reads_in_seconds(tmp_path: Path) -> None:
    from apim_oauth.config.apis import openapi_document

    paths = {
        f"/items{i}": {
            "get": {"operationId": f"getItem{i}", "responses": {"200": {"description": "OK"}}},
            "post": {"operationId": f"postItem{i}", "responses": {"200": {"description": "OK"}}},
        }
        for i in range(20_000)
    }
    text = json.dumps({"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": paths})
    started = time.monotonic()
    document = openapi_document(text, "apis/big.json", tmp_path / "big.json")
    assert len(document.operations) == 40_000
    assert time.monotonic() - started < 20  # a list-based duplicate check took minutes


@pytest.mark.parametrize(
    "path", ["inventory/../echo", "inventory/./x", "a/..", "a/.", "a//b", "a/b%2F", "a b"]
)
def test_an_api_path_with_dot_segments_or_odd_characters_is_refused(
    path: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = dev_with("      path: inventory", f"      path: '{path}'")
    line = next(n for n, at in enumerate(text.splitlines(), 1) if f"path: '{path}'" in at)
    message = plan_error(tmp_path, text, capsys)
    assert message.startswith(f"FILE:{line}: apim-oauth:apis[inventory].path: ")
    assert "RFC 3986 section 5.2.4" in message


@pytest.mark.parametrize(
    ("uri", "why"),
    [
        ("https://a.example\\@evil.example/", "which a URI cannot hold (RFC 3986 section 2)"),
        ("https://user@a.example/", "has user information before its host"),
    ],
)
def test_a_redirect_uri_parsers_read_differently_is_refused(
    uri: str, why: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = "redirectUris: [https://portal.dev.contoso.example/signin-oidc]"
    message = plan_error(
        tmp_path, dev_with(old, f'redirectUris: ["{uri.replace(chr(92), chr(92) * 2)}"]'), capsys
    )
    assert why in message


def test_a_slot_date_past_what_graph_takes_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    message = plan_error(
        tmp_path, dev_with("          blue: 2026-09-01", "          blue: 9999-12-01"), capsys
    )
    assert message.endswith(
        "slots.blue: 9999-12-01 plus validityDays 180 ends after 9999-12-31, the last date Microsoft Graph "
        "takes as a secret's endDateTime"
    )


def test_text_where_a_list_goes_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from apim_oauth.config.errors import ConfigError
    from apim_oauth.config.settings import parse

    with pytest.raises(ConfigError) as raised:
        parse({"apim-oauth:apis": "echo"}, base_dir=tmp_path)
    assert str(raised.value) == "apim-oauth:apis: expects a mapping or a list here, not the text 'echo'"
