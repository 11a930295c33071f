"""The stacks of this project: one per `stacks/Pulumi.<name>.yaml`, found, never listed by hand.

    python3 tools/stacks.py    # prints ["china","dev","prod"]: the preview workflow's stack matrix

Standard library only, so a workflow job can run it right after checkout, before any install.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

STACKS_DIR = Path(__file__).resolve().parents[1] / "stacks"
# Pulumi's rule for a stack name (alphanumerics, hyphens, underscores, periods); the name also
# becomes a GitHub environment name (`preview-<stack>`), so nothing else may come through.
STACK_NAME = re.compile(r"[A-Za-z0-9_.-]+")
PREFIX, SUFFIX = "Pulumi.", ".yaml"


def stack_names(directory: Path = STACKS_DIR) -> list[str]:
    """Every stack with a file in `directory`, sorted; ValueError for a file name Pulumi would refuse."""
    names = sorted(p.name[len(PREFIX) : -len(SUFFIX)] for p in directory.glob(f"{PREFIX}*{SUFFIX}"))
    for name in names:
        if not STACK_NAME.fullmatch(name):
            raise ValueError(f"{PREFIX}{name}{SUFFIX}: {name!r} is not a valid stack name")
    return names


def main() -> int:
    try:
        names = stack_names()
    except ValueError as error:
        print(f"stacks: {error}", file=sys.stderr)
        return 2
    print(json.dumps(names, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
