"""Tokens as each client would get them, for `verify --gateway`.

A client with a secret asks the token endpoint with client credentials
(https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow, "First case:
Access token request with a shared secret"): the secret from the environment
(`APIM_OAUTH_SECRET_<CLIENT>`, the client's name upper-cased, other characters `_`), else from Key
Vault when the stack delivers it there (the client's `secretUri` output; Get Secret,
azure-rest-api-specs `specification/keyvault/data-plane/Microsoft.KeyVault/stable/7.4/secrets.json`,
`GET {secretUri}?api-version=7.4` answering a SecretBundle whose `value` is the secret) with a bearer
token for Key Vault from `APIM_OAUTH_KEYVAULT_TOKEN`. A client with a federated credential sends an
assertion instead ("Second case: Access token request with a certificate" /
https://learn.microsoft.com/entra/workload-id/workload-identity-federation: `client_assertion_type`
`urn:ietf:params:oauth:client-assertion-type:jwt-bearer`), taken from `APIM_OAUTH_ASSERTION_<CLIENT>`
(in GitHub Actions, the job's OIDC token). A client that signs users in gets its tokens through a
person's sign-in, which a command line cannot do: its cells are skipped against Entra. The four
synthetic callers' tokens are minted offline (`Tokens`): the gateway must refuse them anyway.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from tools.check_token.stack import StackView
from tools.mint_token.minting import token_claims
from tools.verify.callers import CallerKind, NoCredentialError, Tokens
from tools.verify.http import HttpError, Response, post_form, request

SECRET_PREFIX = "APIM_OAUTH_SECRET_"
ASSERTION_PREFIX = "APIM_OAUTH_ASSERTION_"
KEYVAULT_TOKEN = "APIM_OAUTH_KEYVAULT_TOKEN"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def variable(prefix: str, client: str) -> str:
    """The environment variable for `client`: `prefix` + its name upper-cased, other characters `_`."""
    return prefix + "".join(c if c.isalnum() else "_" for c in client.upper())


class TokenRequestError(Exception):
    """The token endpoint refused the client: a finding about the deployment (consent, role, secret)."""


class LiveTokens:
    """Client tokens from `token_endpoint`; the synthetic callers' from `offline`."""

    def __init__(
        self,
        view: StackView,
        token_endpoint: str,
        offline: Tokens,
        environ: Mapping[str, str] | None = None,
        post: Callable[[str, Mapping[str, str]], Response] = post_form,
        *,
        known_secrets: Mapping[str, str] | None = None,
        users_sign_in: bool = True,
    ) -> None:
        self.view = view
        self.token_endpoint = token_endpoint
        self.offline = offline
        self.environ = os.environ if environ is None else environ
        self.post = post
        self.known_secrets = dict(known_secrets or {})
        """Client secrets the deployed stack's outputs carry (`verify --outputs`)."""
        self.users_sign_in = users_sign_in
        """False for the local provider, which answers client credentials with a test user's token."""
        self._cache: dict[tuple[str, str], str] = {}

    def client_token(self, client: str, product: str) -> str:
        key = (client, product)
        if key not in self._cache:
            self._cache[key] = self._request(client, product)
        return self._cache[key]

    def synthetic_token(self, kind: CallerKind, product: str) -> str:
        return self.offline.synthetic_token(kind, product)

    def _request(self, client: str, product: str) -> str:
        if self.users_sign_in and "scp" in token_claims(self.view, product, "", client, 0, 1):
            raise NoCredentialError(
                f"product {product} takes a signed-in user's token, which a command line cannot get"
            )
        info = self.view.clients[client]
        form = {
            "grant_type": "client_credentials",
            "client_id": str(info.get("clientId")),
            "scope": str(self.view.products[product].get("scope")),
        }
        form.update(self._credential(client))
        try:
            answer = self.post(self.token_endpoint, form)
        except HttpError as error:
            raise TokenRequestError(f"the token endpoint did not answer: {error}") from None
        document = answer.json()
        token = document.get("access_token")
        if answer.status != 200 or not isinstance(token, str):
            described = str(document.get("error_description", ""))
            first_line = str(described).splitlines()[0] if described else f"HTTP {answer.status}"
            raise TokenRequestError(f"the token endpoint refused {client} for {form['scope']}: {first_line}")
        return token

    def _credential(self, client: str) -> dict[str, str]:
        secret = (
            self.environ.get(variable(SECRET_PREFIX, client))
            or self.known_secrets.get(client)
            or self._key_vault_secret(client)
        )
        if secret:
            return {"client_secret": secret}
        assertion = self.environ.get(variable(ASSERTION_PREFIX, client))
        if assertion:
            return {"client_assertion_type": JWT_BEARER, "client_assertion": assertion}
        raise NoCredentialError(
            f"no secret ({variable(SECRET_PREFIX, client)}) or federated assertion "
            f"({variable(ASSERTION_PREFIX, client)}) in the environment"
        )

    def _key_vault_secret(self, client: str) -> str | None:
        uri = self.view.clients[client].get("secretUri")
        bearer = self.environ.get(KEYVAULT_TOKEN)
        if not isinstance(uri, str) or not uri or not bearer:
            return None
        try:
            answer = request(f"{uri}?api-version=7.4", headers={"Authorization": f"Bearer {bearer}"})
        except HttpError as error:
            raise TokenRequestError(f"Key Vault did not answer for {client}'s secret: {error}") from None
        bundle = answer.json()
        value = bundle.get("value")
        if answer.status != 200 or not isinstance(value, str):
            raise TokenRequestError(f"Key Vault refused {client}'s secret {uri}: HTTP {answer.status}")
        return value
