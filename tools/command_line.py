"""The command line that runs a tool again, as a tool prints it for its user to copy."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path


def interpreter(cwd: Path | None = None) -> str:
    """The Python running now, as a user would type it from `cwd` (default: the working directory).

    The tools need the project's dependencies, which only the venv has: a bare `python` outside the
    venv fails with ModuleNotFoundError. So the path is the interpreter's own (`sys.executable`, not
    resolved: the venv's `bin/python` is a link to the base interpreter, which lacks them), relative
    when it lies under `cwd` (`venv/bin/python` from the project directory)."""
    executable = Path(sys.executable or "python3")
    base = cwd or Path.cwd()
    try:
        return str(executable.relative_to(base))
    except ValueError:
        return str(executable)


def tool_command(command: str, *args: str) -> str:
    """`<interpreter> -m tools COMMAND ARGS`, quoted for a POSIX shell."""
    return shlex.join([interpreter(), "-m", "tools", command, *args])
