"""The `aud` Entra puts in an access token for an API, by the token version the API's app asks for.

Microsoft identity platform, access token claims reference, `aud`
(https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference): "In v2.0
tokens, this value is always the client ID of the API. In v1.0 tokens, it can be the client ID or
the resource URI used in the request." The version is the API app's `requestedAccessTokenVersion`,
whatever endpoint issued the token (same page, "Token formats"). A client of this program asks for
`{App ID URI}/.default` (or a scope under the App ID URI), so the resource URI of its request, and
the `aud` of its v1 token, is the App ID URI. The facts beside the others Entra gives tokens:
docs/sources.md#entra-access-tokens.
"""

from __future__ import annotations

from typing import TypeVar

from apim_oauth.azure.clouds import TokenVersion

T = TypeVar("T")
"""A value or a `pulumi.Output` of one: the rule does not look inside."""


def token_audience(token_version: TokenVersion, *, client_id: T, app_id_uri: T) -> T:
    """The `aud` of a token requested for `app_id_uri` (the API's App ID URI, or whichever of its
    identifier URIs the request named): that URI in v1 tokens, the API's `client_id` in v2."""
    return app_id_uri if token_version == 1 else client_id
