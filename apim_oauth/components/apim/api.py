"""An API in API Management: imported from an OpenAPI document, or a plain API in front of a backend.

APIs are siblings of products, never their children: a product only links to them, so deleting a
product (or its links) leaves every API in place for the other products that use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
from pulumi_azure_native import apimanagement

from apim_oauth.azure.naming import WILDCARD_METHODS, wildcard_operation_id

POLICY_ID = "policy"
"""The one policy document each APIM scope holds."""
# rawxml: the document is sent as written, so it needs no XML-escaping (of policy expressions, say)
# as it would inside an `xml` value. APIM still stores it in its own formatting either way, so
# `pulumi refresh` may show that reformatting as drift.
POLICY_FORMAT = apimanagement.PolicyContentFormat.RAWXML


@dataclass(frozen=True)
class OpenApiImport:
    """An OpenAPI document as ARM imports it inline (`OpenApiDocument.import_format`/`import_value`)."""

    format: str
    """`openapi` (OpenAPI 3, YAML), `openapi+json` (OpenAPI 3, JSON) or `swagger-json` (Swagger 2.0)."""
    value: str


@dataclass(frozen=True)
class ApiArgs:
    """What the API is made of and the policies it carries."""

    api_id: str
    """The API's identifier inside the service; product links and policies name it."""
    display_name: str
    path: str
    """URL path of the API under the gateway, without leading or trailing '/'."""
    service_url: str
    """The backend the gateway forwards calls to; it wins over any `servers` of the OpenAPI document."""
    openapi: OpenApiImport | None
    """The OpenAPI document the API is imported from; None for a plain API, which gets one catch-all
    operation per method (`wildcard_operation_id`)."""
    resource_group_name: pulumi.Input[str]
    service_name: pulumi.Input[str]
    """The API Management service the API belongs to."""
    policy_xml: pulumi.Input[str] | None = None
    """API-scope policy document, rendered by the parent; None for no API policy."""
    operation_policies: Mapping[str, pulumi.Input[str]] = field(default_factory=dict[str, pulumi.Input[str]])
    """Operation name in APIM -> operation-scope policy document. An imported operation's name is the
    one APIM gives it on import (`apim_oauth.azure.operations`), not its `operationId` as written."""
    configured_operation_ids: Mapping[str, str] = field(default_factory=dict[str, str])
    """Operation name in APIM -> the `operationId` the configuration names it by, where the two differ:
    earlier versions keyed the policy's logical name by the latter, so it stays answered (an alias)."""
    authorization_servers: tuple[pulumi.Input[str], ...] = ()
    """Names of the APIM authorization servers the developer portal's test console may use for this
    API (the server's output, so the API waits for it); none: the API names no server."""


def _authentication_settings(
    servers: tuple[pulumi.Input[str], ...],
) -> apimanagement.AuthenticationSettingsContractArgs | None:
    """The API's OAuth 2.0 settings in the form the developer portal reads: the array
    `oAuth2AuthenticationSettings` (its console ignores the single legacy `oAuth2`; Azure/api-management-
    developer-portal `consoleUtils.tsx` getAuthServers). No per-API `scope`: the server's default scope
    applies (a scope here would replace the server's list). None sends nothing, as before."""
    if not servers:
        return None
    return apimanagement.AuthenticationSettingsContractArgs(
        o_auth2_authentication_settings=[
            apimanagement.OAuth2AuthenticationSettingsContractArgs(authorization_server_id=server)
            for server in servers
        ]
    )


class Api(pulumi.ComponentResource):
    """One API with its optional API-scope and operation-scope policies."""

    api_id: pulumi.Output[str]
    """ARM resource ID of the API (what a product link names)."""
    api_name: pulumi.Output[str]
    """The API's identifier inside the service."""
    api: apimanagement.Api

    def __init__(self, name: str, args: ApiArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        s = args
        super().__init__("apim-oauth:apim:Api", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        self.api = apimanagement.Api(
            f"{name}-api",
            api_id=s.api_id,
            resource_group_name=args.resource_group_name,
            service_name=args.service_name,
            display_name=s.display_name,
            path=s.path,
            # The configured backend wins over any `servers` entry in the OpenAPI document.
            service_url=s.service_url,
            # Tokens and keys must never travel in clear text between caller and gateway.
            protocols=[apimanagement.Protocol.HTTPS],
            # Always: a call outside every open product then needs a key. With it off, an API whose
            # products all require keys would take anonymous calls, no policy run. Keyless calls still
            # reach an open product's API (APIM: the product decides).
            subscription_required=True,
            format=s.openapi.format if s.openapi else None,
            value=s.openapi.value if s.openapi else None,
            authentication_settings=_authentication_settings(args.authorization_servers),
            opts=child,
        )
        self.api_id = self.api.id
        self.api_name = self.api.name

        # An imported API's operations come from its document; a plain one gets catch-alls.
        wildcards = self._wildcards(name, args) if s.openapi is None else {}
        policies = self._policies(name, args, wildcards)

        if policies:
            # What a product links to is the API with its policies in place: a link made first would
            # let calls through before the API's own checks (or its onward step, which keeps the
            # caller's token from the backend) exist.
            self.api_id = pulumi.Output.all(self.api.id, *(p.id for p in policies)).apply(lambda v: str(v[0]))

        self.register_outputs({"apiId": self.api_id, "apiName": self.api_name})

    def _wildcards(self, name: str, args: ApiArgs) -> dict[str, apimanagement.ApiOperation]:
        wildcards: dict[str, apimanagement.ApiOperation] = {}
        for method in WILDCARD_METHODS:
            operation_id = wildcard_operation_id(method)
            wildcards[operation_id] = apimanagement.ApiOperation(
                f"{name}-{operation_id}",
                api_id=self.api_name,
                operation_id=operation_id,
                resource_group_name=args.resource_group_name,
                service_name=args.service_name,
                display_name=f"{method} /*",
                method=method,
                url_template="/*",
                opts=pulumi.ResourceOptions(parent=self),
            )
        return wildcards

    def _policies(
        self, name: str, args: ApiArgs, wildcards: Mapping[str, apimanagement.ApiOperation]
    ) -> list[pulumi.CustomResource]:
        policies: list[pulumi.CustomResource] = []
        if args.policy_xml is not None:
            api_policy = apimanagement.ApiPolicy(
                f"{name}-policy",
                api_id=self.api_name,
                resource_group_name=args.resource_group_name,
                service_name=args.service_name,
                policy_id=POLICY_ID,
                format=POLICY_FORMAT,
                value=args.policy_xml,
                opts=pulumi.ResourceOptions(parent=self),
            )
            policies.append(api_policy)

        for operation_id, policy_xml in sorted(args.operation_policies.items()):
            configured = args.configured_operation_ids.get(operation_id, operation_id)
            # ARM matches resource names without regard to case, so `postEcho` (what earlier versions
            # sent) and `postecho` may be one policy: replaced create-first, the delete of the old one
            # would remove the new. `api_id=self.api_name` orders this after the import that creates
            # the operation.
            operation_policy = apimanagement.ApiOperationPolicy(
                f"{name}-{operation_id}-policy",
                api_id=self.api_name,
                operation_id=operation_id,
                resource_group_name=args.resource_group_name,
                service_name=args.service_name,
                policy_id=POLICY_ID,
                format=POLICY_FORMAT,
                value=policy_xml,
                opts=pulumi.ResourceOptions(
                    parent=self,
                    depends_on=[wildcards[operation_id]] if operation_id in wildcards else [],
                    delete_before_replace=True,
                    aliases=[pulumi.Alias(name=f"{name}-{configured}-policy")]
                    if configured != operation_id
                    else [],
                ),
            )
            policies.append(operation_policy)
        return policies
