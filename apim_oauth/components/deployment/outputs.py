"""The stack outputs (design contract) from what the phases built."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from apim_oauth.azure.token_audience import token_audience
from apim_oauth.components.apim.client_application import ClientApplication
from apim_oauth.components.deployment.phases import BuiltProduct, EntraApps
from apim_oauth.components.keyvault.secret_delivery import SecretDelivery
from apim_oauth.config.settings import Settings


def backend(s: Settings, apps: EntraApps) -> pulumi.Output[dict[str, Any]]:
    return pulumi.Output.all(apps.backend.client_id, apps.backend.app_id_uri).apply(
        lambda v: {
            "clientId": v[0],
            "appIdUri": v[1],
            "scopes": [f"{v[1]}/{sc.value}" for sc in s.backend.scopes],
        }
    )


def product(s: Settings, built: BuiltProduct) -> pulumi.Output[dict[str, Any]]:
    """`audience`: the `aud` of a token for the product's scope; `scope`: what a client-credentials
    caller asks for."""
    a = built.audience
    aud = token_audience(s.backend.token_version, client_id=a.client_id, app_id_uri=a.app_id_uri)
    return pulumi.Output.all(built.product_id, aud, a.app_id_uri).apply(
        lambda v, mode=built.mode: {
            "productId": v[0],
            "mode": mode,
            "audience": v[1],
            "scope": f"{v[2]}/.default",
        }
    )


def clients(
    s: Settings,
    apps: EntraApps,
    apim_clients: Mapping[str, ClientApplication],
    delivered: Mapping[str, SecretDelivery],
) -> dict[str, dict[str, Any]]:
    """Each client's IDs, credential kind and products. Its secret: the value (a secret output), or,
    with Key Vault delivery, only the URI of the secret in the vault (`secretUri`)."""
    found: dict[str, dict[str, Any]] = {}
    for c in s.clients:
        kind = {"credential": c.credential_kind, "products": list(c.products)}
        if c.name in apps.identities:
            identity = apps.identities[c.name]
            found[c.name] = {"clientId": identity.client_id, "principalId": identity.principal_id, **kind}
            continue
        handle = apps.clients[c.name] if c.name in apps.clients else apim_clients[c.name]
        if s.key_vault is not None:
            # No value: the URI of the active slot's secret (its newest version), and each slot's.
            # An apim-managed client's secret is APIM's to issue (its `clientSecret` is always null).
            delivery = delivered.get(c.name)
            uris = {"secretUri": delivery.secret_uri, "secretUris": delivery.secret_uris} if delivery else {}
            found[c.name] = {"clientId": handle.client_id, **uris, **kind}
            continue
        # A dict of outputs, not one: only the secret (already a secret output) is secret.
        found[c.name] = {"clientId": handle.client_id, "clientSecret": handle.client_secret, **kind}
    return found
