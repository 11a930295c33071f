"""One line per configuration mistake: `<key path>: <what is wrong>`.

Models raise pydantic errors (their own, or `fail(...)` from a validator); `from_validation` turns the
first of them into a `ConfigError` whose path is the key as the user wrote it
(`apim-oauth:products[1].oauth.mode`) and whose message says what to change, in the same words
whichever model found it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from pydantic import ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

NAMESPACE = "apim-oauth"
"""The project's config namespace (the `name` in Pulumi.yaml)."""


def namespaced(key: str) -> str:
    """A config key as Pulumi stores it: a bare key belongs to the project's namespace."""
    return key if ":" in key else f"{NAMESPACE}:{key}"


def key(path: str) -> str:
    """The full key of `path` in the project's namespace: `products[0]` -> `apim-oauth:products[0]`."""
    return f"{NAMESPACE}:{path}"


PRODUCT_MODES = ("entra-app", "apim-managed")
"""The tags of the product union (`oauth.mode`); pydantic puts the tag in an error's location."""

# Why a missing key is needed, where "is required" alone would leave the user guessing.
REQUIRED_BECAUSE: Mapping[tuple[str, ...], str] = {
    (
        "oauth",
        "owner",
    ): "is required for apim-managed products: the APIM user that owns their client applications",
}


class ConfigError(ValueError):
    """A stack configuration value that cannot be deployed; `path` names the key, `where` (when the
    configuration came from a file) its `FILE:LINE` (`locations.locate`)."""

    def __init__(self, path: str, message: str, *, where: str = "") -> None:
        super().__init__(f"{where}: {path}: {message}" if where else f"{path}: {message}")
        self.path = path
        self.message = message
        self.where = where


def fail(at: str, message: str, *, other: str = "") -> PydanticCustomError:
    """An error for a model validator to raise. `at` is the key below the model (`scopes`,
    `[2].name`, or "" for the model itself); `{other}` in `message` becomes the full path of the
    sibling key `other` (relative to the same model), so a message can name both keys of a clash."""
    return PydanticCustomError("config", "{message}", {"at": at, "message": message, "other": other})


def kind(value: object) -> str:
    """How a value reads to a person who wrote YAML."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return type(value).__name__


def join_path(parts: Sequence[str | int]) -> str:
    """`('apim-oauth:apis', 0, 'oauth')` -> `apim-oauth:apis[0].oauth`."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part.startswith("["):
            text += part
        else:
            text += f".{part}" if text else part
    return text


def _location(loc: Sequence[str | int]) -> list[str | int]:
    # A tagged union adds its tag after the item's index; the user never wrote it.
    return [
        part
        for index, part in enumerate(loc)
        if not (part in PRODUCT_MODES and index > 0 and isinstance(loc[index - 1], int))
    ]


def _relative(base: list[str | int], suffix: str) -> str:
    if not suffix:
        return join_path(base)
    if suffix.startswith("["):
        return join_path(base) + suffix
    return join_path([*base, suffix])


def _product_mode(loc: list[str | int], value: object) -> ConfigError:
    """The product union could not pick a variant: say which key of `oauth.mode` is wrong."""
    path = join_path(loc)
    if not isinstance(value, Mapping):
        return ConfigError(path, f"must be a mapping, not {kind(value)}")
    oauth = cast("Mapping[str, object]", value).get("oauth")
    if oauth is None:
        return ConfigError(f"{path}.oauth", "is required")
    if not isinstance(oauth, Mapping):
        return ConfigError(f"{path}.oauth", f"must be a mapping, not {kind(oauth)}")
    mode = cast("Mapping[str, object]", oauth).get("mode")
    if mode is None:
        return ConfigError(f"{path}.oauth.mode", "is required")
    shown = ", ".join(repr(m) for m in PRODUCT_MODES)
    return ConfigError(f"{path}.oauth.mode", f"{mode!r} is not one of {shown}")


def _message(error: ErrorDetails, loc: list[str | int]) -> str:
    kind_of = error["type"]
    value: Any = error.get("input")
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    if kind_of == "missing":
        named = tuple(str(p) for p in loc[-2:])
        return REQUIRED_BECAUSE.get(named, "is required")
    if kind_of == "string_type":
        return f"must be a string, not {kind(value)}"
    if kind_of == "int_parsing_size":
        return "is too large a number"
    if kind_of in ("int_type", "int_parsing", "int_from_float"):
        return f"must be a whole number, not {kind(value)}"
    if kind_of in ("bool_type", "bool_parsing"):
        if isinstance(value, str):
            return f"must be true or false, not the string {value!r}"
        return f"must be true or false, not {kind(value)}"
    if kind_of in ("list_type", "tuple_type"):
        return f"must be a list, not {kind(value)}"
    if kind_of in ("model_type", "model_attributes_type", "dict_type"):
        return f"must be a mapping, not {kind(value)}"
    if kind_of == "literal_error":
        return f"{value!r} is not one of {ctx['expected'].replace(' or ', ', ')}"
    if kind_of == "too_short":
        count = ctx["min_length"]
        return f"must list at least {count} item{'s' if count != 1 else ''}"
    if kind_of == "string_too_long":
        return f"must be at most {ctx['max_length']} characters (got {len(str(value))})"
    if kind_of == "value_error":
        return str(ctx.get("error", error["msg"]))
    return error["msg"]


def from_validation(error: ValidationError) -> ConfigError:
    """The first problem pydantic found, as one line naming its key."""
    first = error.errors(include_url=False)[0]
    loc = _location(first["loc"])
    if first["type"] in ("union_tag_not_found", "union_tag_invalid"):
        return _product_mode(loc, first.get("input"))
    ctx: dict[str, Any] = dict(first.get("ctx") or {})
    if first["type"] == "config":
        message = str(ctx["message"])
        if ctx.get("other"):
            message = message.replace("{other}", _relative(loc, str(ctx["other"])))
        return ConfigError(_relative(loc, str(ctx["at"])), message)
    return ConfigError(join_path(loc), _message(first, loc))
