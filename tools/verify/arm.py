"""Reading the deployed API Management service through Azure Resource Manager, for `verify --drift`.

Credentials: a bearer token for ARM from the environment (`APIM_OAUTH_ARM_TOKEN`, e.g. from
`az account get-access-token`); azure-identity is not a dependency of this project, and a token
keeps this tool free of any sign-in logic. The subscription is `ARM_SUBSCRIPTION_ID`, as the
providers and the workflows read it.

Every read is a GET of one resource under the service
(`/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.ApiManagement/service/{name}/...`),
as the ARM REST contract defines it in azure-rest-api-specs
`specification/apimanagement/resource-manager/Microsoft.ApiManagement/stable/2022-08-01/`:
`apimproducts.json` (Product_Get, ProductApi_ListByProduct, ProductPolicy_Get), `apimapis.json`
(ApiPolicy_Get, ApiOperationPolicy_Get; `format=rawxml` returns the document as written),
`apimauthorizationservers.json` (AuthorizationServer_Get), `apimidentityprovider.json`
(IdentityProvider_Get). A product with application-based access is read with the preview API
version the program deploys it with (2024-10-01-preview). `--arm-responses FILE` answers the reads
from recorded responses instead (offline; the tests' recordings are written from that contract).
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, cast

from apim_oauth.azure.clouds import CloudName
from tools.verify.http import request

ARM_TOKEN = "APIM_OAUTH_ARM_TOKEN"
SUBSCRIPTION = "ARM_SUBSCRIPTION_ID"
API_VERSION = "2022-08-01"
PREVIEW_API_VERSION = "2024-10-01-preview"
# The Resource Manager endpoint of each cloud: https://learn.microsoft.com/azure/azure-government/compare-azure-government-global-azure
# ("Azure Resource Manager": management.usgovcloudapi.net) and
# https://learn.microsoft.com/azure/china/resources-developer-guide (management.chinacloudapi.cn).
ARM_HOSTS: Mapping[CloudName, str] = {
    "global": "https://management.azure.com",
    "usgovernment": "https://management.usgovcloudapi.net",
    "china": "https://management.chinacloudapi.cn",
}

Reader = Callable[[str, str], tuple[int, dict[str, Any]]]
"""(path below the service, API version) -> (HTTP status, JSON body)."""


class ArmError(Exception):
    """ARM cannot be read as asked: no credentials, access refused, a recording missing a read."""


def service_id(subscription: str, resource_group: str, service: str) -> str:
    return (
        f"/subscriptions/{subscription}/resourceGroups/{resource_group}"
        f"/providers/Microsoft.ApiManagement/service/{service}"
    )


def live_reader(cloud: CloudName, service: str, token: str) -> Reader:
    """Reads under `service` (its ARM ID) with `token`."""

    def read(path: str, api_version: str) -> tuple[int, dict[str, Any]]:
        base, _, query = path.partition("?")
        parameters = urllib.parse.urlencode(
            {"api-version": api_version, **dict(urllib.parse.parse_qsl(query))}
        )
        url = f"{ARM_HOSTS[cloud]}{service}/{base}?{parameters}"
        answer = request(url, headers={"Authorization": f"Bearer {token}"})
        if answer.status in (401, 403):
            error: object = answer.json().get("error")
            code = str(cast("dict[str, Any]", error).get("code", "")) if isinstance(error, dict) else ""
            raise ArmError(
                f"ARM refused to read {base} ({answer.status} {code}): check the token's identity can read the service"
            )
        return answer.status, answer.json()

    return read


def recorded_reader(file: Path) -> tuple[Reader, str]:
    """Reads answered from a recording: `{"service": ARM ID, "responses": {"path": {"status", "body"}}}`
    (path below the service, query included); a read it lacks answers 404, as ARM does for a
    resource that does not exist. Returns the reader and the service's ID."""
    try:
        document: object = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ArmError(f"--arm-responses {file}: {error}") from None
    recorded = cast("dict[str, Any]", document) if isinstance(document, dict) else {}
    if not isinstance(recorded.get("responses"), dict):
        raise ArmError(f'--arm-responses {file}: expected {{"service", "responses"}}')
    responses = cast("dict[str, dict[str, Any]]", recorded["responses"])

    def read(path: str, _api_version: str) -> tuple[int, dict[str, Any]]:
        found = responses.get(path)
        if found is None:
            return 404, {"error": {"code": "ResourceNotFound", "message": f"{path} is not in the recording"}}
        return int(found.get("status", 200)), cast("dict[str, Any]", found.get("body") or {})

    return read, str(recorded.get("service", ""))
