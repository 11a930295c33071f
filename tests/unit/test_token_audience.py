"""The one rule for a token's `aud`: the App ID URI the client asked for in v1 tokens, the API's
client ID in v2 tokens; and the token `mint-token` makes for a stack carries it."""

from __future__ import annotations

import jwt
import pytest

from apim_oauth.azure.clouds import TokenVersion
from apim_oauth.azure.token_audience import token_audience
from tests.token_fixtures import BACKEND_ID, CALLER_ID, NOW, TENANT, jwt_policy_xml
from tools.check_token.stack import StackView
from tools.mint_token.minting import mint

# Not `api://{client ID}`: an App ID URI of another form must come through as it is.
APP_ID_URI = "https://contoso.example/orders"


def test_v1_tokens_carry_the_app_id_uri_v2_tokens_the_client_id() -> None:
    assert token_audience(1, client_id=BACKEND_ID, app_id_uri=APP_ID_URI) == APP_ID_URI
    assert token_audience(2, client_id=BACKEND_ID, app_id_uri=APP_ID_URI) == BACKEND_ID


def stack(version: TokenVersion, audience: str) -> StackView:
    """A stack's outputs as the plan gives them, for one product and one client granted it."""
    product = {
        "productId": "orders",
        "mode": "entra-app",
        "audience": audience,
        "scope": f"{APP_ID_URI}/.default",
    }
    return StackView(
        "hand-made",
        outputs={
            "cloud": "global",
            "tenantId": TENANT,
            "products": {"orders": product},
            "clients": {"daemon": {"clientId": CALLER_ID, "products": ["orders"]}},
        },
        product_policies={"orders": jwt_policy_xml(version)},
    )


@pytest.mark.parametrize(("version", "audience"), [(1, APP_ID_URI), (2, BACKEND_ID)])
def test_a_minted_token_carries_the_audience_of_its_version(version: TokenVersion, audience: str) -> None:
    minted = mint(stack(version, audience), "daemon", "orders", NOW, 3600)
    key = jwt.PyJWKSet.from_dict(minted.jwks).keys[0]
    claims = jwt.decode(
        minted.token, key.key, algorithms=["RS256"], audience=audience, options={"verify_exp": False}
    )
    assert claims["ver"] == f"{version}.0"
    assert claims["aud"] == audience
