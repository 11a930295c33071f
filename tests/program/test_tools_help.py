"""`python -m tools --help`: the commands, one line each, and nothing that points outside the repository."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tools.__main__ import COMMANDS

ROOT = Path(__file__).resolve().parents[2]


def _help() -> str:
    done = subprocess.run(
        [sys.executable, "-m", "tools", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        # A wide terminal must not be what keeps each command on one line.
        env={"COLUMNS": "80", "PATH": ""},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.slow  # a fresh interpreter per command line
def test_help_lists_each_command_with_its_purpose_on_one_line() -> None:
    lines = _help().splitlines()
    for command, (_, purpose) in COMMANDS.items():
        assert any(
            re.fullmatch(rf"\s+{re.escape(command)}\s+{re.escape(purpose)}", line) for line in lines
        ), command


@pytest.mark.slow  # a fresh interpreter per command line
def test_help_names_no_file_outside_the_repository() -> None:
    text = _help()
    for path in re.findall(r"[\w./-]+\.(?:md|py|ya?ml|json|txt)\b|[\w.-]+/[\w./-]*", text):
        assert (ROOT / path).exists(), f"--help names {path!r}, which is not in the repository"
