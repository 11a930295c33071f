"""Reading YAML and JSON documents the way the Pulumi CLI does, with one-line errors.

PyYAML alone accepts what the Pulumi CLI refuses (a key given twice: the last value silently wins),
turns unquoted dates into `date` objects (and raises a bare `ValueError` on `2026-13-01`), and
reports a tab as "found character '\\t' that cannot start any token" with no line. Here a key
given twice is refused naming the key and both lines, dates stay text (the model reads them, as
the program reads them from the engine, where they arrive as JSON strings), and every syntax
error names the file, line and column.

Reading is bounded by the document's size, so a small hostile file cannot cost minutes or a stack
overflow: nesting deeper than MAX_DEPTH is refused while composing (the composer recurses), a
recursive alias is refused, and aliases may expand the document to at most EXPANSION_FACTOR times
the values it writes (at least MIN_EXPANDED_VALUES): anchors are legitimate, "billion laughs" are not
(every later reader walks each alias again wherever it is referenced).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import yaml
from yaml.composer import Composer

from apim_oauth.config.errors import ConfigError, namespaced

MAX_DEPTH = 100
"""Mappings and lists nested deeper than this are refused (stack files nest about 8 deep, OpenAPI
documents a few dozen)."""
MIN_EXPANDED_VALUES = 100_000
EXPANSION_FACTOR = 10


class _TooDeepError(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


if TYPE_CHECKING:
    from yaml import CSafeLoader as _SafeLoader
elif yaml.__with_libyaml__:
    # libyaml's scanner and parser: several times faster than PyYAML's pure Python ones.
    _SafeLoader = yaml.CSafeLoader
else:  # PyYAML built without libyaml: its own parts, but for the composer that _Loader adds

    class _SafeLoader(
        yaml.reader.Reader,
        yaml.scanner.Scanner,
        yaml.parser.Parser,
        yaml.constructor.SafeConstructor,
        yaml.resolver.Resolver,
    ):
        def __init__(self, stream: str) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)


class _Loader(Composer, _SafeLoader):
    """Safe loading as YAML 1.2 reads plain scalars, as the Pulumi CLI does: dates stay strings, and
    only true/false are booleans (YAML 1.1 also read yes/no/on/off, so `name: no` became False).

    PyYAML's own composer comes first (libyaml's would compose in C), so `compose_node` below bounds
    the depth; scanning and parsing are libyaml's where PyYAML has it."""

    _depth = 0

    def __init__(self, stream: str) -> None:
        _SafeLoader.__init__(self, stream)
        Composer.__init__(self)

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _TooDeepError(parent.start_mark.line + 1 if parent is not None else 1)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_DROPPED = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool"}
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _DROPPED]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(  # pyright: ignore[reportUnknownMemberType]
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class DocumentError(ValueError):
    """A document that does not read: `where` is `file:line:column` (or `file:line`)."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


def _key_path(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def _children(node: yaml.Node) -> list[tuple[yaml.Node, str]]:
    """A node's children with the key path step to each (a mapping's keys are children too)."""
    if isinstance(node, yaml.MappingNode):
        pairs = cast("list[tuple[yaml.Node, yaml.Node]]", node.value)
        return [
            child
            for key_node, value_node in pairs
            for child in (
                (key_node, ""),
                (value_node, f".{key_node.value}" if isinstance(key_node, yaml.ScalarNode) else ""),
            )
        ]
    if isinstance(node, yaml.SequenceNode):
        return [(item, f"[{index}]") for index, item in enumerate(cast("list[yaml.Node]", node.value))]
    return []


def _check_duplicates(node: yaml.Node, path: str, name: str) -> None:
    if not isinstance(node, yaml.MappingNode):
        return
    seen: dict[object, int] = {}
    for key_node, _ in cast("list[tuple[yaml.Node, yaml.Node]]", node.value):
        key: object = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        line = key_node.start_mark.line + 1
        if key is None:
            continue
        if key in seen:
            raise DocumentError(
                f"{name}:{line}",
                f"key {_key_path(path, key)!r} is given twice (lines {seen[key]} and {line}); "
                "the Pulumi CLI refuses such a file: keep one",
            )
        seen[key] = line


def _check_nodes(root: yaml.Node, name: str) -> None:
    """Each node once (an alias is the node it names): keys given twice, recursive aliases, and the
    size the aliases expand the document to. Iterative, so that no check can overflow the stack."""
    expanded: dict[int, int] = {}
    """id(node) -> how many values it stands for once every alias under it is expanded."""
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, str, bool]] = [(root, "", False)]
    while stack:
        node, path, done = stack.pop()
        ident = id(node)
        children = _children(node)
        if done:
            on_path.discard(ident)
            expanded[ident] = 1 + sum(expanded[id(child)] for child, _ in children)
            continue
        if ident in expanded:
            continue
        if ident in on_path:
            raise DocumentError(
                f"{name}:{node.start_mark.line + 1}",
                f"{path or 'the document'} contains itself through an alias (a recursive alias): write it out",
            )
        _check_duplicates(node, path.lstrip("."), name)
        on_path.add(ident)
        stack.append((node, path, True))
        for child, step in reversed(children):
            if id(child) in on_path:
                raise DocumentError(
                    f"{name}:{child.start_mark.line + 1}",
                    f"{(path + step).lstrip('.') or 'the document'} refers to a mapping or list that contains it "
                    "(a recursive alias): write it out",
                )
            if id(child) not in expanded:
                stack.append((child, path + step, False))
    limit = max(MIN_EXPANDED_VALUES, EXPANSION_FACTOR * len(expanded))
    if expanded[id(root)] > limit:
        raise DocumentError(
            name,
            f"its aliases expand {len(expanded)} values to {expanded[id(root)]}, more than {limit}: write "
            "fewer aliases of large anchors",
        )


def _yaml_problem(error: yaml.YAMLError, text: str, name: str) -> DocumentError:
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        where = f"{name}:{mark.line + 1}:{mark.column + 1}"
        lines = text.splitlines()
        at = lines[mark.line] if mark.line < len(lines) else ""
        problem = error.problem or "is not valid YAML"
        indent = at[: len(at) - len(at.lstrip())]
        if "'\\t'" in problem or "\t" in indent:
            return DocumentError(where, "tabs are not allowed for indentation: indent with spaces")
        context = f" ({error.context})" if error.context else ""
        return DocumentError(where, f"is not valid YAML: {problem}{context}")
    return DocumentError(name, f"is not valid YAML: {str(error).splitlines()[0]}")


def load_yaml(text: str, name: str) -> object:
    """The value of the YAML document `text` (named `name` in errors); raises DocumentError."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_nodes(node, name)
        return cast("object", loader.construct_document(node))  # pyright: ignore[reportUnknownMemberType]
    except yaml.YAMLError as error:
        raise _yaml_problem(error, text, name) from None
    except _TooDeepError as error:
        raise DocumentError(f"{name}:{error.line}", f"is nested deeper than {MAX_DEPTH} levels") from None
    finally:
        loader.dispose()


def check_depth(value: object, name: str) -> None:
    """Refuse a parsed value nested deeper than MAX_DEPTH (iteratively: the check cannot overflow)."""
    pending: list[tuple[object, int]] = [(value, 1)]
    while pending:
        current, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise DocumentError(name, f"is nested deeper than {MAX_DEPTH} levels")
        if isinstance(current, dict):
            pending.extend((child, depth + 1) for child in cast("dict[object, object]", current).values())
        elif isinstance(current, list):
            pending.extend((child, depth + 1) for child in cast("list[object]", current))


def compose_yaml(text: str, name: str) -> yaml.Node | None:
    """The node tree of the YAML document `text`, each node with its marks (line and column in the
    text), as the loader reads it; raises DocumentError. For a document `load_yaml` has read (its depth
    and aliases already bounded)."""
    loader = _Loader(text)
    try:
        return loader.get_single_node()
    except yaml.YAMLError as error:
        raise _yaml_problem(error, text, name) from None
    finally:
        loader.dispose()


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"key {key!r} is given twice")
        result[key] = value
    return result


def load_json(text: str, name: str) -> object:
    """The value of the JSON document `text`, refusing a key given twice; raises DocumentError."""
    try:
        value: object = json.loads(text, object_pairs_hook=_unique_pairs)
    except json.JSONDecodeError as error:
        raise DocumentError(
            f"{name}:{error.lineno}:{error.colno}", f"is not valid JSON: {error.msg}"
        ) from None
    except ValueError as error:
        raise DocumentError(name, str(error)) from None
    except RecursionError:
        raise DocumentError(name, f"is nested deeper than {MAX_DEPTH} levels") from None
    check_depth(value, name)
    return value


def looks_like_json(text: str) -> bool:
    return text.lstrip().startswith(("{", "["))


def load_stack_file(path: Path) -> dict[str, Any]:
    """The `config:` map of a stack file, namespaced keys (a bare key is the project's, as in Pulumi)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(str(path), f"cannot be read ({error.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), "is not UTF-8 text") from None
    try:
        document: object = load_yaml(text, str(path)) or {}
    except DocumentError as error:
        raise ConfigError(error.where, error.message) from None
    if not isinstance(document, Mapping):
        raise ConfigError(str(path), "a stack file must be a mapping with a 'config' key")
    config: object = cast("Mapping[str, object]", document).get("config") or {}
    if not isinstance(config, Mapping):
        raise ConfigError(f"{path}: config", "must be a mapping")
    return {namespaced(str(k)): v for k, v in cast("Mapping[object, object]", config).items()}
