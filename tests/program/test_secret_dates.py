"""Client secret dates against a clock set for the test (`--now`): `plan` and `diff` warn of a secret that
has expired, expires within 30 days or is not yet valid, naming the client, the slot and the date;
`diff` refuses a secret the change would create already expired; the plan itself never changes with
the clock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.fixture_stacks import DEV, DEV_FILE
from tools.__main__ import main
from tools.plan.secret_dates import SlotDates, moment

DEV_TEXT = DEV_FILE.read_text(encoding="utf-8")
# fixture-dev: billing-daemon blue 2026-09-01 and green 2026-11-01, 180 days (ends 2027-02-28 and
# 2027-04-30); web-portal blue and the portal's sign-in app blue 2026-11-01 (180 days by default).
BILLING_BLUE_ENDS = "2027-02-28"
NEW_CLIENT = """\
  apim-oauth:clients:
    - name: late-daemon
      displayName: Late daemon
      products: [partners]
      secret:
        slots:
          blue: {date}
"""


def slot(rotated: str, validity_days: int = 180) -> SlotDates:
    return SlotDates(
        "client c",
        "C",
        "apim-oauth:clients[c].secret.slots.blue",
        "blue",
        dt.date.fromisoformat(rotated),
        validity_days,
    )


def at(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso).replace(tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-05-30T23:59:59", None),
        (
            "2026-06-29T00:00:00",
            "client c, secret slot blue: expires on 2026-06-30, in 1 day: rotate it before then",
        ),
        (
            "2026-05-31T00:00:00",
            "client c, secret slot blue: expires on 2026-06-30, in 30 days: rotate it before then",
        ),
        (
            "2026-06-30T00:00:00",
            "client c, secret slot blue: expired on 2026-06-30; its secret no longer works: rotate it (set the slot's date to today)",
        ),
        (
            "2025-12-31T23:59:59",
            "client c, secret slot blue: not valid until 2026-01-01 (its date is ahead of the clock): callers cannot use it yet",
        ),
    ],
    ids=[
        "valid a second before the 30 days",
        "one day left",
        "thirty days left",
        "expired at midnight",
        "a second early",
    ],
)
def test_a_slot_at_fixed_clocks(now: str, expected: str | None) -> None:
    # 2026-01-01 + 180 days: the secret ends 2026-06-30T00:00:00Z, as the program sets endDate.
    assert slot("2026-01-01").warning(at(now)) == expected


def test_now_takes_unix_seconds_and_iso_8601_like_check_token() -> None:
    assert moment(1_790_812_800) == at("2026-10-01T00:00:00")


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _stack(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_plan_warns_on_stderr_and_its_output_does_not_depend_on_the_clock(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["plan", "--stack", DEV, "--config", str(DEV_FILE)]
    code, calm, quiet = _run([*args, "--now", "2026-12-01T00:00:00Z"], capsys)
    assert (code, quiet) == (0, "")
    code, out, err = _run([*args, "--now", "2027-02-10T00:00:00Z"], capsys)
    assert code == 0
    assert out == calm
    assert err.splitlines() == [
        f"warning: client billing-daemon, secret slot blue: expires on {BILLING_BLUE_ENDS}, in 18 days: rotate it before then"
    ]
    code, _, err = _run([*args, "--now", "2027-03-01"], capsys)
    assert code == 0
    assert f"warning: client billing-daemon, secret slot blue: expired on {BILLING_BLUE_ENDS}" in err
    code, _, err = _run([*args, "--now", str(int(at("2026-10-15T00:00:00").timestamp()))], capsys)
    assert "warning: developer portal sign-in, secret slot blue: not valid until 2026-11-01" in err
    assert "warning: client web-portal, secret slot blue: not valid until 2026-11-01" in err


def test_plan_alone_warns_of_a_slot_dated_in_the_past_it_cannot_tell_from_a_deployed_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = DEV_TEXT.replace("  apim-oauth:clients:\n", NEW_CLIENT.format(date="2020-01-01"), 1)
    code, _, err = _run(
        ["plan", "--stack", DEV, "--config", str(_stack(tmp_path, text)), "--now", "2026-12-01"], capsys
    )
    assert code == 0
    assert "warning: client late-daemon, secret slot blue: expired on 2020-06-29" in err


def test_plan_refuses_a_bad_now(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["plan", "--stack", DEV, "--config", str(DEV_FILE), "--now", "yesterday"], capsys)
    assert code == 2
    assert err.startswith("plan: error: --now: expected UNIX seconds or ISO 8601")


@pytest.fixture(scope="module")
def base_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("base") / "dev-plan.json"
    assert (
        main(
            ["plan", "--stack", DEV, "--config", str(DEV_FILE), "--json", str(target), "--now", "2026-12-01"]
        )
        == 0
    )
    return target


def _diff(stack_file: Path, base: Path, now: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    argv = [
        "diff",
        "--stack",
        DEV,
        "--config",
        str(stack_file),
        "--base-plan",
        str(base),
        "--now",
        now,
        "--markdown",
    ]
    capsys.readouterr()
    return _run(argv, capsys)


def test_diff_refuses_a_secret_it_would_create_already_expired(
    tmp_path: Path, base_plan: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = DEV_TEXT.replace("  apim-oauth:clients:\n", NEW_CLIENT.format(date="2020-01-01"), 1)
    code, out, err = _diff(_stack(tmp_path, text), base_plan, "2026-12-01", capsys)
    assert (code, out) == (2, "")
    [line] = err.splitlines()
    assert line.startswith("config error: ")
    assert line.endswith(
        "apim-oauth:clients[late-daemon].secret.slots.blue: its secret would be created already expired: "
        "it ends on 2020-06-29 (2020-01-01 + validityDays 180); set the date to today"
    )


def test_diff_refuses_a_slot_rotated_to_a_past_date(
    tmp_path: Path, base_plan: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The slot's secret is replaced (its date changed): created anew, already expired.
    text = DEV_TEXT.replace("blue: 2026-09-01", "blue: 2026-01-01", 1)
    code, _, err = _diff(_stack(tmp_path, text), base_plan, "2026-12-01", capsys)
    assert code == 2
    assert (
        "apim-oauth:clients[billing-daemon].secret.slots.blue: its secret would be created already expired"
        in err
    )


def test_diff_warns_in_the_comment_of_a_deployed_secret_that_expired_or_expires_soon(
    base_plan: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _diff(DEV_FILE, base_plan, "2027-03-01", capsys)
    assert code == 0  # nothing changes: the expired secret is deployed, not created
    expired = f"client billing-daemon, secret slot blue: expired on {BILLING_BLUE_ENDS}"
    assert f"warning: {expired}" in err
    assert "> **Client secret dates**" in out
    assert f"> - {expired}" in out
    code, out, _ = _diff(DEV_FILE, base_plan, "2027-04-10", capsys)
    assert "> - client billing-daemon, secret slot green: expires on 2027-04-30, in 20 days" in out
    code, out, err = _diff(DEV_FILE, base_plan, "2026-12-01", capsys)
    assert "Client secret dates" not in out
    assert err == ""
