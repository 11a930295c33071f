"""Every bad stack file (and every bad OpenAPI document it names) is one `config error` line, exit 2:
run through the real CLI, `python -m tools plan --config FILE`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from apim_oauth.config.errors import ConfigError
from apim_oauth.config.reading import load_stack_file
from apim_oauth.config.settings import parse
from tests.fixture_stacks import DEV_FILE
from tools.__main__ import main

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEV = DEV_FILE.read_text(encoding="utf-8")


def dev_with(old: str, new: str) -> str:
    assert old in DEV, old
    return DEV.replace(old, new, 1)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def plan_error(tmp_path: Path, text: str | bytes, capsys: pytest.CaptureFixture[str]) -> str:
    """The one stderr line of `python -m tools plan --config FILE` (in process), asserting exit 2."""
    stack_file = tmp_path / "Pulumi.bad.yaml"
    if isinstance(text, bytes):
        stack_file.write_bytes(text)
    else:
        stack_file.write_text(text, encoding="utf-8")
    code = main(["plan", "--stack", "bad", "--config", str(stack_file)])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    [line] = err.splitlines()
    assert line.startswith("config error: ")
    return line.removeprefix("config error: ").replace(str(stack_file), "FILE")


def test_a_tab_in_the_indentation_names_file_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = dev_with("    sku: Developer", "\tsku: Developer")
    line = line_of(text, "sku: Developer")
    assert plan_error(tmp_path, text, capsys) == (
        f"FILE:{line}:1: tabs are not allowed for indentation: indent with spaces"
    )


def test_bad_indentation_names_file_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = dev_with("    sku: Developer", "     sku: Developer")
    line = line_of(text, "sku: Developer")
    message = plan_error(tmp_path, text, capsys)
    assert message.startswith(f"FILE:{line}:")
    # libyaml says "in this context" where PyYAML's pure Python parser says "here".
    assert re.search(r"is not valid YAML: mapping values are not allowed (here|in this context)", message)


def test_an_unclosed_list_names_where_the_parser_stopped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = dev_with("products: [partners]", "products: [partners")
    message = plan_error(tmp_path, text, capsys)
    assert message.startswith(f"FILE:{line_of(text, 'products: [partners') + 1}:")
    assert "flow sequence" in message


def test_an_impossible_date_names_its_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = dev_with("blue: 2026-09-01", "blue: 2026-13-01")
    assert plan_error(tmp_path, text, capsys) == (
        f"FILE:{line_of(text, 'blue: 2026-13-01')}: "
        "apim-oauth:clients[billing-daemon].secret.slots.blue: '2026-13-01' is not a calendar date"
    )


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("    sku: Developer", "    sku: Developer\n    sku: Premium", "config.apim-oauth:apim.sku"),
        (
            "  apim-oauth:cloud: global",
            "  apim-oauth:cloud: global\n  apim-oauth:cloud: china",
            "config.apim-oauth:cloud",
        ),
        (
            "      - value: Echo.Write\n",
            "      - value: Echo.Write\n        value: Echo.Send\n",
            "config.apim-oauth:backend.scopes[1].value",
        ),
    ],
    ids=["nested", "top-level", "in a list item"],
)
def test_a_key_given_twice_is_refused_naming_the_key_and_both_lines(
    old: str, new: str, key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = dev_with(old, new)
    first, second = (i for i, line in enumerate(text.splitlines(), 1) if line in new.splitlines())
    assert plan_error(tmp_path, text, capsys) == (
        f"FILE:{second}: key '{key}' is given twice (lines {first} and {second}); "
        "the Pulumi CLI refuses such a file: keep one"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- a\n- b\n", "FILE: a stack file must be a mapping with a 'config' key"),
        ("config: [1]\n", "FILE: config: must be a mapping"),
        (b"\xff\xfe config", "FILE: is not UTF-8 text"),
        (dev_with("  apim-oauth:cloud: global", "  apim-oauth:cloud: *global"), "found undefined alias"),
        (
            dev_with("    protect: true", "    protect: yes")
            if "    protect: true" in DEV
            else dev_with("    sku: Developer", "    sku: Developer\n    protect: yes"),
            "apim-oauth:apim.protect: must be true or false, not the string 'yes'",
        ),
        (dev_with("    sku: Developer", "    sku: Developer\n    1: 2"), "apim-oauth:apim.1: unknown key"),
        (
            dev_with("  apim-oauth:apis:\n", "  apim-oauth:apis:\n    -\n"),
            "apim-oauth:apis[0]: must be a mapping, not nothing",
        ),
        (
            dev_with("apim-oauth:tenantId: 3f2a1c4e-8b7d-4e6f-9a1b-2c3d4e5f6a7b", "apim-oauth:tenantId: 42"),
            "apim-oauth:tenantId: must be a string, not a number",
        ),
    ],
    ids=[
        "not a mapping",
        "config not a mapping",
        "not UTF-8",
        "unknown anchor",
        "yes is no boolean",
        "number as key",
        "empty list item",
        "number for a GUID",
    ],
)
def test_other_bad_files_are_one_line(
    text: str | bytes, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert expected in plan_error(tmp_path, text, capsys)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("openapi: 3.0.3\npaths:\n\t/echo: {}\n", "api.yaml:3:1: tabs are not allowed for indentation"),
        ("openapi: 3.0.3\nopenapi: 3.1.0\npaths: {}\n", "key 'openapi' is given twice (lines 1 and 2)"),
        ('{"openapi": "3.0.3", "paths": {}, "paths": {}}', "key 'paths' is given twice"),
        ('{"openapi": "3.0.3", "paths": {', "api.yaml:1:32: is not valid JSON"),
        ("just: text\n", "is not an OpenAPI document"),
        (
            "openapi: 3.0.3\npaths:\n  /a: {get: {operationId: op}}\n  /b: {get: {operationId: op}}\n",
            "names operationId 'op' twice",
        ),
        ("../outside.yaml", "is outside the project directory"),
    ],
    ids=[
        "tab",
        "duplicate key",
        "duplicate JSON key",
        "broken JSON",
        "not OpenAPI",
        "operationId twice",
        "outside",
    ],
)
def test_bad_openapi_documents_are_config_errors(document: str, expected: str, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    if document.startswith("../"):
        (tmp_path / "outside.yaml").write_text("openapi: 3.0.3\npaths: {}\n", encoding="utf-8")
        name = document
    else:
        (project / "api.yaml").write_text(document, encoding="utf-8")
        name = "api.yaml"
    config = load_stack_file(DEV_FILE)
    config["apim-oauth:apis"][0] = {**config["apim-oauth:apis"][0], "openApi": name, "oauth": None}
    with pytest.raises(ConfigError) as caught:
        parse(config, base_dir=project)
    assert caught.value.path == "apim-oauth:apis[echo].openApi"
    assert expected in caught.value.message
    assert "\n" not in str(caught.value)


def test_an_openapi_date_that_is_no_date_stays_text(tmp_path: Path) -> None:
    # PyYAML would build a date from `2026-13-01` and fail; YAML 1.2 (and APIM) read it as text.
    document = "swagger: '2.0'\ninfo: {title: T, version: 2026-13-01}\npaths: {}\n"
    (tmp_path / "api.yaml").write_text(document, encoding="utf-8")
    config = load_stack_file(DEV_FILE)
    config["apim-oauth:apis"][0] = {**config["apim-oauth:apis"][0], "openApi": "api.yaml", "oauth": None}
    [api, *_] = parse(config, base_dir=tmp_path).apis
    assert api.openapi is not None
    assert api.openapi.import_format == "swagger-json"
    assert json.loads(api.openapi.import_value)["info"] == {"title": "T", "version": "2026-13-01"}


@pytest.mark.slow  # a fresh interpreter per command line
def test_the_command_line_exits_2_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    stack_file = tmp_path / "Pulumi.bad.yaml"
    text = dev_with("blue: 2026-09-01", "blue: 2026-13-01")
    stack_file.write_text(text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "tools", "plan", "--stack", "bad", "--config", str(stack_file)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines() == [
        f"config error: {stack_file}:{line_of(text, 'blue: 2026-13-01')}: "
        "apim-oauth:clients[billing-daemon].secret.slots.blue: '2026-13-01' is not a calendar date"
    ]


# Where a rule's mistake is: `FILE:LINE: key path (entries by name): what is wrong`.

SPA_URIS = "      redirectUris: [https://echo.dev.contoso.example/, http://localhost:5173/]"


def test_a_value_in_a_nested_list_points_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Block style: the second scope of the web-portal client, a list inside a list entry.
    text = dev_with(
        "      scopes: [Echo.Read, Echo.Write]\n      # A server-side",
        "      scopes:\n        - Echo.Read\n        - Echo.Nope\n      # A server-side",
    )
    assert plan_error(tmp_path, text, capsys) == (
        f"FILE:{line_of(text, '- Echo.Nope')}: apim-oauth:clients[web-portal].scopes[1]: "
        "the backend app defines no scope 'Echo.Nope'"
    )


def test_a_value_in_a_flow_style_list_points_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = dev_with(SPA_URIS, SPA_URIS.replace("http://localhost:5173/", "http://app.example/"))
    message = plan_error(tmp_path, text, capsys)
    assert message.startswith(
        f"FILE:{line_of(text, 'http://app.example/')}: apim-oauth:clients[echo-spa].signIn.redirectUris[1]: "
    )
    assert "http" in message.split(": ", 2)[2]


def test_a_missing_key_points_at_its_entry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = dev_with("      displayName: Web portal (dev)\n", "")
    assert plan_error(tmp_path, text, capsys) == (
        f"FILE:{line_of(text, '- name: web-portal')}: apim-oauth:clients[web-portal].displayName: is required"
    )


def test_a_missing_top_level_key_points_at_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "\n".join(line for line in DEV.splitlines() if not line.startswith("  apim-oauth:tenantId:"))
    assert plan_error(tmp_path, text + "\n", capsys) == (
        f"FILE:{line_of(text, 'config:')}: apim-oauth:tenantId: is required"
    )


def test_entries_are_named_without_a_file_too() -> None:
    # Settings built from a dict (as tests and the engine give them): the key path, entries by name.
    config = load_stack_file(DEV_FILE)
    config["apim-oauth:clients"][3]["signIn"]["redirectUris"][0] = "ftp://echo.example/"
    with pytest.raises(ConfigError) as caught:
        parse(config, base_dir=PROJECT_DIR)
    assert caught.value.path == "apim-oauth:clients[echo-spa].signIn.redirectUris[0]"
    assert caught.value.where == ""
    assert str(caught.value).startswith("apim-oauth:clients[echo-spa].signIn.redirectUris[0]: ")


def test_entries_whose_names_clash_keep_their_position(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = dev_with("    - name: web-portal\n", "    - name: billing-daemon\n")
    message = plan_error(tmp_path, text, capsys)
    assert message.startswith(f"FILE:{line_of(text, 'Web portal (dev)') - 1}: apim-oauth:clients[1].name: ")
