"""The checker the contract tests rely on finds what ARM would refuse, and passes the spec's own example."""

from __future__ import annotations

from typing import Any

import pytest

from tests.contract.schema_check import load

PRODUCTS = load("products.2024-10-01-preview.json")


def _product(**properties: Any) -> dict[str, Any]:
    return {"properties": {"displayName": "Internal", **properties}}


def test_the_specifications_own_create_example_conforms() -> None:
    # examples/ApiManagementCreateProduct.json (2024-10-01-preview) sends only a display name.
    assert PRODUCTS.problems({"properties": {"displayName": "Test Template ProductName 4"}}) == []


def test_an_application_token_product_with_its_entra_block_conforms() -> None:
    body = _product(
        authenticationType=["application-token", "subscription-key"],
        application={"entra": {"applicationId": "a", "audience": "b"}},
        state="published",
        subscriptionRequired=True,
    )
    assert PRODUCTS.problems(body) == []


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({**_product(), "location": "westeurope"}, "location: not a property of this API version"),
        ({**_product(), "id": "/x"}, "id: read-only, must not be sent"),
        ({"properties": {}}, "properties.displayName: required but not sent"),
        (_product(state="Published"), "properties.state: 'Published' is not one of"),
        (_product(authenticationType=["oauth"]), "properties.authenticationType[0]: 'oauth' is not one of"),
        (_product(application={"entra": {"clientId": "a"}}), "properties.application.entra.clientId: not a"),
        (_product(description="x" * 1001), "properties.description: longer than 1000"),
        (_product(subscriptionRequired="yes"), "properties.subscriptionRequired: expected boolean"),
    ],
)
def test_what_the_api_version_does_not_accept_is_reported(body: dict[str, Any], problem: str) -> None:
    assert any(p.startswith(problem) for p in PRODUCTS.problems(body)), PRODUCTS.problems(body)


def test_read_only_flags_are_read_from_the_excerpt() -> None:
    clients = load("clientApplications.2024-10-01-preview.json")
    assert clients.read_only("properties.entraApplicationId")
    assert not clients.read_only("properties.ownerId")
    assert not PRODUCTS.read_only("properties.application.entra.applicationId")
