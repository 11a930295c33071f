"""The check API Management runs itself for a product with application-based access (`apim-managed`).

Such a product has no token policy to read: the gateway validates the caller's token on its own
(https://learn.microsoft.com/azure/api-management/applications: "Tokens presented in API requests
are validated by the API Management gateway to authorize access to the product's APIs";
docs/sources.md#apim-application-based-access). The check is modelled as the `validate-azure-ad-token`
element that says the same thing, so the token is judged by the same evaluator, each rule with its
source:

- audience: the product's Entra app. The same page: its application ID "is set as the Audience value
  when creating a client application ... Also use this value when generating a token", and the token
  request's scope is `api://<that ID>/.default`. A v2 token carries the ID, a v1 token the App ID URI
  it was asked for (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference,
  `aud`), so both are accepted.
- issuer: the page's token comes from the tenant's own token endpoint
  (`https://login.microsoftonline.com/$tenantId/oauth2/v2.0/token`), so only that tenant's Entra
  issuers are accepted, as validate-azure-ad-token accepts them
  (https://learn.microsoft.com/azure/api-management/validate-azure-ad-token-policy).
- signature and lifetime: an Entra access token is valid only with a signature by one of the keys the
  tenant's discovery document publishes, and between `nbf` and `exp`
  (https://learn.microsoft.com/entra/identity-platform/access-tokens, "Validate tokens").
- where the token is read: the `Authorization` header, scheme Bearer (the page's example request).
- a product that also takes a subscription key: "the API Management gateway can accept either an
  OAuth 2.0 token or a subscription key" (same page), so the token is checked only when no key is
  presented, as the `entra-app` mode's rendered policy says with its `<when>`.
"""

from __future__ import annotations

from typing import ClassVar, cast

from apim_oauth.azure.clouds import CLOUDS, CloudName
from tools.check_token.policy import TokenLocation, ValidateAzureAdToken
from tools.check_token.stack import StackView

MODE = "apim-managed"


class ApplicationAccess(ValidateAzureAdToken):
    """The gateway's own check of a product with application-based access."""

    name: ClassVar[str] = "API Management application-based access (the gateway's own token check)"


def application_access(view: StackView, product: str | None) -> ApplicationAccess | None:
    """The gateway's check for `product` when it uses application-based access, else None."""
    info = view.products.get(product or "")
    if info is None or info.get("mode") != MODE:
        return None
    audience = str(info.get("audience"))
    app_id_uri = str(info.get("scope") or f"api://{audience}").removesuffix("/.default")
    cloud = CLOUDS[cast("CloudName", view.outputs.get("cloud", "global"))]
    return ApplicationAccess(
        location=TokenLocation("Authorization", None, None, "Bearer"),
        failed_status="401",
        tenant_id=str(view.outputs.get("tenantId")),
        authority=f"https://{cloud.login_host}",
        client_application_ids=(),
        backend_application_ids=(),
        audiences=tuple(dict.fromkeys((audience, app_id_uri))),
        required_claims=(),
        decryption=False,
        condition="@(context.Subscription == null)" if product in view.key_alternative else None,
    )
