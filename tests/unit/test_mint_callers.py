"""The caller claims of a minted token, per credential kind."""

from __future__ import annotations

from tools.mint_token.callers import Caller, app_only_claims, caller_claims, caller_kind_of

MI = Caller(
    "managedIdentity",
    client_id="1b4f8a2e-7c3d-4e5f-8a9b-0c1d2e3f4a5b",
    principal_id="9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a",
)


def test_managed_identity_token_names_its_client_and_principal() -> None:
    assert caller_claims(MI, 2) == {"azp": MI.client_id, "azpacr": "2"}
    assert caller_claims(MI, 1) == {"appid": MI.client_id, "appidacr": "2"}
    assert app_only_claims(MI) == {"oid": MI.principal_id, "sub": MI.principal_id, "idtyp": "app"}


def test_a_secret_is_authentication_method_1() -> None:
    daemon = Caller("secret", client_id="c", principal_id="p")
    assert caller_claims(daemon, 2)["azpacr"] == "1"
    assert caller_claims(Caller("certificate", "c", "p"), 1)["appidacr"] == "2"


def test_caller_found_by_client_id_whatever_the_case() -> None:
    callers = {"orders-function": MI, "billing-daemon": Caller("secret", "aaaa", "p")}
    assert caller_kind_of({"appid": MI.client_id.upper()}, callers) == ("orders-function", MI)
    assert caller_kind_of({"azp": "unknown"}, callers) is None
    assert caller_kind_of({}, callers) is None
