"""The policies one call runs through: its path's documents from the plan, and the check API
Management runs itself for a product with application-based access (`apim-managed`)."""

from __future__ import annotations

from typing import cast

from apim_oauth.azure.clouds import CLOUDS, CloudName
from tools.check_token.policy import TokenLocation, ValidateAzureAdToken
from tools.check_token.stack import StackView, request_path
from tools.verify.pipeline import Step, inbound_steps
from tools.verify.routes import Operation


def own_check(view: StackView, product: str | None) -> ValidateAzureAdToken | None:
    """A product with application-based access has no token policy: the gateway validates the token
    itself (https://learn.microsoft.com/azure/api-management/applications: "Tokens presented in API
    requests are validated by the API Management gateway"); the audience is the product's Entra app,
    "Also use this value when generating a token". Modelled as the validate-azure-ad-token that says
    the same: the tenant's tokens, for that audience (the ID in a v2 token, the App ID URI in a v1 one)."""
    info = view.products.get(product or "")
    if info is None or info.get("mode") != "apim-managed":
        return None
    audience = str(info.get("audience"))
    app_id_uri = str(info.get("scope") or f"api://{audience}").removesuffix("/.default")
    cloud = CLOUDS[cast("CloudName", view.outputs.get("cloud", "global"))]
    return ValidateAzureAdToken(
        location=TokenLocation("Authorization", None, None, "Bearer"),
        failed_status="401",
        tenant_id=str(view.outputs.get("tenantId")),
        authority=f"https://{cloud.login_host}",
        client_application_ids=(),
        backend_application_ids=(),
        audiences=tuple(dict.fromkeys((audience, app_id_uri))),
        required_claims=(),
        decryption=False,
    )


def steps_for(view: StackView, operation: Operation, product: str | None) -> list[Step]:
    """The inbound steps of a call to `operation` through `product`."""
    scopes = request_path(view, product, operation.api, operation.name)
    return inbound_steps(scopes, own_check(view, product))
