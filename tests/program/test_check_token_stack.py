"""`check-token --stack` and `mint-token` on every stack file: tokens minted for each client and
product the stack grants pass the policies the plan renders on their path; the wrong product's token
is rejected with the scope to request; `--stack` alone names the product and client."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path
from typing import Protocol

import pytest

from tests.fixture_stacks import CHINA, DEV, PROD, stack_args
from tests.token_fixtures import plan_stacks_once, stack_view
from tools.check_token import cli as check_token
from tools.command_line import interpreter
from tools.mint_token import cli as mint_token
from tools.mint_token.minting import TEST_ONLY, mint

STACKS = [DEV, PROD, CHINA]
NOW = 1_790_812_800  # 2026-10-01T00:00:00Z


@pytest.fixture(autouse=True)
def _planned_once(monkeypatch: pytest.MonkeyPatch) -> None:
    plan_stacks_once(monkeypatch)


class Command(Protocol):
    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...


def run(capsys: pytest.CaptureFixture[str], module: Command, *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    args = parser.parse_args(argv)
    code = int(args.run(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def minted_files(tmp_path: Path, name: str, client: str, product: str) -> list[str]:
    """Mint with the library function and return the check-token arguments that read it."""
    minted = mint(stack_view(name), client, product, NOW, 3600)
    (tmp_path / "token.jwt").write_text(minted.token, encoding="utf-8")
    (tmp_path / "jwks.json").write_text(json.dumps(minted.jwks), encoding="utf-8")
    (tmp_path / "openid.json").write_text(json.dumps(minted.openid_configuration), encoding="utf-8")
    return [
        "--token-file",
        str(tmp_path / "token.jwt"),
        "--openid-config",
        str(tmp_path / "openid.json"),
        "--jwks",
        str(tmp_path / "jwks.json"),
        "--now",
        "2026-10-01T00:10:00Z",
    ]


def grants(name: str) -> list[tuple[str, str]]:
    view = stack_view(name)
    return [
        (client, str(product))
        for client, info in view.clients.items()
        for product in info.get("products") or ()
    ]


@pytest.mark.parametrize("name", STACKS)
def test_every_granted_token_passes_its_products_path(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    view = stack_view(name)
    assert grants(name), f"stack {name} grants no client a product"
    for client, product in grants(name):
        args = minted_files(tmp_path, name, client, product)
        code, out, err = run(capsys, check_token, "--stack", name, "--product", product, *args)
        assert (code, err) == (0, ""), (client, product, out)
        if view.products[product]["mode"] == "apim-managed":
            assert out.startswith("ACCEPTED: API Management application-based access")
        else:
            assert out.startswith("ACCEPTED: validate-")
        for api, products in view.api_products.items():
            if products == [product] and not any(key[0] == api for key in view.operation_policies):
                assert run(capsys, check_token, "--stack", name, "--api", api, *args)[0] == 0, (client, api)


@pytest.mark.parametrize("name", STACKS)
def test_stack_alone_names_the_product_and_the_client(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client, product = grants(name)[0]
    args = minted_files(tmp_path, name, client, product)
    code, out, _ = run(capsys, check_token, "--stack", name, *args, "--json", "-")
    document = json.loads(out)
    assert code == 0
    assert document["belongs"] is True
    assert any(f"product {product}" in line for line in document["identity"])
    assert any(f"client {client}" in line for line in document["identity"])


def test_stack_alone_says_when_the_caller_is_no_client_of_the_stack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = minted_files(tmp_path, DEV, "web-portal", "portal")  # prod has no web-portal client
    code, out, _ = run(capsys, check_token, "--stack", PROD, *args)
    assert code == 1
    assert f"no client of stack {PROD}" in out


def test_wrong_product_names_the_scope_to_request(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    view = stack_view(DEV)
    args = minted_files(tmp_path, DEV, "billing-daemon", "partners")
    code, out, _ = run(capsys, check_token, "--stack", DEV, "--product", "portal", *args, "--json")
    document = json.loads(out)
    assert code == 1
    assert document["reasons"][0]["code"] == "TokenAudienceNotAllowed"
    # The portal product takes delegated tokens for the backend: its policy requires scp Echo.Read.
    assert document["scopesToRequest"] == [f"{view.backend['appIdUri']}/Echo.Read"]


def test_operation_policy_runs_before_the_products(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # dev: POST echo/postEcho requires scp Echo.Write; web-portal's token for portal carries Echo.Read.
    args = minted_files(tmp_path, DEV, "web-portal", "portal")
    code, out, _ = run(capsys, check_token, "--stack", DEV, "--api", "echo", "--operation", "postEcho", *args)
    assert code == 1
    assert out.startswith("policy operation echo/postEcho:\nREJECTED")
    assert "TokenClaimValueNotAllowed: Claim scp value of Echo.Read is not allowed" in out
    assert "policy product portal:" not in out  # the gateway stops at the first rejection


def test_unknown_names_are_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = minted_files(tmp_path, DEV, "billing-daemon", "partners")
    code, _, err = run(capsys, check_token, "--stack", DEV, "--api", "nope", *args)
    assert code == 2
    assert "has no API 'nope'" in err
    code, _, err = run(capsys, check_token, "--stack", DEV, "--product", "nope", *args)
    assert code == 2
    assert "has no product 'nope'" in err


def test_missing_stack_is_a_config_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "t.jwt").write_text("x.y.z", encoding="utf-8")
    code, _, err = run(
        capsys, check_token, "--stack", "no-such-stack", "--token-file", str(tmp_path / "t.jwt")
    )
    assert code == 2
    assert err.startswith("config error: ")
    assert "no such stack file" in err


def test_mint_token_writes_test_only_files_that_check_token_accepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "minted"
    code, out, err = run(
        capsys,
        mint_token,
        *stack_args(DEV),
        "--client",
        "billing-daemon",
        "--product",
        "partners",
        "--out",
        str(out_dir),
        "--now",
        str(NOW),
    )
    assert (code, err) == (0, "")
    assert out.startswith(TEST_ONLY)
    for name in ("jwks.json", "openid-configuration.json"):
        assert json.loads((out_dir / name).read_text(encoding="utf-8"))["test_only"] == TEST_ONLY
    command = shlex.split(out.splitlines()[-1])
    # The interpreter running now (the venv's), as typed from here: a bare `python` lacks the dependencies.
    assert command[:3] == [interpreter(), "-m", "tools"]
    assert Path(command[0]).resolve() == Path(sys.executable).resolve()
    code, verdict, _ = run(capsys, check_token, *command[4:])
    assert code == 0, verdict


def test_mint_token_refuses_a_product_the_client_is_not_granted(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, mint_token, "--stack", DEV, "--client", "billing-daemon", "--product", "portal"
    )
    assert code == 2
    assert "not granted product portal" in err


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("1790812800", 1790812800.0),
        ("2026-10-01T00:00:00Z", 1790812800.0),
        ("2026-10-01T02:00:00+02:00", 1790812800.0),
        ("2026-10-01T00:00:00", 1790812800.0),
        ("2026-10-01", 1790812800.0),
    ],
)
def test_now_takes_unix_seconds_and_iso_8601(value: str, seconds: float) -> None:
    assert check_token.parse_now(value) == seconds


def test_now_refuses_what_is_neither(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(check_token.InputError, match="ISO 8601"):
        check_token.parse_now("next tuesday")


@pytest.mark.parametrize("command", ["check-token", "mint-token"])
def test_help_explains_every_option_with_examples_and_exit_codes(command: str) -> None:
    import subprocess
    import sys

    shown = subprocess.run(
        [sys.executable, "-m", "tools", command, "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "examples:" in shown
    assert "exit codes:" in shown
    assert shown.count(f"python -m tools {command} ") >= 2
    options = [word for word in shown.split() if word.startswith("--") and word.strip("-[],").isidentifier()]
    assert "--stack" in options


def test_json_file_receives_the_document_and_stdout_stays_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = minted_files(tmp_path, DEV, "billing-daemon", "partners")
    target = tmp_path / "verdict.json"
    code, out, _ = run(
        capsys, check_token, "--stack", DEV, "--product", "partners", *args, "--json", str(target)
    )
    assert code == 0
    assert out == ""
    document = json.loads(target.read_text(encoding="utf-8"))
    assert document["accepted"] is True
    assert document["library"]["version"] == "8.2.0"


def test_api_outside_the_product_is_a_bad_argument_and_an_unlisted_operation_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = minted_files(tmp_path, DEV, "billing-daemon", "partners")
    code, _, err = run(capsys, check_token, "--stack", DEV, "--product", "partners", "--api", "echo", *args)
    assert code == 2
    assert "API echo is not in product partners" in err
    code, out, _ = run(capsys, check_token, "--stack", DEV, "--api", "status", "--operation", "nope", *args)
    assert code == 0
    assert "note: operation status/nope has no policy in the plan" in out


def apim_managed_grant(name: str) -> tuple[str, str]:
    view = stack_view(name)
    return next((c, p) for c, p in grants(name) if view.products[p]["mode"] == "apim-managed")


def test_an_apim_managed_product_rejects_a_garbage_token(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, check_token, *stack_args(DEV), "--product", "internal", "--token", "garbage", "--json"
    )
    assert (code, err) == (1, "")
    document = json.loads(out)
    assert document["accepted"] is False
    assert [reason["code"] for reason in document["reasons"]] == ["JwtInvalid"]


def test_an_apim_managed_product_rejects_a_token_for_another_audience(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    view = stack_view(DEV)
    _, product = apim_managed_grant(DEV)
    args = minted_files(tmp_path, DEV, "billing-daemon", "partners")  # valid, for product partners
    code, out, _ = run(capsys, check_token, *stack_args(DEV), "--product", product, *args, "--json")
    document = json.loads(out)
    assert code == 1
    assert [reason["code"] for reason in document["reasons"]] == ["TokenAudienceNotAllowed"]
    assert document["scopesToRequest"] == [view.products[product]["scope"]]
    # The product's APIs run through the same check.
    api = next(api for api, products in view.api_products.items() if products == [product])
    assert run(capsys, check_token, *stack_args(DEV), "--api", api, *args)[0] == 1


def test_an_apim_managed_product_checks_issuer_signature_and_lifetime(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.token_fixtures import OTHER_TENANT, RSA_KID, key_material, sign

    client, product = apim_managed_grant(DEV)
    args = minted_files(tmp_path, DEV, client, product)
    claims = mint(stack_view(DEV), client, product, NOW, 3600).claims
    expired = [*args[:-1], "2026-10-01T02:00:00Z"]
    assert (
        run(capsys, check_token, *stack_args(DEV), "--product", product, *expired)[1].count("TokenExpired")
        == 1
    )
    other_key = tmp_path / "other.jwks.json"
    other_key.write_text(json.dumps(key_material().jwks()), encoding="utf-8")
    unknown_key = [*args[:4], "--jwks", str(other_key), *args[6:]]
    code, out, _ = run(capsys, check_token, *stack_args(DEV), "--product", product, *unknown_key)
    assert (code, "TokenSignatureKeyNotFound" in out) == (1, True)
    foreign = sign(
        {**claims, "iss": f"https://login.microsoftonline.com/{OTHER_TENANT}/v2.0", "tid": OTHER_TENANT},
        kid=RSA_KID,
    )
    code, out, _ = run(
        capsys, check_token, *stack_args(DEV), "--product", product, "--token", foreign, *unknown_key[2:]
    )
    assert (code, "TokenIssuerNotAllowed" in out) == (1, True)


def test_mint_token_never_writes_through_a_link_already_in_the_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "minted"
    out_dir.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    (out_dir / "jwks.json").symlink_to(victim)
    argv = [*stack_args(DEV), "--client", "billing-daemon", "--product", "partners", "--out", str(out_dir)]
    code, out, err = run(capsys, mint_token, *argv)
    assert (code, out) == (2, "")
    assert (
        err
        == f"mint-token: error: cannot write key set file {out_dir / 'jwks.json'}: it is a symbolic link (or a loop of them): not written through\n"
    )
    assert victim.read_text(encoding="utf-8") == "keep me"
