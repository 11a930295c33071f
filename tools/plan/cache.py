"""Plans kept on disk, so a tool asked about a stack already planned answers at once, never stale.

A plan is a pure function of what the key hashes: the stack's name, its configuration (the stack
file with Pulumi.yaml's defaults), the files the configuration names (OpenAPI documents), the
program's sources (`__main__.py`, `apim_oauth/`, `apis/`, the offline engine in `tools/plan/`), the
lock and the installed Pulumi SDKs. Change any of them and the key changes: an entry is never read
for another input, so nothing is ever invalidated by hand. The engine fabricates every ID from names
(tools/plan/mocks.py), never from the clock or a random source, which is what makes this sound.

Directory: `.cache/apim-oauth/plans/` in the project (git ignores it), or `$APIM_OAUTH_PLAN_CACHE`.
An entry that cannot be read or parsed is ignored (and replaced); a directory that cannot be written
means no caching, never a failure.

Secrets: no secret's value is written. The plans hold none that matter (secure config values are
already `[secret]`, and the engine's fabricated client secrets are hashes of names), but every value
marked secret is stored as a secret `[secret]`: the tools print secrets as `[secret]` and read none.
The one exception is opt-in: `plan_of`'s store (tools/plan/testing.py, `whole=True`) keeps those
fabricated values, which tests of the program check.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any, cast

from apim_oauth.config.errors import ConfigError
from apim_oauth.config.locations import locate
from tools.plan import sdk
from tools.plan.model import SECRET, Plan, RecordedAlias, RecordedResource
from tools.plan.program import PROJECT_DIR, check_stack_name, compute_plan, read_stack_config

ENVIRONMENT_VARIABLE = "APIM_OAUTH_PLAN_CACHE"
DEFAULT_DIR = PROJECT_DIR / ".cache" / "apim-oauth" / "plans"
FORMAT = "apim-oauth plan cache 1"
"""Changed whenever what an entry holds changes: old entries then never match."""
SOURCES = ("__main__.py", "Pulumi.yaml", "uv.lock", "apim_oauth", "apis", "tools/plan")
SDKS = ("pulumi", "pulumi-azure-native", "pulumi-azuread")
MAX_ENTRIES = 64
"""Oldest entries beyond this many are removed when one is written."""


def cache_dir() -> Path:
    return Path(os.environ.get(ENVIRONMENT_VARIABLE) or DEFAULT_DIR)


def planned(stack: str, stack_file: Path) -> Plan:
    """The plan of `stack` from `stack_file`: from the cache, or computed and kept.

    ConfigError (exit 2) as `compute_plan` raises it, at its line of `stack_file`; failures are never
    cached.
    """
    config = read_stack_config(stack_file)
    check_stack_name(stack)  # before the cache: the name is part of every URN a cached plan holds
    key = plan_key(stack, config)
    found = load(key)
    if found is not None:
        return found
    try:
        plan = compute_plan(stack, config)
    except ConfigError as error:
        raise locate(error, config, stack_file) from None
    store(key, plan)
    return plan


def plan_key(stack: str, config: Mapping[str, Any], project_dir: Path = PROJECT_DIR) -> str:
    project_dir = project_dir.resolve()
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    add("format", FORMAT.encode())
    add("python", sys.version.encode())
    add("stack", stack.encode())
    add("config", json.dumps(_keyed_by_text(config), sort_keys=True, default=repr).encode())
    for name in SDKS:
        add(f"sdk {name}", _installed_version(name).encode())
    for path in sorted({*_source_files(project_dir), *_named_files(config, project_dir)}):
        add(str(path.relative_to(project_dir)), path.read_bytes())
    return digest.hexdigest()


def load(key: str, directory: Path | None = None) -> Plan | None:
    """The plan kept under `key` (in `directory`, default the cache's), or None: missing, unreadable,
    corrupt or of another format."""
    path = (directory or cache_dir()) / f"{key}.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document["format"] != FORMAT or document["key"] != key:
            return None
        plan = _plan_of(document["plan"])
        os.utime(path)  # a hit is recent use: pruning keeps the entries last used, not last written
        return plan
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def store(key: str, plan: Plan, *, directory: Path | None = None, whole: bool = False) -> None:
    """Keep `plan` under `key` (in `directory`, default the cache's); a plan with values JSON cannot
    hold, or an unwritable directory, is not kept (the next run computes it again). `whole`: keep
    secret values too (only for `plan_of`'s opt-in store, see tools/plan/testing.py)."""
    try:
        data = _data_of(plan, mask=(lambda v: v) if whole else masked)
        text = json.dumps({"format": FORMAT, "key": key, "plan": data}, sort_keys=True)
    except (TypeError, ValueError):
        return
    directory = directory or cache_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        partial = directory / f".{key}.{os.getpid()}.partial"
        partial.write_text(text, encoding="utf-8")
        partial.replace(directory / f"{key}.json")  # atomic: a reader sees all of an entry or none
        _prune(directory)
    except OSError:
        return


def masked(value: Any) -> Any:
    """`value` with each secret's value replaced by `[secret]`, still marked secret."""
    if sdk.is_secret(value):
        return sdk.wrap_secret(SECRET)
    if isinstance(value, Mapping):
        return {k: masked(v) for k, v in cast("Mapping[str, Any]", value).items()}
    if isinstance(value, list | tuple):
        return [masked(v) for v in cast("list[Any]", value)]
    return value


def _data_of(plan: Plan, mask: Callable[[Any], Any]) -> dict[str, Any]:
    resources: list[dict[str, Any]] = []
    for resource in plan.resources:
        data = dataclasses.asdict(resource)
        data["inputs"], data["outputs"] = mask(resource.inputs), mask(resource.outputs)
        data["secret_outputs"] = sorted(resource.secret_outputs)
        resources.append(data)
    return {"resources": resources, "outputs": mask(plan.outputs), "invokes": plan.invokes}


def _plan_of(data: Mapping[str, Any]) -> Plan:
    resources: list[RecordedResource] = []
    for raw in data["resources"]:
        fields = dict(cast("Mapping[str, Any]", raw))
        fields["aliases"] = tuple(RecordedAlias(**a) for a in fields["aliases"])
        fields["secret_outputs"] = frozenset(fields["secret_outputs"])
        for name in ("ignore_changes", "replace_on_changes", "depends_on", "alias_urns"):
            fields[name] = tuple(fields[name])
        resources.append(RecordedResource(**fields))
    return Plan(resources=resources, outputs=dict(data["outputs"]), invokes=list(data["invokes"]))


def _keyed_by_text(value: Any) -> Any:
    """`value` with every mapping key text (YAML allows `1:` beside `name:`), typed so 1 is not "1"."""
    if isinstance(value, Mapping):
        items = cast("Mapping[Any, Any]", value).items()
        return {f"{type(k).__name__}:{k}": _keyed_by_text(v) for k, v in items}
    if isinstance(value, list | tuple):
        return [_keyed_by_text(v) for v in cast("list[Any]", value)]
    return value


def _source_files(project_dir: Path) -> Iterator[Path]:
    for name in SOURCES:
        path = project_dir / name
        if path.is_file():
            yield path
        elif path.is_dir():
            yield from (p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def _named_files(value: Any, project_dir: Path) -> Iterator[Path]:
    """Files in the project a configuration value names (an API's `openApi` document, say)."""
    if isinstance(value, Mapping):
        for item in cast("Mapping[str, Any]", value).values():
            yield from _named_files(item, project_dir)
    elif isinstance(value, list):
        for item in cast("list[Any]", value):
            yield from _named_files(item, project_dir)
    elif isinstance(value, str) and "\n" not in value and len(value) < 4096:
        try:
            path = (project_dir / value).resolve()
            if path.is_file() and path.is_relative_to(project_dir.resolve()):
                yield path
        except (OSError, ValueError):
            return


def _installed_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _prune(directory: Path) -> None:
    entries = sorted(directory.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in entries[MAX_ENTRIES:]:
        stale.unlink(missing_ok=True)
