"""The building blocks of the configuration model: the base model and the value types with their rules.

Each value type carries its check and its JSON Schema together, so the schema editors use
(`stacks/schema.json`) says what the program accepts. Patterns are checked with `re.fullmatch` here
and published anchored in the schema (`^(?:...)$`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal, TypeVar, cast

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainValidator,
    Strict,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from apim_oauth.config.errors import fail, kind
from apim_oauth.policies.values import policy_value_problem

T = TypeVar("T")

STACK_FILE = "stack-file"
"""Validation context key: set when the input is a stack file, which must use the documented key names."""
BASE_DIR = "base-dir"
"""Validation context key: where relative file paths in the configuration start (OpenAPI documents,
certificates)."""


class Model(BaseModel):
    """Frozen, typed, camelCase keys in the file; unknown keys refused with a suggestion."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        use_attribute_docstrings=True,
    )

    misplaced: ClassVar[Mapping[str, str]] = {}
    """Keys that belong elsewhere (another mode, another level) -> why they do not apply here."""

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any, info: ValidationInfo) -> Any:
        # A key with no value (`key:` in YAML) counts as absent, as it does for the Pulumi CLI.
        if not isinstance(data, Mapping):
            return data
        raw = cast("Mapping[object, object]", data)
        aliases = [f.alias or name for name, f in cls.model_fields.items()]
        from_file = bool(info.context and info.context.get(STACK_FILE))
        allowed = set(aliases) if from_file else {*aliases, *cls.model_fields}
        for key in raw:
            if str(key) in allowed:
                continue
            if str(key) in cls.misplaced:
                raise fail(str(key), cls.misplaced[str(key)])
            suggestion = closest(str(key), aliases)
            hint = f" (did you mean {suggestion!r}?)" if suggestion else ""
            raise fail(str(key), f"unknown key{hint}; allowed: {', '.join(aliases)}")
        return {str(k): v for k, v in raw.items() if v is not None}


def closest(key: str, allowed: list[str]) -> str | None:
    matches = difflib.get_close_matches(key, allowed, n=1, cutoff=0.7)
    if not matches and key.lower() in (a.lower() for a in allowed):
        return next(a for a in allowed if a.lower() == key.lower())
    return matches[0] if matches else None


@dataclass(frozen=True)
class Text:
    """A non-blank string of at most `max_length` characters, matching `pattern` if given."""

    max_length: int = 256
    pattern: str | None = None
    hint: str = ""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(
            self._check, core_schema.str_schema(strict=True, max_length=self.max_length)
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        result = handler(schema)
        result["minLength"] = 1
        if self.pattern:
            result["pattern"] = f"^(?:{self.pattern})$"
        return result

    def _check(self, value: str) -> str:
        if not value.strip():
            raise fail("", "must not be empty")
        if self.pattern is not None and not re.fullmatch(self.pattern, value):
            raise fail("", f"{value!r} is not valid{': ' + self.hint if self.hint else ''}")
        return value


@dataclass(frozen=True)
class Between:
    """A whole number from `minimum` to `maximum`."""

    minimum: int
    maximum: int

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, core_schema.int_schema(strict=True))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        result = handler(schema)
        result.update({"minimum": self.minimum, "maximum": self.maximum})
        return result

    def _check(self, value: int) -> int:
        if not self.minimum <= value <= self.maximum:
            raise fail("", f"must be between {self.minimum} and {self.maximum} (got {value})")
        return value


def distinct(
    what: str, key: Callable[[Any], str] = str, *, at: str = "", fold: bool = False
) -> AfterValidator:
    """A list check: no two items with the same `key` (a duplicate would silently shadow the first)."""

    def check(items: tuple[T, ...]) -> tuple[T, ...]:
        seen: dict[str, int] = {}
        for index, item in enumerate(items):
            value = key(item)
            folded = value.lower() if fold else value
            if folded in seen:
                raise fail(
                    f"[{index}]{at}",
                    f"duplicate {what} {value!r} (as {{other}})",
                    other=f"[{seen[folded]}]{at}",
                )
            seen[folded] = index
        return items

    return AfterValidator(check)


def _permission(value: str) -> str:
    if problem := policy_value_problem(value):
        raise fail("", f"{value!r} {problem}")
    return value


# `date` and `datetime` are bound at import: a test that patches the clock replaces `datetime.date`.
def _date(value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise fail("", f"must be a date such as 2026-11-01, not {kind(value)}")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise fail("", f"{value!r} is not valid: a date such as 2026-11-01")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail("", f"{value!r} is not a calendar date") from None


GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
SLUG = r"[a-z][a-z0-9-]{0,39}"
SLUG_HINT = "use 1-40 lowercase letters, digits and '-', starting with a letter"
# Entra's rule for scope and app-role values (docs/sources.md#well-known-ids-and-naming-rules): no spaces, no leading '.', at most 120
# characters from letters, digits and a fixed set of symbols.
PERMISSION_VALUE = r"(?!\.)[A-Za-z0-9:!#$%&'()*+,\-./;<=>?@\[\]^_`{|}~]{1,120}"
PERMISSION_HINT = (
    "Entra accepts at most 120 characters, no spaces, not starting with '.', "
    "from letters, digits and :!#$%&'()*+,-./;<=>?@[]^_`{|}~"
)
EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+"

Name = Annotated[str, Text()]
Email = Annotated[str, Text(256, EMAIL, "an email address")]
PermissionValue = Annotated[str, Text(120, PERMISSION_VALUE, PERMISSION_HINT), AfterValidator(_permission)]
Date = Annotated[date, PlainValidator(_date), WithJsonSchema({"type": "string", "format": "date"})]
Flag = Annotated[bool, Strict()]
ObjectId = Annotated[str, Text(36, GUID, "an object ID (GUID)"), AfterValidator(str.lower)]
"""An Entra object ID (a user, group or service principal); Graph compares them case-insensitively."""

Validator = Literal["validate-jwt", "validate-azure-ad-token"]
Callers = Literal["application", "delegated"]
Match = Literal["any", "all"]
Audience = Literal["product", "backend"]
MemberType = Literal["Application", "User"]
