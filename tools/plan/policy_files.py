"""The rendered policies as files: what `--policies-dir DIR` writes, one `NAME.xml` per policy."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tools.output_files import make_directory, write_file
from tools.plan.model import Plan


def write_policies(plan: Plan, directory: Path) -> list[Path]:
    """Raises OutputError (never follows a link already in `directory`)."""
    make_directory(directory, "--policies-dir")
    written: list[Path] = []
    policies: Mapping[str, Any] = plan.outputs.get("policies") or {}
    for name, xml in sorted(policies.items()):
        path = directory / f"{name}.xml"
        write_file(path, str(xml), "policy file")
        written.append(path)
    return written
