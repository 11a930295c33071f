"""The rendered policies as files: what `--policies-dir DIR` writes, one `NAME.xml` per policy."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tools.plan.model import Plan


def write_policies(plan: Plan, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    policies: Mapping[str, Any] = plan.outputs.get("policies") or {}
    for name, xml in sorted(policies.items()):
        path = directory / f"{name}.xml"
        path.write_text(str(xml), encoding="utf-8")
        written.append(path)
    return written
