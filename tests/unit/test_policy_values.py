"""Which values may reach policy XML: the gateway runs `@(...)`/`@{...}` and resolves `{{name}}`
after it parses the XML (docs/sources.md#token-policies), so escaping cannot make those safe."""

from __future__ import annotations

import pytest

from apim_oauth.policies.values import policy_value_problem


@pytest.mark.parametrize(
    "value",
    [
        "@(context.Request.Url)",
        "Orders.@{return 1;}",
        "{{secret-named-value}}",
        "a}}b",
        "x{{",
        "bad\x00char",
        "\ufffe",
    ],
)
def test_values_the_gateway_would_interpret_or_xml_cannot_carry_are_refused(value: str) -> None:
    assert policy_value_problem(value) is not None


@pytest.mark.parametrize(
    "value",
    ["Orders.Read", "api://72f988bf-86f1-41af-91ab-2d7cd011db47/orders", "a@b", "{x}", "<&>", "é"],
)
def test_plain_values_pass(value: str) -> None:
    assert policy_value_problem(value) is None
