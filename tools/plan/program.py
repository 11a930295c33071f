"""The program a plan runs: `__main__.py` with a stack file's configuration, under the offline engine."""

from __future__ import annotations

import errno
import re
import runpy
import stat
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from apim_oauth.config.errors import ConfigError, namespaced
from apim_oauth.config.reading import load_stack_file
from tools import stacks
from tools.plan.model import SECRET, Plan

PROJECT_DIR = Path(__file__).resolve().parents[2]
PROGRAM = PROJECT_DIR / "__main__.py"
STACKS_DIR = stacks.STACKS_DIR


def project_defaults() -> dict[str, Any]:
    """Defaults of the typed config keys declared in Pulumi.yaml, as namespaced keys."""
    project = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text(encoding="utf-8"))
    declared: Mapping[str, Any] = project.get("config") or {}
    return {
        namespaced(key): spec["default"]
        for key, spec in declared.items()
        if isinstance(spec, dict) and "default" in spec
    }


def load_config(stack_file: Path) -> dict[str, Any]:
    """The config the engine would hand the program: project defaults, then the stack file."""
    config = {**project_defaults(), **load_stack_file(stack_file)}
    # Encrypted values cannot be read offline; none of ours are secret, so show them as such.
    return {k: (SECRET if isinstance(v, dict) and "secure" in v else v) for k, v in config.items()}


def check_stack_file(stack_file: Path) -> None:
    """Raise ConfigError unless `stack_file` is a regular file (a FIFO would block the read forever),
    saying what it is instead."""
    try:
        mode = stack_file.stat().st_mode
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise ConfigError(str(stack_file), "is a loop of symbolic links, not a stack file") from None
        if error.errno in (errno.ENOENT, errno.ENOTDIR):
            raise ConfigError(str(stack_file), "no such stack file") from None
        raise ConfigError(
            str(stack_file), f"cannot be read ({error.strerror or type(error).__name__})"
        ) from None
    if stat.S_ISDIR(mode):
        raise ConfigError(str(stack_file), "is a directory, not a stack file")
    if not stat.S_ISREG(mode):
        raise ConfigError(
            str(stack_file), "is not a regular file (a FIFO, socket or device), not a stack file"
        )


def read_stack_config(stack_file: Path) -> dict[str, Any]:
    """`load_config`, with a missing or unparsable stack file raised as a ConfigError (exit 2)."""
    check_stack_file(stack_file)
    try:
        return load_config(stack_file)
    except yaml.YAMLError as error:
        raise ConfigError(str(stack_file), f"is not valid YAML: {str(error).splitlines()[0]}") from None


STACK_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
"""The Pulumi CLI's rule for a stack name: not empty, at most 100 characters, only alphanumerics,
hyphens, underscores and periods (pulumi/pulumi sdk/go/common/tokens/stack_name.go `ParseStackName`,
commit c8bf1862344e561754ea3ebb1c444c77ca7378c0). The name is part of every URN (`urn:pulumi:NAME::`),
so another would plan resources no engine could create, `::` would even split the URN."""


def check_stack_name(stack: str) -> None:
    """Raise ConfigError unless `stack` is a name the Pulumi CLI accepts."""
    if not STACK_NAME.fullmatch(stack):
        raise ConfigError(
            "--stack",
            f"{stack[:120]!r} is not a stack name the Pulumi CLI accepts: 1 to 100 characters, each a letter, "
            "digit, hyphen, underscore or period (pulumi/pulumi sdk/go/common/tokens/stack_name.go)",
        )


def compute_plan(stack: str, config: Mapping[str, Any]) -> Plan:
    """Run the real program under the offline engine; raises ConfigError before registering anything."""
    # Imported here: reading a stack file (a plan cache lookup) needs neither the models nor the engine.
    from apim_oauth.config.settings import parse
    from tools.plan.engine import run_program

    check_stack_name(stack)
    settings = parse(config, base_dir=PROJECT_DIR)
    if str(PROJECT_DIR) not in sys.path:
        sys.path.insert(0, str(PROJECT_DIR))

    def program() -> None:
        runpy.run_path(str(PROGRAM), run_name="__main__")

    return run_program(
        program,
        config=config,
        tenant_id=settings.tenant_id,
        cloud=settings.cloud,
        stack=stack,
    )
