"""The JSON Schema of a stack file, generated from the configuration model.

`python -m apim_oauth.config.schema > stacks/schema.json` (or `make schema`) writes it; a test
fails when the committed file differs from what the model gives. Editors validate the stack files
with it (the `# yaml-language-server: $schema=./schema.json` line in each, `.vscode/settings.json`).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic.json_schema import GenerateJsonSchema

from apim_oauth.config.stack import StackConfig


class _NoTitles(GenerateJsonSchema):
    """Titles derived from field names ("Clockskewseconds") say nothing the key does not."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def stack_file_schema() -> dict[str, Any]:
    """The schema of `stacks/Pulumi.<stack>.yaml`: a `config:` map as `StackConfig` describes it."""
    config = StackConfig.model_json_schema(by_alias=True, mode="validation", schema_generator=_NoTitles)
    definitions: dict[str, Any] = config.pop("$defs")
    definitions["StackConfig"] = config
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "apim-oauth stack file",
        "description": (
            "A stack's configuration (stacks/Pulumi.<stack>.yaml). Generated from apim_oauth/config by "
            "`python -m apim_oauth.config.schema`; do not edit by hand."
        ),
        "type": "object",
        # Pulumi's own keys (secretsprovider, encryptedkey, environment, ...) are the CLI's to check.
        "properties": {"config": {"$ref": "#/$defs/StackConfig"}},
        "required": ["config"],
        "$defs": _named_by_title(definitions),
    }


def _named_by_title(definitions: dict[str, Any]) -> dict[str, Any]:
    """The definitions, each named by its title and sorted: a model whose class name differs from the
    name the schema publishes (`TestConsoleConfig`, titled `TestConsole`) keeps the published name."""
    text = json.dumps(definitions)
    for name, definition in definitions.items():
        if definition.get("title", name) != name:
            text = text.replace(f'"#/$defs/{name}"', f'"#/$defs/{definition["title"]}"')
    renamed: dict[str, Any] = {d.get("title", n): d for n, d in json.loads(text).items()}
    return dict(sorted(renamed.items()))


def render() -> str:
    return json.dumps(stack_file_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    print(render(), end="")
