"""Check a request body against an OpenAPI (Swagger 2.0) schema excerpt from `schemas/`.

A body passes when every property it sends is declared, none is read-only, every required one is
present, and each value has the declared type, enum member and length. Objects are closed: ARM
resource providers are not obliged to accept what their specification does not declare.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

SCHEMAS = Path(__file__).parent / "schemas"


@dataclass(frozen=True)
class SchemaExcerpt:
    """One file of `schemas/`: a resource type's PUT body at one API version."""

    resource_type: str
    api_version: str
    path_parameters: tuple[str, ...]
    body: Mapping[str, Any]
    definitions: Mapping[str, Any]

    def problems(self, body: Mapping[str, Any]) -> list[str]:
        """Every way `body` breaks the excerpt; empty when it conforms."""
        return _check(self.body, body, "", self.definitions)

    def read_only(self, path: str) -> bool:
        """Whether the property at dotted `path` (e.g. `properties.state`) is read-only."""
        schema = _resolve(self.body, self.definitions)
        for part in path.split("."):
            schema = _resolve(_properties(schema, self.definitions)[part], self.definitions)
        return bool(schema.get("readOnly"))


def load(file_name: str) -> SchemaExcerpt:
    raw = cast("dict[str, Any]", json.loads((SCHEMAS / file_name).read_text(encoding="utf-8")))
    for source in cast("list[dict[str, str]]", raw["sources"]):
        # Every excerpt names where it came from, down to the commit.
        assert {"repo", "path", "commit"} <= set(source), file_name
    return SchemaExcerpt(
        resource_type=raw["resourceType"],
        api_version=raw["apiVersion"],
        path_parameters=tuple(raw["pathParameters"]),
        body=raw["body"],
        definitions=raw["definitions"],
    )


def _resolve(schema: Mapping[str, Any], definitions: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in schema:
        schema = definitions[str(schema["$ref"]).removeprefix("#/definitions/")]
    return schema


def _properties(schema: Mapping[str, Any], definitions: Mapping[str, Any]) -> dict[str, Any]:
    """Declared properties, with those of `allOf` parents merged in."""
    merged: dict[str, Any] = {}
    for parent in cast("list[Mapping[str, Any]]", schema.get("allOf", [])):
        merged.update(_properties(_resolve(parent, definitions), definitions))
    merged.update(cast("dict[str, Any]", schema.get("properties", {})))
    return merged


def _required(schema: Mapping[str, Any], definitions: Mapping[str, Any]) -> set[str]:
    names = set(cast("list[str]", schema.get("required", [])))
    for parent in cast("list[Mapping[str, Any]]", schema.get("allOf", [])):
        names |= _required(_resolve(parent, definitions), definitions)
    return names


_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
    "array": (list,),
    "object": (dict,),
}


def _check(schema: Mapping[str, Any], value: Any, where: str, definitions: Mapping[str, Any]) -> list[str]:
    schema = _resolve(schema, definitions)
    label = where or "(body)"
    expected = schema.get("type")
    if expected is None and ("properties" in schema or "allOf" in schema):
        expected = "object"
    if expected is not None:
        allowed = _TYPES[str(expected)]
        if not isinstance(value, allowed) or (expected != "boolean" and isinstance(value, bool)):
            return [f"{label}: expected {expected}, got {type(value).__name__}"]
    problems: list[str] = []
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{label}: {value!r} is not one of {schema['enum']}")
    if isinstance(value, str):
        if "maxLength" in schema and len(value) > int(schema["maxLength"]):
            problems.append(f"{label}: longer than {schema['maxLength']} characters")
        if "minLength" in schema and len(value) < int(schema["minLength"]):
            problems.append(f"{label}: shorter than {schema['minLength']} characters")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(cast("list[Any]", value)):
            problems += _check(schema["items"], item, f"{where}[{i}]", definitions)
    if isinstance(value, dict):
        sent = cast("dict[str, Any]", value)
        declared = _properties(schema, definitions)
        for name in sorted(_required(schema, definitions) - set(sent)):
            problems.append(f"{_join(where, name)}: required but not sent")
        for name, item in sent.items():
            path = _join(where, name)
            if name not in declared:
                problems.append(f"{path}: not a property of this API version")
                continue
            prop = _resolve(declared[name], definitions)
            if prop.get("readOnly"):
                problems.append(f"{path}: read-only, must not be sent")
                continue
            problems += _check(prop, item, path, definitions)
    return problems


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name
