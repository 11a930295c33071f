"""The template that sends an apim-managed product: literal strings, the entra block, no location."""

from __future__ import annotations

from apim_oauth.azure.product_template import (
    arm_literal,
    deployment_name,
    product_properties,
    product_template,
)


def test_a_configured_text_never_becomes_a_template_expression() -> None:
    # template-expressions.md, "Escape characters": only a string that starts with [ and ends with ] is one.
    assert arm_literal("[concat('a','b')]") == "[[concat('a','b')]"
    assert arm_literal("[test] value") == "[test] value"
    assert arm_literal("Internal tools") == "Internal tools"


def test_the_product_names_its_entra_app_and_sends_no_location() -> None:
    properties = product_properties(
        display_name="Internal",
        description="",
        published=True,
        subscription_key=False,
        application_id="11111111-1111-1111-1111-111111111111",
        audience="11111111-1111-1111-1111-111111111111",
    )
    (resource,) = product_template("apim-dev", "internal", properties)["resources"]
    assert set(resource) == {"type", "apiVersion", "name", "properties"}
    assert resource["name"] == "apim-dev/internal"
    assert resource["properties"]["authenticationType"] == ["application-token"]
    assert resource["properties"]["subscriptionRequired"] is False
    assert resource["properties"]["application"] == {
        "entra": {
            "applicationId": "11111111-1111-1111-1111-111111111111",
            "audience": "11111111-1111-1111-1111-111111111111",
        }
    }
    assert "description" not in resource["properties"]


def test_a_subscription_key_product_takes_either_credential() -> None:
    properties = product_properties(
        display_name="[Internal]",
        description="[x]",
        published=False,
        subscription_key=True,
        application_id="a",
        audience="api://a",
    )
    assert properties["authenticationType"] == ["application-token", "subscription-key"]
    assert properties["subscriptionRequired"] is True
    assert (properties["displayName"], properties["description"]) == ("[[Internal]", "[[x]")
    assert properties["state"] == "notPublished"


def test_deployment_names_differ_per_service_and_fit_arm() -> None:
    name = deployment_name("apim-oauth-dev", "a" * 40)
    assert len(name) <= 64
    assert deployment_name("apim-oauth-dev", "internal") != deployment_name("apim-oauth-prod", "internal")
