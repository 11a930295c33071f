"""The JSON Schema editors validate stack files with: generated from the model, current, and true
to what the program accepts."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, cast

import pytest
from jsonschema import Draft202012Validator

from apim_oauth.config.reading import load_yaml
from apim_oauth.config.schema import render
from tests.fixture_stacks import DEV_FILE

PROJECT_DIR = Path(__file__).resolve().parents[2]
SCHEMA_FILE = PROJECT_DIR / "stacks" / "schema.json"
STACK_FILES = sorted((PROJECT_DIR / "stacks").glob("Pulumi.*.yaml"))
LANGUAGE_SERVER_LINE = "# yaml-language-server: $schema=./schema.json"


def errors_of(document: dict[str, Any]) -> list[str]:
    """What the committed schema says of `document` (the dialect it declares, checked first)."""
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    return [str(error.message) for error in validator.iter_errors(document)]  # pyright: ignore[reportUnknownMemberType]


def stack(path: Path) -> dict[str, Any]:
    document = load_yaml(path.read_text(encoding="utf-8"), str(path))
    assert isinstance(document, dict)
    return cast("dict[str, Any]", document)


def test_committed_schema_is_what_the_model_generates() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == render(), (
        "stacks/schema.json is stale: run `make schema` (python -m apim_oauth.config.schema > stacks/schema.json)"
    )


@pytest.mark.parametrize("path", STACK_FILES, ids=[p.stem for p in STACK_FILES])
def test_every_stack_file_validates_against_the_schema(path: Path) -> None:
    # What any stack keeps, written from scratch or copied: the schema accepts it. The editor's
    # schema line is a help, not a rule (.vscode/settings.json maps stacks/ to the schema anyway);
    # where a file has one, it must name the schema beside it.
    lines = path.read_text(encoding="utf-8").splitlines()
    named = [line for line in lines if line.startswith("# yaml-language-server:")]
    assert named in ([], [LANGUAGE_SERVER_LINE]), named
    assert errors_of(stack(path)) == []


@pytest.mark.parametrize(
    ("path", "value", "words"),
    [
        (("apim-oauth:apim", "sku"), "Gold", "'Gold' is not one of"),
        (("apim-oauth:tenantID",), "x", "apim-oauth:tenantID"),
        (("apim-oauth:products", 2, "oauth", "roles"), ["Echo.Read"], "not valid under any"),
        (("apim-oauth:products", 0, "oauth", "owner"), "tools-owner", "not valid under any"),
        (("apim-oauth:clients", 0, "secret", "slots", "red"), "2026-01-01", "red"),
        (("apim-oauth:backend", "scopes", 0, "value"), "Echo Read", "does not match"),
    ],
    ids=["sku", "unknown key", "roles on apim-managed", "owner on entra-app", "slot", "scope value"],
)
def test_schema_refuses_what_the_program_refuses(
    path: tuple[str | int, ...], value: object, words: str
) -> None:
    document = copy.deepcopy(stack(DEV_FILE))
    target: Any = document["config"]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    errors = errors_of(document)
    assert any(words in message for message in errors), errors


def test_vscode_validates_stack_files_with_the_schema() -> None:
    settings = json.loads((PROJECT_DIR / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    assert settings["yaml.schemas"] == {"./stacks/schema.json": "stacks/Pulumi.*.yaml"}
