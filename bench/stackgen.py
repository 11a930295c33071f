"""Stack configurations of any size, in the shape of `stacks/Pulumi.dev.yaml`.

`products` products alternate between the two OAuth modes (even index `entra-app`, odd index
`apim-managed`); every fourth product (index 2 mod 4) is an `entra-app` product validated against
the backend app (`audience: backend`), the other `entra-app` ones get their own product app; every
other `apim-managed` product also accepts a subscription key. `clients` clients each sit on two
products of the same mode (settings refuse a client that mixes modes): client j is on products
p = j mod N and p + 2 mod N, which share p's parity when N is even.

APIM admits an API in only one product that needs no subscription key, so every product has an API
of its own; the products that take a subscription key also share the `status` API, and the first
backend-audience product also holds `echo`, the API with API- and operation-scope token policies
(read from the project's OpenAPI file). Resources therefore grow linearly with products and clients.
"""

from __future__ import annotations

from typing import Any

NAMESPACE = "apim-oauth"
TENANT_ID = "3f2a1c4e-8b7d-4e6f-9a1b-2c3d4e5f6a7b"
OWNER = "bench-owner"
SHARED_API = "status"
ROLE = "Data.Read.All"
SCOPE = "Data.Read"


def own_api(index: int) -> str:
    return f"api-{index:03d}"


def api_config(products: int) -> list[dict[str, Any]]:
    apis: list[dict[str, Any]] = [
        {
            "name": "echo",
            "displayName": "Echo",
            "path": "echo",
            "serviceUrl": "https://echo.contoso.example",
            "openApi": "apis/echo.openapi.yaml",
            "oauth": {
                "roles": [ROLE],
                "operations": [{"operationId": "postEcho", "roles": [ROLE]}],
            },
        },
        {
            "name": SHARED_API,
            "displayName": "Status",
            "path": SHARED_API,
            "serviceUrl": "https://status.contoso.example",
        },
    ]
    apis += [
        {
            "name": own_api(i),
            "displayName": f"API {i}",
            "path": f"apis/{i:03d}",
            "serviceUrl": f"https://api-{i:03d}.contoso.example",
        }
        for i in range(products)
    ]
    return apis


def product_mode(index: int) -> str:
    return "entra-app" if index % 2 == 0 else "apim-managed"


def takes_subscription_key(index: int) -> bool:
    return index % 4 == 1


def product_apis(index: int) -> tuple[str, ...]:
    if takes_subscription_key(index):
        return (own_api(index), SHARED_API)
    if index == 2:
        # The API with token policies of its own sits only in a product admitting the same tokens
        # (backend audience, application callers): settings refuse any other layering.
        return (own_api(index), "echo")
    return (own_api(index),)


def product_config(index: int) -> dict[str, Any]:
    name = f"product-{index:03d}"
    product: dict[str, Any] = {
        "name": name,
        "displayName": f"Product {index}",
        "description": f"Generated product {index} for the plan benchmark.",
        "apis": list(product_apis(index)),
    }
    if product_mode(index) == "apim-managed":
        product["oauth"] = {"mode": "apim-managed", "owner": OWNER}
        product["subscriptionKey"] = takes_subscription_key(index)
    elif index % 4 == 2:
        product["oauth"] = {"mode": "entra-app", "audience": "backend", "roles": [ROLE]}
    else:
        product["oauth"] = {"mode": "entra-app"}
    return product


USERS_GROUP = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"
"""Object ID of the group of users assigned to the generated backend."""


def client_config(index: int, products: int) -> dict[str, Any]:
    first = index % products
    second = (first + 2) % products
    client: dict[str, Any] = {
        "name": f"client-{index:03d}",
        "displayName": f"Client {index}",
        "products": [f"product-{first:03d}", f"product-{second:03d}"],
    }
    if product_mode(first) == "entra-app":
        client["roles"] = [ROLE]
        if index % 3 == 0:
            client["scopes"] = [SCOPE]
        client["secret"] = {"validityDays": 180, "slots": {"blue": "2026-09-01", "green": "2026-11-01"}}
    return client


def generate(products: int, clients: int, *, name: str = "bench") -> dict[str, Any]:
    """The config map (namespaced keys, as `tools.plan.cli.load_config` returns) of a generated stack."""
    if products < 4 or products % 2:
        raise ValueError("products must be even and at least 4, so each client's two products share a mode")
    return {
        "azure-native:location": "westeurope",
        f"{NAMESPACE}:cloud": "global",
        f"{NAMESPACE}:tenantId": TENANT_ID,
        f"{NAMESPACE}:apim": {
            "name": f"apim-oauth-{name}",
            "resourceGroup": f"rg-apim-oauth-{name}",
            "sku": "Developer",
            "publisherName": "Contoso Platform Team",
            "publisherEmail": "platform@contoso.example",
            "users": [
                {
                    "id": OWNER,
                    "email": "bench-owner@contoso.example",
                    "firstName": "Bench",
                    "lastName": "Owner",
                }
            ],
        },
        f"{NAMESPACE}:apis": api_config(products),
        f"{NAMESPACE}:backend": {
            "displayName": f"Contoso API ({name})",
            "tokenVersion": 2,
            "scopes": [
                {
                    "value": SCOPE,
                    "adminConsentDisplayName": "Read data",
                    "adminConsentDescription": "Lets the app read data on behalf of the signed-in user.",
                }
            ],
            "appRoles": [
                {
                    "value": ROLE,
                    "displayName": "Read all data",
                    "description": "Lets a daemon read all data without a signed-in user.",
                }
            ],
            # Some clients act for signed-in users and the backend requires assignment: a group of
            # users is assigned (default access), as the settings demand (AADSTS50105 otherwise).
            "assignments": [{"principals": [USERS_GROUP]}],
        },
        f"{NAMESPACE}:products": [product_config(i) for i in range(products)],
        f"{NAMESPACE}:clients": [client_config(j, products) for j in range(clients)],
    }
