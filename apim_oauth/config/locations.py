"""Where a configuration mistake is: list entries named by their `name`, and the stack file's line.

A rule finds a mistake by position (`apim-oauth:clients[4].signIn.redirectUris[0]`); a person finds it
by name and line. `named` rewrites the key path with each entry's `name`
(`apim-oauth:clients[echo-spa].signIn.redirectUris[0]`) from the configuration map itself, so it works
for a map that comes without a file (tests build one from a dict, the engine hands one over). `locate`
adds `FILE:LINE` from the YAML library's own node tree of the stack file (its marks, not a scan of the
text): the line of the offending value, or, where the value is missing, of the deepest entry that is
there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import cast

import yaml

from apim_oauth.config.errors import NAMESPACE, ConfigError
from apim_oauth.config.reading import compose_yaml

Part = str | int
"""A mapping key, a list position, or (in brackets, not a number) a list entry's name."""


def _longest_key(text: str, keys: Sequence[str]) -> str | None:
    """The longest key that `text` starts with, followed by its end, `.` or `[`."""
    found = [k for k in keys if text == k or text.startswith((f"{k}.", f"{k}["))]
    return max(found, key=len, default=None)


def _next_part(rest: str, keys: Sequence[str]) -> tuple[Part, str] | None:
    """The first part of `rest` (after the top key) and what follows it."""
    if rest.startswith("["):
        end = rest.find("]")
        if end < 0:
            return None
        inner = rest[1:end]
        return (int(inner) if inner.isdigit() else f"[{inner}]"), rest[end + 1 :]
    if not rest.startswith("."):
        return None
    rest = rest[1:]
    known = _longest_key(rest, keys)
    if known is not None:
        return known, rest[len(known) :]
    cut = min((i for i in (rest.find("."), rest.find("[")) if i >= 0), default=len(rest))
    return (rest[:cut], rest[cut:]) if cut else None


def _keys(value: object) -> list[str]:
    return [str(k) for k in cast("Mapping[object, object]", value)] if isinstance(value, Mapping) else []


def _child(value: object, part: Part) -> object:
    if isinstance(part, int) or part.startswith("["):
        items = cast("Sequence[object]", value) if isinstance(value, list | tuple) else ()
        if isinstance(part, str):  # an entry by its name
            return next((item for item in items if _name_of(item) == part[1:-1]), None)
        return items[part] if 0 <= part < len(items) else None
    if isinstance(value, Mapping):
        return cast("Mapping[str, object]", value).get(part)
    return None


def _name_of(item: object) -> object:
    return cast("Mapping[str, object]", item).get("name") if isinstance(item, Mapping) else None


def split_path(path: str, config: Mapping[str, object]) -> tuple[str, list[Part]] | None:
    """(top key, parts) of a key path into `config` (a top key it lacks included: a missing key);
    None when `path` is no key path of the project's (a file's name)."""
    top = _longest_key(path, list(config))
    if top is None:
        if not path.startswith(f"{NAMESPACE}:"):
            return None
        cut = min((i for i in (path.find("."), path.find("[")) if i >= 0), default=len(path))
        top = path[:cut]
    parts: list[Part] = []
    value: object = config.get(top)
    rest = path[len(top) :]
    while rest:
        step = _next_part(rest, _keys(value))
        if step is None:
            return None
        part, rest = step
        parts.append(part)
        value = _child(value, part)
    return top, parts


def _entry_name(items: object, index: int) -> str | None:
    """The `name` of entry `index` of a list, when the list's entries have unique names."""
    if not isinstance(items, list | tuple):
        return None
    names = [_name_of(item) for item in cast("Sequence[object]", items)]
    name = names[index] if 0 <= index < len(names) else None
    if not isinstance(name, str) or not name or names.count(name) > 1 or any(c in name for c in "[]"):
        return None
    return name


def _join(top: str, parts: Sequence[Part]) -> str:
    text = top
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part.startswith("["):
            text += part
        else:
            text += f".{part}"
    return text


def named(error: ConfigError, config: Mapping[str, object]) -> ConfigError:
    """`error` with each list position in its key path given as the entry's name, where it has one."""
    split = split_path(error.path, config)
    if split is None:
        return error
    top, parts = split
    value: object = config.get(top)
    shown: list[Part] = []
    for part in parts:
        name = _entry_name(value, part) if isinstance(part, int) else None
        shown.append(f"[{name}]" if name is not None else part)
        value = _child(value, part)
    path = _join(top, shown)
    return error if path == error.path else ConfigError(path, error.message, where=error.where)


def _mapping_value(node: yaml.Node, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for key_node, value_node in cast("list[tuple[yaml.Node, yaml.Node]]", node.value):
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return key_node, value_node
    return None


def _item(node: yaml.Node, part: Part) -> yaml.Node | None:
    if not isinstance(node, yaml.SequenceNode):
        return None
    items = cast("list[yaml.Node]", node.value)
    if isinstance(part, int):
        return items[part] if 0 <= part < len(items) else None
    name = part[1:-1]
    return next((i for i in items if (n := _mapping_value(i, "name")) and n[1].value == name), None)


def _line(top: str, parts: Sequence[Part], document: yaml.Node) -> int | None:
    """1-based line of the value at `top` + `parts`, or of the deepest entry on the way that exists."""
    config = _mapping_value(document, "config")
    if config is None:
        return None
    bare = top.removeprefix(f"{NAMESPACE}:")
    found = _mapping_value(config[1], top) or _mapping_value(config[1], bare)
    if found is None:  # a top-level key missing: the entry it is missing from is `config:`
        return config[0].start_mark.line + 1
    line = found[0].start_mark.line
    node = found[1]
    for part in parts:
        if isinstance(part, str) and not part.startswith("["):
            pair = _mapping_value(node, part)
            if pair is None:
                break
            # A scalar on the key's line; a nested block starts on the line after its key: the key.
            line = (pair[1] if isinstance(pair[1], yaml.ScalarNode) else pair[0]).start_mark.line
            node = pair[1]
        else:
            item = _item(node, part)
            if item is None:
                break
            line, node = item.start_mark.line, item
    return line + 1


def locate(error: ConfigError, config: Mapping[str, object], stack_file: Path) -> ConfigError:
    """`error` named (`named`) and placed at its line of `stack_file` (`FILE:LINE`), where it has one."""
    error = named(error, config)
    if error.where:
        return error
    split = split_path(error.path, config)
    try:
        document = compose_yaml(stack_file.read_text(encoding="utf-8"), str(stack_file))
    except (OSError, UnicodeDecodeError, ValueError):
        return error
    line = _line(*split, document) if split is not None and document is not None else None
    if line is None:
        return error
    return ConfigError(error.path, error.message, where=f"{stack_file}:{line}")
