"""Hostile and broken input to the tools: one line naming the input at fault and exit 2, never a
traceback, a hang, or a file written where it was not asked for."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.fixture_stacks import DEV_FILE
from tools.__main__ import main
from tools.check_token.claims import token_facts
from tools.output_files import OutputError, write_file


def one_error_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    code = main(argv)
    captured = capsys.readouterr()
    assert (code, captured.out) == (2, "")
    assert captured.err.count("\n") == 1
    assert "Traceback" not in captured.err
    return captured.err


@pytest.fixture
def odd_files(tmp_path: Path) -> dict[str, Path]:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    return {"directory": tmp_path, "fifo": fifo, "loop": loop, "missing": tmp_path / "missing.yaml"}


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("directory", "is a directory, not a stack file"),
        ("fifo", "is not a regular file (a FIFO, socket or device), not a stack file"),
        ("loop", "is a loop of symbolic links, not a stack file"),
        ("missing", "no such stack file"),
    ],
)
@pytest.mark.parametrize("command", ["plan", "diff"])
def test_a_config_that_is_no_file_says_what_it_is(
    capsys: pytest.CaptureFixture[str], odd_files: dict[str, Path], kind: str, message: str, command: str
) -> None:
    err = one_error_line(capsys, [command, "--stack", "x", "--config", str(odd_files[kind])])
    assert err == f"config error: {odd_files[kind]}: {message}\n"


@pytest.mark.parametrize("name", ["a::b", "", "dev/prod", "x" * 101, "dév"])
def test_a_stack_name_the_pulumi_cli_refuses_is_refused(
    capsys: pytest.CaptureFixture[str], name: str
) -> None:
    err = one_error_line(capsys, ["plan", "--stack", name, "--config", str(DEV_FILE)])
    assert err.startswith("config error: --stack: ")
    assert "not a stack name the Pulumi CLI accepts" in err
    assert "pulumi/pulumi sdk/go/common/tokens/stack_name.go" in err


def test_files_are_never_written_through_a_link_a_fifo_or_to_a_directory(
    tmp_path: Path, odd_files: dict[str, Path]
) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(victim)
    for target, why in [
        (link, "it is a symbolic link (or a loop of them): not written through"),
        (odd_files["loop"], "it is a symbolic link (or a loop of them): not written through"),
        (odd_files["fifo"], "it is a FIFO or socket nobody reads"),
        (tmp_path, "Is a directory"),
        (tmp_path / "no-such-dir" / "out.json", "No such file or directory"),
    ]:
        with pytest.raises(OutputError) as raised:
            write_file(target, "{}", "--json file")
        assert str(raised.value) == f"cannot write --json file {target}: {why}"
    assert victim.read_text(encoding="utf-8") == "keep"
    fresh = tmp_path / "fresh.json"
    write_file(fresh, "long content", "--json file")
    write_file(fresh, "short", "--json file")
    assert fresh.read_text(encoding="utf-8") == "short"


def test_check_token_json_to_an_unwritable_path_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    policy = tmp_path / "p.xml"
    policy.write_text(
        '<validate-jwt header-name="Authorization"><audiences><audience>a</audience></audiences></validate-jwt>'
    )
    for target in ("/proc/version", str(tmp_path / "missing" / "out.json"), str(tmp_path)):
        err = one_error_line(
            capsys, ["check-token", "--policy", str(policy), "--token", "x.y.z", "--json", target]
        )
        assert err.startswith(f"check-token: error: cannot write --json file {target}: ")
        assert "None" not in err


def test_an_exp_of_2_63_minus_1_is_printed_exactly() -> None:
    facts = dict(token_facts({"exp": 2**63 - 1}, 1_790_812_800))
    assert facts["lifetime"].endswith("(UNIX time 9223372036854775807)")


def test_an_unexpected_error_is_one_line_naming_the_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RecursionError("secret detail")

    monkeypatch.setattr("tools.plan.cache.planned", broken)
    err = one_error_line(capsys, ["plan", "--stack", "x", "--config", str(DEV_FILE)])
    assert err == f"plan: error: --config {DEV_FILE} could not be processed (RecursionError)\n"
