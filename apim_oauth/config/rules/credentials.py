"""What each kind of client credential needs from the rest of the configuration.

- A managed identity has no app registration: a `validate-azure-ad-token` policy admits a caller by
  its `appid`/`azp` in `client-application-ids` (azure-docs `validate-azure-ad-token-policy.md`), so
  an identity that calls a product or API validated that way must give its client ID.
- Secret readers get Key Vault Secrets User on secrets in a vault: without `apim-oauth:keyVault`
  there is none.
"""

from __future__ import annotations

from collections.abc import Sequence

from apim_oauth.config.errors import ConfigError, key
from apim_oauth.config.products import EntraAppProductSettings
from apim_oauth.config.rules.clients import ClientSettings, ManagedIdentityClientSettings
from apim_oauth.config.stack import StackConfig

AZURE_AD_TOKEN = "validate-azure-ad-token"


def _validated_by_client_id(stack: StackConfig, product: str) -> str | None:
    """Where a caller of `product` meets validate-azure-ad-token (the product or one of its APIs), if anywhere."""
    for p in stack.products:
        if p.name != product:
            continue
        if isinstance(p, EntraAppProductSettings) and p.requirements.validator == AZURE_AD_TOKEN:
            return f"product {p.name!r}"
        for api in stack.apis:
            if api.name not in p.apis:
                continue
            layers = [api.requirements, *(op.requirements for op in api.operations)]
            if any(r is not None and r.validator == AZURE_AD_TOKEN for r in layers):
                return f"API {api.name!r} (in product {p.name!r})"
    return None


def check_managed_identity_client_ids(stack: StackConfig, clients: Sequence[ClientSettings]) -> None:
    for index, c in enumerate(clients):
        if not isinstance(c, ManagedIdentityClientSettings) or c.client_id is not None:
            continue
        for product in c.products:
            where = _validated_by_client_id(stack, product)
            if where is not None:
                raise ConfigError(
                    key(f"clients[{index}].managedIdentity.clientId"),
                    f"is required: {where} validates tokens with {AZURE_AD_TOKEN}, which admits callers "
                    "by client ID (client-application-ids)",
                )


def check_secret_readers(stack: StackConfig) -> None:
    if stack.key_vault is not None:
        return
    for index, c in enumerate(stack.clients):
        if c.secret is not None and c.secret.readers:
            raise ConfigError(
                key(f"clients[{index}].secret.readers"),
                "apply to secrets in Key Vault: name the vault in apim-oauth:keyVault",
            )
