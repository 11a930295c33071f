"""Installing: uv from the lock, the pip fallback from the exported lock, both from a fresh clone."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from bench.fresh_clone import clean_environment, copy_repository
from tools import install

ROOT = Path(__file__).resolve().parents[2]
UV = Path(sys.executable).parent / "uv"


def _uv(*args: str) -> str:
    done = subprocess.run(
        [str(UV), *args], cwd=ROOT, capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _locked_versions() -> dict[str, str]:
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    return {p["name"]: p["version"] for p in lock["package"] if "source" in p and "registry" in p["source"]}


def test_the_uv_in_the_dev_group_is_the_one_the_makefile_bootstraps() -> None:
    assert _locked_versions()["uv"] == install.UV_VERSION


@pytest.mark.parametrize("group", sorted(install.EXPORTS))
def test_the_pip_fallback_installs_exactly_the_lock(group: str) -> None:
    options = ["--no-dev"] if group == "runtime" else []
    expected = _uv("export", "--quiet", "--frozen", "--no-emit-project", *options)
    # The header's second line names the command, which names the output file: compare the rest.
    header = 2
    written = install.EXPORTS[group].read_text(encoding="utf-8").splitlines()[header:]
    assert written == expected.splitlines()[header:], "run `make lock`"


def test_the_lock_matches_pyproject() -> None:
    # --locked: fails where pyproject.toml and uv.lock disagree (a dependency edited without `make lock`).
    _uv("lock", "--locked", "--offline")


def test_pulumi_runs_the_program_with_uv_in_the_venv_the_makefile_fills() -> None:
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text(encoding="utf-8"))
    assert project["runtime"]["options"] == {"toolchain": "uv", "virtualenv": "venv"}
    assert install.VENV == ROOT / "venv"


def test_without_uv_the_install_falls_back_to_pip(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, str]] = []

    def no_uv(python: str) -> None:
        return None

    def with_uv(uv: str, group: str, python: str) -> int:
        pytest.fail("uv was not found")

    def with_pip(group: str, python: str) -> int:
        calls.append((group, python))
        return 0

    monkeypatch.setattr(install, "find_uv", no_uv)
    monkeypatch.setattr(install, "install_with_uv", with_uv)
    monkeypatch.setattr(install, "install_with_pip", with_pip)
    monkeypatch.setattr(install, "compile_sources", lambda: 0)
    assert install.main(["runtime", "--python", "python3"]) == 0
    assert calls == [("runtime", "python3")]


def _plan_in_fresh_clone(tmp_path: Path, *make_args: str) -> tuple[Path, str]:
    project = copy_repository(tmp_path / "apim-oauth")
    done = subprocess.run(
        ["make", "--no-print-directory", "plan", "STACK=prod", *make_args],
        cwd=project,
        env=clean_environment(),
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return project, done.stdout


def _installed(project: Path) -> dict[str, str]:
    script = "import importlib.metadata as m, json; print(json.dumps({d.name: d.version for d in m.distributions()}))"
    done = subprocess.run(
        [str(project / "venv" / "bin" / "python"), "-c", script],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    found: dict[str, str] = json.loads(done.stdout)
    return {name.lower().replace("_", "-").replace(".", "-"): version for name, version in found.items()}


def _runtime_lock() -> dict[str, str]:
    text = install.EXPORTS["runtime"].read_text(encoding="utf-8")
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)", text, re.MULTILINE)
    assert len(pins) > 20
    return {name.lower().replace("_", "-").replace(".", "-"): version for name, version in pins}


@pytest.mark.slow
def test_make_plan_with_a_stack_in_a_fresh_clone_plans_that_stack(tmp_path: Path) -> None:
    project, printed = _plan_in_fresh_clone(tmp_path)
    assert '"gatewayUrl": "https://apim-oauth-prod.azure-api.net"' in printed
    # prod protects its APIM service (stacks/Pulumi.prod.yaml), dev does not: this is the prod plan.
    assert re.search(r"azure-native:apimanagement:ApiManagementService \S+ \[protect\]", printed)
    installed = _installed(project)
    assert "pytest" not in installed, "make plan installs the runtime set only"
    for name, version in _runtime_lock().items():
        assert installed.get(name) == version, name


@pytest.mark.slow
def test_the_pip_fallback_plans_from_a_fresh_clone(tmp_path: Path) -> None:
    project, printed = _plan_in_fresh_clone(tmp_path, "PIP=1")
    assert '"gatewayUrl": "https://apim-oauth-prod.azure-api.net"' in printed
    assert not (project / ".tools").exists(), "PIP=1 must not touch uv"
    installed = _installed(project)
    for name, version in _runtime_lock().items():
        assert installed.get(name) == version, name
