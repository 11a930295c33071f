"""`clients[].signIn`: how a client signs users in, its Entra platform and its redirect URIs.

A client without `signIn` is a daemon (client credentials). The platform decides the flow Entra
allows (entra-docs `v2-oauth2-auth-code-flow.md`): `web` redeems the code on a server with its
secret, `spa` in the browser with PKCE and no secret, `public` on a device (custom schemes,
device code). Redirect URIs are checked as Entra and the azuread provider check them
(`apim_oauth.azure.redirect_uris`).
"""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field, model_validator

from apim_oauth.azure.redirect_uris import MAX_PER_APP, Platform, redirect_uri_problem
from apim_oauth.config.errors import fail
from apim_oauth.config.types import Flag, Model, Text, distinct

RedirectUri = Annotated[str, Text(4096)]
"""Length is Entra's rule, checked with the others (the message then says whose limit it is)."""


class ClientSignIn(Model):
    """The client's Entra platform and the redirect URIs registered under it."""

    platform: Platform
    """`web` (server-side, confidential: needs `secret`), `spa` (PKCE in the browser, no secret) or
    `public` (mobile and desktop apps, no secret)."""
    redirect_uris: Annotated[
        tuple[RedirectUri, ...], Field(max_length=MAX_PER_APP), distinct("redirect URI")
    ] = ()
    """Exactly as the app sends them (Entra compares case-sensitively)."""
    implicit_id_tokens: Flag = False
    """web only: let the app get ID tokens from the authorize endpoint (implicit or hybrid flow);
    off unless an app still needs it (entra-docs: AADSTS700054 when it is off and asked for)."""

    @model_validator(mode="after")
    def _rules(self) -> Self:
        if self.implicit_id_tokens and self.platform != "web":
            raise fail("implicitIdTokens", f"applies to the web platform only, not {self.platform}")
        if not self.redirect_uris and self.platform != "public":
            # A public client may sign in with the device code flow, which needs no redirect URI.
            raise fail("redirectUris", f"a {self.platform} client needs at least one redirect URI")
        for index, uri in enumerate(self.redirect_uris):
            if problem := redirect_uri_problem(uri, self.platform):
                raise fail(f"redirectUris[{index}]", f"{uri!r} {problem}")
        return self
