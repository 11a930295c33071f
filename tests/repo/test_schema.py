"""The JSON Schema editors validate stack files with: generated from the model, current, and true
to what the program accepts."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from apim_oauth.config.reading import load_yaml
from apim_oauth.config.schema import render

PROJECT_DIR = Path(__file__).resolve().parents[2]
SCHEMA_FILE = PROJECT_DIR / "stacks" / "schema.json"
STACK_FILES = sorted((PROJECT_DIR / "stacks").glob("Pulumi.*.yaml"))
LANGUAGE_SERVER_LINE = "# yaml-language-server: $schema=./schema.json"


def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def stack(path: Path) -> dict[str, Any]:
    document = load_yaml(path.read_text(encoding="utf-8"), str(path))
    assert isinstance(document, dict)
    return document  # type: ignore[return-value]


def test_committed_schema_is_what_the_model_generates() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == render(), (
        "stacks/schema.json is stale: run `make schema` (python -m apim_oauth.config.schema > stacks/schema.json)"
    )


@pytest.mark.parametrize("path", STACK_FILES, ids=[p.stem for p in STACK_FILES])
def test_every_stack_file_validates_and_names_the_schema_for_editors(path: Path) -> None:
    assert path.read_text(encoding="utf-8").splitlines()[0] == LANGUAGE_SERVER_LINE
    errors = [e.message for e in validator().iter_errors(stack(path))]
    assert errors == []


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda c: c["apim-oauth:apim"].update(sku="Gold"), "'Gold' is not one of"),
        (lambda c: c.update({"apim-oauth:tenantID": "x"}), "apim-oauth:tenantID"),
        (lambda c: c["apim-oauth:products"][2]["oauth"].update(roles=["Echo.Read"]), "not valid under any"),
        (lambda c: c["apim-oauth:products"][0]["oauth"].update(owner="tools-owner"), "not valid under any"),
        (lambda c: c["apim-oauth:clients"][0]["secret"]["slots"].update(red="2026-01-01"), "red"),
        (lambda c: c["apim-oauth:backend"]["scopes"][0].update(value="Echo Read"), "does not match"),
    ],
    ids=["sku", "unknown key", "roles on apim-managed", "owner on entra-app", "slot", "scope value"],
)
def test_schema_refuses_what_the_program_refuses(change: Any, words: str) -> None:
    document = copy.deepcopy(stack(PROJECT_DIR / "stacks" / "Pulumi.dev.yaml"))
    change(document["config"])
    errors = [e.message for e in validator().iter_errors(document)]
    assert any(words in message for message in errors), errors


def test_vscode_validates_stack_files_with_the_schema() -> None:
    settings = json.loads((PROJECT_DIR / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    assert settings["yaml.schemas"] == {"./stacks/schema.json": "stacks/Pulumi.*.yaml"}
