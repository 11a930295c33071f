"""Names derived from configuration values: they are users' state, so the rule itself is pinned."""

from __future__ import annotations

from apim_oauth.azure.naming import grant_key, name_key, wildcard_operation_id


def test_grant_key_is_a_resource_name_suffix() -> None:
    assert grant_key("backend", "Echo.Read.All") == "backend-echo-read-all"
    assert grant_key("product", "partners") == "product-partners"
    assert grant_key("backend", "Weird::Value_1") == "backend-weird-value-1"


def test_values_that_differ_only_in_case_or_punctuation_share_a_key() -> None:
    # Why the configuration refuses two such role values: their grants would get one name.
    assert name_key("Status_Read.All") == name_key("status.read.all") == "status-read-all"
    assert grant_key("backend", "Status_Read.All") == grant_key("backend", "status.read.all")


def test_catch_all_operation_ids() -> None:
    assert wildcard_operation_id("POST") == "post-all"
