"""Install the locked dependencies into venv/: what `make plan` and `make test` run first.

    python3 tools/install.py runtime|dev|lock [--python PYTHON] [--pip]

Runs with any Python 3.11 and nothing else installed (standard library only), before venv/ exists.

- With uv: `uv sync --locked` installs exactly the set in uv.lock into venv/ (the environment
  Pulumi.yaml names, so `pulumi up` with `toolchain: uv` runs in the same one). `runtime` leaves
  out the `dev` group and removes nothing (`--inexact`: a later `make plan` keeps the test tools);
  `dev` syncs exactly. The uv used is the one on PATH if it is UV_VERSION, else a copy of
  UV_VERSION installed with pip into .tools/uv (once).
- Fallback, with `--pip` or when uv cannot be installed: pip installs the same lock, exported with
  hashes into requirements/runtime.txt or requirements/dev.txt (`make lock` writes them; a test
  checks they match uv.lock).
- `lock` (`make lock`, after editing the dependencies in pyproject.toml): `uv lock`, then the two
  exports.

After either, the project's own sources and every module they import are compiled to bytecode:
with `PYTHONDONTWRITEBYTECODE` set (common in CI images) Python never writes a `.pyc`, so without
this every run would compile the Pulumi SDKs from source again (a `make plan` 3.2 s instead of
1.9 s). uv does not compile by default
(https://docs.astral.sh/uv/reference/settings/#compile-bytecode), and its `--compile-bytecode`
compiles every installed module: over 6,000 of pulumi_azure_native's, of which the program imports a
few dozen, which cost a fresh install about 22 s of CPU. Importing the project's modules once with
bytecode writing on compiles exactly what the tools load.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

UV_VERSION = "0.13.9"
"""The uv that installs and locks; the workflows' astral-sh/setup-uv asks for the same version."""
ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / "venv"
BOOTSTRAP = ROOT / ".tools" / "uv"
EXPORTS = {"runtime": ROOT / "requirements" / "runtime.txt", "dev": ROOT / "requirements" / "dev.txt"}
SOURCES = ("__main__.py", "apim_oauth", "tools")
"""The project's own Python, compiled after each install (`compileall` skips what is up to date)."""


def _say(message: str) -> None:
    print(f"install: {message}", file=sys.stderr, flush=True)


def _version_of(uv: str) -> str | None:
    try:
        done = subprocess.run([uv, "--version"], capture_output=True, text=True, check=False, timeout=30)
    except OSError:
        return None
    words = done.stdout.split()
    return words[1] if done.returncode == 0 and len(words) > 1 else None


def find_uv(python: str) -> str | None:
    """A uv of UV_VERSION: on PATH, in .tools/uv, or installed there now; None if pip cannot get it."""
    on_path = shutil.which("uv")
    if on_path and _version_of(on_path) == UV_VERSION:
        return on_path
    local = BOOTSTRAP / "bin" / "uv"
    if local.exists() and _version_of(str(local)) == UV_VERSION:
        return str(local)
    _say(f"installing uv {UV_VERSION} into {BOOTSTRAP.relative_to(ROOT)}")
    steps = (
        [python, "-m", "venv", "--clear", str(BOOTSTRAP)],
        [str(BOOTSTRAP / "bin" / "python"), "-m", "pip", "install", "--quiet", f"uv=={UV_VERSION}"],
    )
    for step in steps:
        if subprocess.run(step, check=False).returncode != 0:
            return None
    return str(local) if _version_of(str(local)) == UV_VERSION else None


def install_with_uv(uv: str, group: str, python: str) -> int:
    command = [uv, "sync", "--locked", "--python", python]
    command += ["--no-dev", "--inexact"] if group == "runtime" else []
    environment = {
        **os.environ,
        # Pulumi's uv toolchain sets the same variable from Pulumi.yaml's `virtualenv`.
        "UV_PROJECT_ENVIRONMENT": str(VENV),
        # Only the given interpreter: uv's managed Pythons come from outside the package index.
        "UV_PYTHON_DOWNLOADS": "never",
    }
    return subprocess.run(command, cwd=ROOT, env=environment, check=False).returncode


def install_with_pip(group: str, python: str) -> int:
    venv_python = VENV / "bin" / "python"
    if not venv_python.exists() and subprocess.run([python, "-m", "venv", str(VENV)], check=False).returncode:
        return 1
    # A venv that uv created has no pip.
    has_pip = subprocess.run([venv_python, "-m", "pip", "--version"], capture_output=True, check=False)
    if (
        has_pip.returncode
        and subprocess.run([venv_python, "-m", "ensurepip", "--default-pip"], check=False).returncode
    ):
        return 1
    # --no-deps: the export lists every package of the lock, each with its hashes.
    command = [venv_python, "-m", "pip", "install", "--quiet", "--compile", "--require-hashes", "--no-deps"]
    return subprocess.run([*command, "-r", str(EXPORTS[group])], cwd=ROOT, check=False).returncode


def lock(uv: str) -> int:
    exports = {"runtime": ["--no-dev"], "dev": []}
    commands = [[uv, "lock"]] + [
        [
            uv,
            "export",
            "--quiet",
            "--frozen",
            "--no-emit-project",
            *options,
            "--output-file",
            str(EXPORTS[group].relative_to(ROOT)),
        ]
        for group, options in exports.items()
    ]
    for command in commands:
        if subprocess.run(command, cwd=ROOT, check=False).returncode:
            return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tools/install.py", description="Install the locked dependencies into venv/."
    )
    parser.add_argument(
        "group",
        choices=[*EXPORTS, "lock"],
        help="runtime: the program's dependencies; dev: also the test tools; lock: re-lock and export",
    )
    parser.add_argument("--python", default=sys.executable, help="interpreter of venv/ (default: this one)")
    parser.add_argument("--pip", action="store_true", help="install with pip from requirements/, not uv")
    args = parser.parse_args(argv)
    uv = None if args.pip else find_uv(args.python)
    if args.group == "lock":
        if uv is None:
            _say("locking needs uv")
            return 1
        return lock(uv)
    if uv is not None:
        done = install_with_uv(uv, args.group, args.python)
    else:
        if not args.pip:
            _say("uv could not be installed: falling back to pip with the exported lock")
        done = install_with_pip(args.group, args.python)
    return done or compile_sources()


def compile_sources() -> int:
    """Bytecode for the project's own modules and for every module they import, nothing more."""
    python = str(VENV / "bin" / "python")
    if subprocess.run([python, "-m", "compileall", "-q", "-j0", *SOURCES], cwd=ROOT, check=False).returncode:
        return 1
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([python, "-c", _IMPORT_ALL], cwd=ROOT, env=environment, check=False)
    return 0  # best effort: a module that cannot be imported here is compiled when first run


# Imports every module of the given packages; one that fails (e.g. it needs the dev group) is skipped.
_IMPORT_ALL = """
import importlib, pkgutil
for package in ("apim_oauth", "tools"):
    root = importlib.import_module(package)
    for module in pkgutil.walk_packages(root.__path__, package + "."):
        if module.name.endswith("__main__"):
            continue
        try:
            importlib.import_module(module.name)
        except BaseException:
            pass
"""


if __name__ == "__main__":
    sys.exit(main())
