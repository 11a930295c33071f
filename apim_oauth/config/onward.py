"""`onward` of an API or an entra-app product: how the gateway authenticates to the backend.

"Audience is API Management" (azure-docs `authentication-authorization-overview.md`): the caller's
token is for the product's app (or APIM's), the gateway validates it, then calls the backend with a
token it obtains with its own system-assigned managed identity (`authentication-managed-identity`,
azure-docs `authentication-managed-identity-policy.md`, ms.date 07/23/2024). The backend's Entra app
grants the gateway an app role (`backend.gatewayRole`), which the program assigns to APIM's identity.

The rules that span sections (the backend app, the products holding the API) are in `onward_rules`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from apim_oauth.config.types import Model, Text

BACKEND_APP = "backend"
"""The name `onward.app` gives the stack's one API app (`apim-oauth:backend`)."""

CLIENT_ID = "clientId"
APP_ID_URI = "appIdUri"


class OnwardSettings(Model):
    """How the gateway authenticates its call to the backend, after it has validated the caller."""

    auth: Literal["managed-identity"]
    """`managed-identity`: a token APIM obtains with its system-assigned identity replaces the caller's
    `Authorization` header."""
    app: Annotated[str, Text(40)] = BACKEND_APP
    """The Entra app that protects the backend; the stack registers one, `backend` (`apim-oauth:backend`)."""
    resource: Annotated[str, Text(255)] = CLIENT_ID
    """What the gateway asks Entra for a token for: `clientId` (the backend app's client ID, as the
    policy reference's example does), `appIdUri`, or that URI written out (`backend.identifierUri`)."""
