"""`python -m tools check-token`: exit codes, output, and the --json shape; in-process and as a
subprocess, with metadata from files and from a real loopback server."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixture_stacks import DEV, stack_args
from tests.token_fixtures import (
    BACKEND_ID,
    NOW,
    TENANT,
    app_claims,
    discovery,
    entra_metadata,
    hand_policy,
    jwt_policy_xml,
    key_material,
    metadata_server,
    sign,
    user_claims,
)
from tools.check_token import cli as check_token

PROJECT_DIR = Path(__file__).resolve().parents[2]


def metadata_args(directory: Path) -> list[str]:
    """`--metadata URL=FILE` for the tenant's Entra documents, written to `directory`."""
    args: list[str] = []
    for index, (url, body) in enumerate(entra_metadata().items()):
        file = directory / f"metadata-{index}.json"
        file.write_bytes(body)
        args.append(f"--metadata={url}={file}")
    return args


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    file = tmp_path / "product-partners.xml"
    file.write_text(jwt_policy_xml(2, subscription_key_alternative=True), encoding="utf-8")
    return file


ONLINE = ["--online", "--allow-host", "127.0.0.1", "--timeout", "2"]


def run_in_process(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    check_token.add_arguments(parser)
    args = parser.parse_args(argv)
    code = args.run(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_accepted_token_exits_0_and_never_prints_the_token(
    capsys: pytest.CaptureFixture[str], policy_file: Path, tmp_path: Path
) -> None:
    token = sign(app_claims())
    code, out, err = run_in_process(
        capsys, "--policy", str(policy_file), "--token", token, "--now", str(NOW), *metadata_args(tmp_path)
    )
    assert (code, err) == (0, "")
    assert out.startswith("ACCEPTED: validate-jwt (run only when @(context.Subscription == null))")
    assert "(from file)" in out
    for part in token.split("."):
        assert part not in out


def test_rejected_token_exits_1_with_the_json_shape(
    capsys: pytest.CaptureFixture[str], policy_file: Path, tmp_path: Path
) -> None:
    token = sign(user_claims())
    code, out, _ = run_in_process(
        capsys,
        "--policy",
        str(policy_file),
        "--token",
        token,
        "--now",
        str(NOW),
        "--json",
        *metadata_args(tmp_path),
    )
    assert code == 1
    document = json.loads(out)
    assert set(document) == {"accepted", "reasons", "hints", "warnings", "open_questions", "library"}
    assert document["library"]["name"] == "Microsoft.IdentityModel"
    assert document["warnings"] == []
    assert document["accepted"] is False
    assert document["reasons"] == [
        {
            "code": "TokenClaimNotFound",
            "message": "JWT token is missing the following claims: roles. Access denied.",
        }
    ]
    assert all(isinstance(hint, str) for hint in document["hints"])
    assert token.split(".")[1] not in out


def test_human_output_lists_every_reason_code(
    capsys: pytest.CaptureFixture[str], policy_file: Path, tmp_path: Path
) -> None:
    token = sign(app_claims(1, exp=NOW - 3600))
    code, out, _ = run_in_process(
        capsys, "--policy", str(policy_file), "--token", token, "--now", str(NOW), *metadata_args(tmp_path)
    )
    assert code == 1
    assert out.startswith(
        "REJECTED: validate-jwt (run only when @(context.Subscription == null)) would answer HTTP 401."
    )
    for reason in ("TokenExpired: ", "TokenAudienceNotAllowed: ", "TokenIssuerNotAllowed: "):
        assert f"\n  {reason}" in out
    assert "hint: This is a v1.0 access token" in out


def test_metadata_takes_several_pairs_after_one_flag(
    capsys: pytest.CaptureFixture[str], policy_file: Path, tmp_path: Path
) -> None:
    pairs = [argument.removeprefix("--metadata=") for argument in metadata_args(tmp_path)]
    argv = [
        "--policy",
        str(policy_file),
        "--token",
        sign(app_claims()),
        "--now",
        str(NOW),
        "--metadata",
        *pairs,
    ]
    assert run_in_process(capsys, *argv)[0] == 0


def test_token_file_and_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, policy_file: Path, tmp_path: Path
) -> None:
    token_file = tmp_path / "token.txt"
    token_file.write_text("Bearer " + sign(app_claims()) + "\n")
    common = ["--policy", str(policy_file), "--now", str(NOW), *metadata_args(tmp_path)]
    assert run_in_process(capsys, *common, "--token-file", str(token_file))[0] == 0
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(sign(app_claims()).encode())))
    assert run_in_process(capsys, *common, "--token-file", "-")[0] == 0


def test_unusual_bytes_in_a_token_file_are_jwt_invalid(
    capsys: pytest.CaptureFixture[str], policy_file: Path, tmp_path: Path
) -> None:
    token_file = tmp_path / "token.bin"
    token_file.write_bytes(b"\xff\xfe\x00junk")
    code, out, _ = run_in_process(
        capsys,
        "--policy",
        str(policy_file),
        "--token-file",
        str(token_file),
        "--json",
        *metadata_args(tmp_path),
    )
    assert code == 1
    assert [reason["code"] for reason in json.loads(out)["reasons"]] == ["JwtInvalid"]


def test_metadata_from_a_loopback_server(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with metadata_server() as server:
        jwks_url = server.json("/keys", key_material().jwks())
        config_url = server.json("/openid-configuration", {**discovery(2), "jwks_uri": jwks_url})
        policy = tmp_path / "policy.xml"
        policy.write_text(
            hand_policy(
                f'<openid-config url="{config_url}" /><audiences><audience>{BACKEND_ID}</audience></audiences>'
            )
        )
        argv = ["--policy", str(policy), "--token", sign(app_claims()), "--now", str(NOW)]
        offline = run_in_process(capsys, *argv)
        code, out, _ = run_in_process(capsys, *argv, "--online", "--allow-host", "127.0.0.1")
        unnamed = run_in_process(capsys, *argv, "--online")
    assert code == 0
    assert f"{jwks_url} (fetched)" in out
    assert server.hits == {"/openid-configuration": 1, "/keys": 1}
    assert offline[0] == 2
    assert "not fetched: the check is offline" in offline[2]
    assert unnamed[0] == 2
    assert "--allow-host" in unnamed[2]


def test_a_hostile_jwks_uri_in_an_openid_config_file_is_never_fetched(
    capsys: pytest.CaptureFixture[str], policy_file: Path, tmp_path: Path
) -> None:
    hostile = tmp_path / "openid.json"
    hostile.write_text(json.dumps({**discovery(2), "jwks_uri": "https://169.254.169.254/metadata/keys"}))
    argv = ["--policy", str(policy_file), "--token", sign(app_claims()), "--openid-config", str(hostile)]
    code, out, err = run_in_process(capsys, *argv)
    assert (code, out) == (2, "")
    assert "169.254.169.254/metadata/keys: not fetched: the check is offline" in err
    code, out, err = run_in_process(capsys, *argv, "--online")
    assert (code, out) == (2, "")
    assert "link-local address 169.254.169.254" in err


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--policy", "{missing}"], "cannot read policy file"),
        (["--policy", "{not_a_policy}"], "no <validate-jwt>"),
        (["--policy", "{policy}", "--metadata", "no-equals-sign"], "--metadata: expected URL=FILE"),
        (["--policy", "{policy}", "--metadata", "https://h/keys={missing}"], "cannot read metadata file"),
        (["--policy", "{policy}", "--now", "yesterday"], "--now: expected UNIX seconds"),
        (["--policy", "{policy}", "--now", "-5"], "not a plausible time"),
        (["--policy", "{unreachable_policy}", *ONLINE], "unreachable"),
        (["--policy", "{http_policy}", *ONLINE], "plain HTTP is allowed only for loopback hosts"),
        (["--policy", "{policy}", "--timeout", "2"], "go with --online"),
        (["--policy", "{policy}", "--allow-host", "127.0.0.1"], "go with --online"),
        (["--policy", "{policy}", "--json", "{unwritable}"], "cannot write --json file"),
        (["--policy", "{policy}", "--json", "{directory}"], "cannot write --json file"),
        ([*stack_args(DEV), "--product", "internal", "--operation", "x"], "--operation needs --api"),
        ([*stack_args(DEV), "--operation", "x"], "--operation needs --api"),
    ],
)
def test_unusable_input_exits_2_with_one_error_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, policy_file: Path, arguments: list[str], message: str
) -> None:
    not_a_policy = tmp_path / "empty.xml"
    not_a_policy.write_text("<policies><inbound><base /></inbound></policies>")
    unreachable = tmp_path / "unreachable.xml"
    unreachable.write_text(
        hand_policy(
            '<openid-config url="http://127.0.0.1:9/config" /><audiences><audience>a</audience></audiences>'
        )
    )
    plain_http = tmp_path / "http.xml"
    plain_http.write_text(
        hand_policy(
            '<openid-config url="http://login.example/config" /><audiences><audience>a</audience></audiences>'
        )
    )
    paths = {
        "missing": str(tmp_path / "missing.xml"),
        "not_a_policy": str(not_a_policy),
        "policy": str(policy_file),
        "unreachable_policy": str(unreachable),
        "http_policy": str(plain_http),
    }
    paths["unwritable"] = str(tmp_path / "missing-directory" / "out.json")
    paths["directory"] = str(tmp_path)
    argv = [argument.format(**paths) for argument in arguments]
    code, out, err = run_in_process(capsys, *argv, "--token", sign(app_claims()), *metadata_args(tmp_path))
    assert code == 2
    assert out == ""
    assert err.startswith("check-token: error: ")
    assert message in err
    assert err.count("\n") == 1


def test_a_defect_is_one_error_line_without_the_token(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, policy_file: Path, tmp_path: Path
) -> None:
    token = sign(app_claims())

    def broken(*_args: object) -> None:
        raise RuntimeError(f"bug while reading {token}")

    monkeypatch.setattr(check_token, "evaluate", broken)
    code, out, err = run_in_process(
        capsys, "--policy", str(policy_file), "--token", token, *metadata_args(tmp_path)
    )
    assert (code, out) == (2, "")
    assert (
        err
        == f"check-token: error: unexpected RuntimeError while checking the token against policy {policy_file}\n"
    )


# --- the real command, as a subprocess ----------------------------------------------------------


def run_command(*argv: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools", "check-token", *argv],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=60,
        check=False,
    )


def test_command_exit_codes_and_json(policy_file: Path, tmp_path: Path) -> None:
    common = ["--policy", str(policy_file), "--now", str(NOW), *metadata_args(tmp_path)]
    accepted = run_command(*common, "--token-file", "-", stdin=sign(app_claims()))
    assert accepted.returncode == 0, accepted.stderr
    assert accepted.stdout.startswith("ACCEPTED")

    forged = sign(app_claims(), key=key_material().unpublished, kid="attacker")
    rejected = run_command(*common, "--token", forged, "--json")
    assert rejected.returncode == 1, rejected.stderr
    document = json.loads(rejected.stdout)
    assert document["accepted"] is False
    assert [reason["code"] for reason in document["reasons"]] == ["TokenSignatureKeyNotFound"]
    assert "No signing key has kid 'attacker'" in document["reasons"][0]["message"]
    assert document["hints"] == [
        "An unknown kid: the token comes from another tenant, cloud or issuer, or the keys are stale "
        "(Entra rotates them: refresh a --metadata file from the jwks_uri)."
    ]
    assert document["library"]["version"] == "8.2.0"
    assert forged.split(".")[1] not in rejected.stdout + rejected.stderr


def test_command_refuses_bad_arguments_and_unreadable_input_with_exit_2(tmp_path: Path) -> None:
    no_token = run_command("--policy", "policy.xml")
    assert no_token.returncode == 2
    assert "one of the arguments --token --token-file is required" in no_token.stderr

    missing = run_command("--policy", str(tmp_path / "nope.xml"), "--token", "x.y.z")
    assert missing.returncode == 2
    assert missing.stderr.startswith("check-token: error: cannot read policy file")
    assert "Traceback" not in missing.stderr


def test_command_reads_the_tenants_metadata_from_files_for_a_tenant_url(tmp_path: Path) -> None:
    # The validate-azure-ad-token form: metadata URLs derived from tenant-id, answered by files.
    policy = tmp_path / "azure.xml"
    policy.write_text(
        f'<validate-azure-ad-token tenant-id="{TENANT}"><client-application-ids>'
        f"<application-id>{app_claims()['azp']}</application-id></client-application-ids>"
        f"<audiences><audience>{BACKEND_ID}</audience></audiences></validate-azure-ad-token>"
    )
    result = run_command(
        "--policy", str(policy), "--token", sign(app_claims()), "--now", str(NOW), *metadata_args(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_chain_of_policies_must_all_accept_and_stops_at_the_first_rejection(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from apim_oauth.policies.model import ClaimRequirement

    # The operation demands a scope the product does not: a token can pass one and fail the other.
    operation = tmp_path / "api-echo-postEcho.xml"
    operation.write_text(jwt_policy_xml(2, claims=(ClaimRequirement.scopes(["Echo.Write"], "any"),)))
    product = tmp_path / "product-portal.xml"
    product.write_text(jwt_policy_xml(2, claims=(ClaimRequirement.scopes(["Echo.Read"], "any"),)))
    chain = ["--policy", str(operation), "--policy", str(product), "--now", str(NOW), "--json"]
    metadata = metadata_args(tmp_path)

    reader = sign(user_claims(scp="Echo.Read"))
    code, out, _ = run_in_process(capsys, *chain, "--token", reader, *metadata)
    document = json.loads(out)
    assert code == 1
    assert document["accepted"] is False
    assert [r["code"] for r in document["reasons"]] == ["TokenClaimValueNotAllowed"]
    # The gateway never reaches the product policy once the operation's rejects.
    assert [(p["policy"], p["accepted"]) for p in document["policies"]] == [(str(operation), False)]

    writer = sign(user_claims(scp="Echo.Read Echo.Write"))
    code, out, _ = run_in_process(capsys, *chain, "--token", writer, *metadata)
    document = json.loads(out)
    assert code == 0
    assert [(p["policy"], p["accepted"]) for p in document["policies"]] == [
        (str(operation), True),
        (str(product), True),
    ]

    writer_only = sign(user_claims(scp="Echo.Write"))
    code, out, _ = run_in_process(capsys, *chain[:-1], "--token", writer_only, *metadata)
    assert code == 1
    assert f"policy {product}:" in out
    assert "REJECTED" in out.split(f"policy {product}:")[1]
