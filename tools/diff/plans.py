"""The two plans a diff compares, as read from plan JSON (the contract in docs/offline-plan.md).

The current side is planned in this process; the base side is a saved plan JSON, or the stack planned
at a git ref by that tree's own `python -m tools plan`, so the code of that ref decides its plan.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from tools.diff.plan_schema import MAX_PLAN_BYTES, PlanShapeError, parse_plan
from tools.plan.cache import ENVIRONMENT_VARIABLE, cache_dir, planned
from tools.plan.plan_json import plan_json
from tools.plan.program import PROJECT_DIR


class BaseError(Exception):
    """The base plan cannot be had: a bad ref, an unreadable file, or the base tree failing to plan."""


@dataclass(frozen=True)
class Resource:
    """One resource of a plan JSON, its options defaulted where an older plan did not record them."""

    urn: str
    type: str
    name: str
    parent: str | None
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any]
    dependencies: tuple[str, ...]
    protect: bool = False
    retain_on_delete: bool = False
    delete_before_replace: bool = False
    ignore_changes: tuple[str, ...] = ()
    replace_on_changes: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

    @property
    def custom(self) -> bool:
        """A cloud resource, not a component (components have no provider package in their type)."""
        return not self.type.startswith("apim-oauth:")


@dataclass(frozen=True)
class PlanDocument:
    resources: dict[str, Resource] = field(default_factory=dict[str, Resource])
    outputs: Mapping[str, Any] = field(default_factory=dict[str, Any])
    description: str = ""
    """Where it came from, for the report: `git ref main (abc1234)`, `plan file x.json`, ..."""


_MOCK_ROOT = "::pulumi:pulumi:Stack$"


def _engine_urns(raws: list[dict[str, Any]]) -> dict[str, str]:
    """Old URN -> the engine's URN, for a plan written before the offline engine formed URNs as the
    engine does: the SDK's mock monitor qualified a type with its parent's last type only and put
    the stack's type before top-level ones (`pulumi/runtime/mocks.py`, `make_urn`)."""
    by_urn = {str(r["urn"]): r for r in raws}
    renamed: dict[str, str] = {}

    def engine_urn(urn: str) -> str:
        if urn in renamed:
            return renamed[urn]
        raw = by_urn[urn]
        parent = raw.get("parent")
        stack, project = urn.split("::")[:2]
        if parent and parent in by_urn:
            new = f"{engine_urn(parent)[: engine_urn(parent).rindex('::')]}${raw['type']}::{raw['name']}"
        else:
            new = f"{stack}::{project}::{raw['type']}::{raw['name']}"
        renamed[urn] = new
        return new

    for urn in by_urn:
        engine_urn(urn)
    return renamed


def _renamed(raw: dict[str, Any], renamed: Mapping[str, str]) -> dict[str, Any]:
    parent = raw.get("parent")
    dependencies = cast("list[str]", raw.get("dependencies") or [])
    return {
        **raw,
        "urn": renamed[str(raw["urn"])],
        "parent": renamed.get(str(parent), parent) if parent else None,
        "dependencies": [renamed.get(d, d) for d in dependencies],
    }


def from_json(document: Mapping[str, Any], description: str) -> PlanDocument:
    resources: dict[str, Resource] = {}
    raws = cast("list[dict[str, Any]]", document.get("resources") or [])
    if any(_MOCK_ROOT in str(r.get("urn", "")) for r in raws):
        renamed = _engine_urns(raws)
        raws = [_renamed(r, renamed) for r in raws]
    for raw in raws:
        options = cast("dict[str, Any]", raw.get("options") or {})
        resource = Resource(
            urn=str(raw["urn"]),
            type=str(raw["type"]),
            name=str(raw["name"]),
            parent=raw.get("parent"),
            inputs=cast("dict[str, Any]", raw.get("inputs") or {}),
            outputs=cast("dict[str, Any]", raw.get("outputs") or {}),
            dependencies=tuple(raw.get("dependencies") or ()),
            protect=bool(options.get("protect", False)),
            retain_on_delete=bool(options.get("retainOnDelete", False)),
            delete_before_replace=bool(options.get("deleteBeforeReplace", False)),
            ignore_changes=tuple(options.get("ignoreChanges") or ()),
            replace_on_changes=tuple(options.get("replaceOnChanges") or ()),
            aliases=tuple(options.get("aliases") or ()),
        )
        resources[resource.urn] = resource
    return PlanDocument(resources, cast("dict[str, Any]", document.get("outputs") or {}), description)


def read_plan_file(path: Path) -> PlanDocument:
    """A saved plan JSON, checked against the shape `plan --json` writes before it is used."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_PLAN_BYTES + 1)
    except OSError as error:
        raise BaseError(
            f"{path}: not a readable plan JSON ({error.strerror or type(error).__name__})"
        ) from None
    if len(data) > MAX_PLAN_BYTES:
        raise BaseError(f"{path}: larger than {MAX_PLAN_BYTES} bytes, not a plan JSON")
    try:
        document = parse_plan(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise BaseError(f"{path}: not a readable plan JSON (not UTF-8)") from None
    except PlanShapeError as error:
        raise BaseError(f"{path}: {error}") from None
    return from_json(document, f"plan file {path}")


def current_plan(stack: str, stack_file: Path) -> PlanDocument:
    """The stack planned by this checkout's code; raises ConfigError on a bad stack file."""
    plan = planned(stack, stack_file)
    return from_json(json.loads(plan_json(plan)), f"this checkout ({stack_file.name})")


def _git_executable() -> str:
    found = shutil.which("git")
    if found is None:
        raise BaseError("git is not installed; pass --base-plan FILE instead of a git ref")
    return found


def _git(*args: str) -> str:
    result = subprocess.run(  # noqa: S603 - a fixed argv, no shell; refs are checked before
        [_git_executable(), "-C", str(PROJECT_DIR), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if result.returncode != 0:
        raise BaseError(f"git {' '.join(args)}: {result.stderr.strip().splitlines()[-1:] or ['failed']}")
    return result.stdout.strip()


def default_base() -> str:
    """The merge base of HEAD with main (or origin/main, as a CI checkout has it)."""
    for main in ("main", "origin/main"):
        try:
            return _git("merge-base", "HEAD", main)
        except BaseError:
            continue
    raise BaseError("no merge base of HEAD with main or origin/main; name one with --base or --base-plan")


def plan_at_ref(stack: str, ref: str) -> PlanDocument:
    """The stack planned by the code and stack file of `ref`, in an exported copy of that tree.

    The copy runs its own `python -m tools plan --json` with this interpreter (the dependencies of the
    current checkout): a base whose code needs other dependencies may fail, and says so.
    """
    if ref.startswith("-"):
        raise BaseError(f"{ref}: not a git ref")
    try:
        commit = _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except BaseError:
        raise BaseError(f"{ref}: no such commit, branch or tag in this repository") from None
    label = f"git ref {ref} ({commit[:12]})"
    archive = subprocess.run(  # noqa: S603 - a fixed argv, no shell
        [_git_executable(), "-C", str(PROJECT_DIR), "archive", "--format=tar", commit],
        capture_output=True,
        check=False,
        timeout=120,
    )
    if archive.returncode != 0:
        raise BaseError(f"git archive {ref}: {archive.stderr.decode(errors='replace').strip()}")
    with tempfile.TemporaryDirectory(prefix="apim-oauth-base-") as directory:
        tree = Path(directory)
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(tree, filter="data")
        if not (tree / "stacks" / f"Pulumi.{stack}.yaml").is_file():
            return PlanDocument(description=f"{label}: no stack {stack} there, so everything is new")
        out = tree / "base-plan.json"
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        # The base's plans go in this checkout's cache: its key is the base's own files, so a base
        # planned before (the same commit, or one whose program and stack file are the same) is read.
        env[ENVIRONMENT_VARIABLE] = str(cache_dir())
        result = subprocess.run(  # noqa: S603 - this interpreter, a fixed argv, no shell
            [sys.executable, "-m", "tools", "plan", "--stack", stack, "--json", str(out)],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=900,
        )
        if result.returncode != 0 or not out.is_file():
            last = (result.stderr.strip().splitlines() or ["no message"])[-1]
            raise BaseError(f"planning {stack} at {label} failed: {last}")
        document = read_plan_file(out)
    return PlanDocument(document.resources, document.outputs, label)
