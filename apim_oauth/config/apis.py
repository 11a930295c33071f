"""`apim-oauth:apis`: the APIs in APIM, imported from OpenAPI documents or plain, with their token
policies, and `onward`: how the gateway authenticates to the backend.

"Audience is API Management" (azure-docs `authentication-authorization-overview.md`): the caller's
token is for the product's app (or APIM's), the gateway validates it, then calls the backend with a
token it obtains with its own system-assigned managed identity (`authentication-managed-identity`,
azure-docs `authentication-managed-identity-policy.md`, ms.date 07/23/2024). The backend's Entra app
grants the gateway an app role (`backend.gatewayRole`), which the program assigns to APIM's identity.
`onward` is set on an API or on an entra-app product; the rules that span sections (the backend app,
the products holding the API) are in `rules.onward`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal, Self, cast

from pydantic import Field, PlainValidator, ValidationInfo, WithJsonSchema, model_validator

from apim_oauth.azure.naming import WILDCARD_METHODS, wildcard_operation_id
from apim_oauth.azure.operations import ImportedOperation, find_operation, imported_operations
from apim_oauth.config.developer_portal import TestConsoleConfig
from apim_oauth.config.errors import fail
from apim_oauth.config.reading import DocumentError, load_json, load_yaml, looks_like_json
from apim_oauth.config.requirements import TokenRequirements
from apim_oauth.config.types import BASE_DIR, SLUG, SLUG_HINT, Flag, Model, Text, distinct
from apim_oauth.policies.cors import origin_problem

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


# The operations the program itself creates on a plain API, named as it names them.
_WILDCARDS = tuple(
    ImportedOperation(
        name=wildcard_operation_id(m), operation_id=wildcard_operation_id(m), method=m, path="/*"
    )
    for m in WILDCARD_METHODS
)


class OpenApiDocument(Model):
    """An OpenAPI (or Swagger 2.0) document, read and checked when the configuration is."""

    file: Path
    """Absolute path of the document."""
    text: str = Field(repr=False)
    """The document as written."""
    import_format: Literal["openapi", "openapi+json", "swagger-json"]
    """The ARM `format` to import it inline: APIM takes OpenAPI 3 as YAML or JSON, Swagger 2.0 as JSON only."""
    import_value: str = Field(repr=False)
    """The ARM `value`: the text as written, or a Swagger 2.0 YAML document as JSON."""
    operations: tuple[ImportedOperation, ...]
    """The operations APIM creates on import, each with the name APIM gives it, in document order."""

    @property
    def operation_ids(self) -> tuple[str, ...]:
        """The `operationId` of each operation that has one, as written."""
        return tuple(op.operation_id for op in self.operations if op.operation_id is not None)


def _document(value: object, info: ValidationInfo) -> OpenApiDocument:
    if isinstance(value, OpenApiDocument):
        return value
    if not isinstance(value, str) or not value.strip():
        raise fail("", "must be the path of an OpenAPI document, relative to the project directory")
    base = cast("Mapping[str, object]", info.context or {}).get(BASE_DIR)
    if not isinstance(base, Path):
        raise fail("", "cannot be read here: no project directory given")
    try:
        file = (base / value).resolve()
        inside = file.is_relative_to(base.resolve())
        exists = file.is_file()
    except (OSError, ValueError) as error:
        raise fail("", f"{value!r} is not a usable file path ({error})") from None
    if not inside:
        # The document is imported into APIM from every machine that deploys: it must travel with the project.
        raise fail(
            "", f"{value!r} is outside the project directory; put the document in the project (e.g. apis/)"
        )
    if not exists:
        raise fail("", f"file {value!r} does not exist (paths start at the project directory)")
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise fail("", f"{value!r} is not UTF-8 text") from None
    except OSError as error:
        raise fail("", f"{value!r} cannot be read ({error.strerror})") from None
    return openapi_document(text, value, file)


def openapi_document(text: str, name: str, file: Path) -> OpenApiDocument:
    """The checked document `text` (named `name` in errors, read from `file`)."""
    is_json = looks_like_json(text)
    try:
        document = load_json(text, name) if is_json else load_yaml(text, name)
    except DocumentError as error:
        if not is_json:
            raise fail("", f"{name!r} does not parse as YAML or JSON: {error}") from None
        try:  # a YAML flow mapping also starts with '{'
            document, is_json = load_yaml(text, name), False
        except DocumentError:
            raise fail("", f"{name!r} does not parse as YAML or JSON: {error}") from None
    if not isinstance(document, Mapping) or not (
        {"openapi", "swagger"} & set(cast("Mapping[str, object]", document))
    ):
        raise fail("", f"{name!r} is not an OpenAPI document (no 'openapi' or 'swagger' key)")
    doc = cast("Mapping[str, object]", document)
    operation_ids: set[str] = set()  # a set: a list made this check quadratic in the operations
    paths: object = doc.get("paths") or {}
    for operations in cast("Mapping[str, object]", paths).values() if isinstance(paths, Mapping) else ():
        for operation in (
            cast("Mapping[str, object]", operations).values() if isinstance(operations, Mapping) else ()
        ):
            op_id = (
                cast("Mapping[str, object]", operation).get("operationId")
                if isinstance(operation, Mapping)
                else None
            )
            if isinstance(op_id, str):
                if op_id in operation_ids:
                    raise fail("", f"{name!r} names operationId {op_id!r} twice; APIM would rename one")
                operation_ids.add(op_id)
    # APIM imports inline `openapi` (OpenAPI 3, YAML), `openapi+json` (OpenAPI 3, JSON) and
    # `swagger-json` (Swagger 2.0, JSON only): a YAML Swagger document is sent as JSON.
    swagger = "swagger" in doc
    return OpenApiDocument(
        file=file,
        text=text,
        import_format="swagger-json" if swagger else ("openapi+json" if is_json else "openapi"),
        import_value=json.dumps(doc, default=str) if swagger and not is_json else text,
        operations=imported_operations(doc),
    )


OpenApiFile = Annotated[
    OpenApiDocument,
    PlainValidator(_document),
    WithJsonSchema(
        {
            "type": "string",
            "minLength": 1,
            "description": "Path of an OpenAPI document, from the project directory.",
        }
    ),
]


def _origin(value: object) -> str:
    if not isinstance(value, str):
        raise fail("", "must be an origin such as https://app.contoso.com")
    if problem := origin_problem(value):
        raise fail("", f"{value!r} {problem}")
    return value


Origin = Annotated[
    str,
    PlainValidator(_origin),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^(?:\*|https?://[a-z0-9.-]+(?::[0-9]{1,5})?)$",
            "description": "A browser origin: scheme://host[:port], lower case, no path; or '*' alone.",
        }
    ),
]


HeaderName = Annotated[
    str,
    Text(
        100,
        r"[a-z0-9!#$%&'+.^_`|~-]+",
        "a header name in lower case (letters, digits, '-' and a few symbols); no '*', which never covers "
        "authorization: list the headers",
    ),
]


class ApiCorsConfig(Model):
    """Browser pages that may call the API, besides those the stack derives (the developer portal's
    test console, single-page apps of the API's products): docs/cors.md."""

    origins: Annotated[tuple[Origin, ...], distinct("origin")] = ()
    """Origins (`scheme://host[:port]`) of more pages that call the API from a browser; `*` alone
    admits every site."""
    headers: Annotated[tuple[HeaderName, ...], distinct("header")] = ()
    """Request headers pages may send besides `authorization`, `content-type` and the subscription
    key header, in lower case (`x-request-id`)."""
    credentials: Flag = False
    """Let pages send cookies (`fetch(..., {credentials: "include"})`). Not needed for a bearer token,
    which the page's script sets in `Authorization`; never with `*`."""


class OperationSettings(TokenRequirements):
    """Token requirements on one operation of an API."""

    operation_id: Annotated[str, Text(300)]
    """The operation: its `operationId` as the document writes it, or the name APIM gives it on import
    (`apim_oauth.azure.operations`; `get-foo` for an operation without `operationId`)."""

    def check(self) -> None:
        super().check()
        if not self.roles and not self.scopes:
            raise fail("", "requires no role or scope: name the roles or scopes the operation needs")


class ApiOAuth(TokenRequirements):
    """API-scope token requirements (audience: the backend app) and per-operation ones."""

    operations: Annotated[
        tuple[OperationSettings, ...],
        Field(min_length=1),
        distinct("operation", lambda o: o.operation_id, at=".operationId"),
    ] = ()

    def check(self) -> None:
        # An API-scope policy only when the API itself requires something; `oauth` may hold
        # operation policies alone.
        if not self.roles and not self.scopes:
            for name, field in TokenRequirements.model_fields.items():
                if name in self.model_fields_set:
                    raise fail(
                        field.alias or name,
                        "applies with roles or scopes at this level; set it on the operations instead",
                    )
            return
        super().check()


class ApiSettings(Model):
    """An API in APIM: imported from an OpenAPI file, or a plain API in front of `service_url`."""

    name: Annotated[str, Text(40, SLUG, SLUG_HINT)]
    display_name: Annotated[str, Text(300)]
    path: Annotated[
        str,
        Text(
            256,
            r"[A-Za-z0-9][A-Za-z0-9._~-]*(?:/(?!\.\.?(?:/|$))[A-Za-z0-9._~-]+)*",
            "a URL path of segments of letters, digits and . _ ~ -, without leading or trailing '/' and "
            "without '.' or '..' segments (RFC 3986 section 5.2.4), e.g. echo or partners/v1",
        ),
    ]
    """The API's URL path on the gateway. Segments of RFC 3986's unreserved characters only (section
    2.3: nothing a client may encode or decode differently), and no `.` or `..` segment: clients
    resolve them before sending (RFC 3986 section 5.2.4, "Remove Dot Segments";
    https://www.rfc-editor.org/rfc/rfc3986#section-5.2.4), so `inventory/../echo` is called as `echo`,
    another API's path."""
    service_url: Annotated[str, Text(2000, r"https://[^\s/$.?#][^\s]*", "an https:// URL")]
    """The backend the gateway forwards to."""
    openapi: OpenApiFile | None = Field(default=None, alias="openApi")
    """The API's OpenAPI document (its operations); unset for a plain API with catch-all operations."""
    oauth: ApiOAuth | None = None
    """Token requirements at API scope (audience: the backend app) and per operation."""
    test_console: TestConsoleConfig | None = None
    """OAuth 2.0 in the developer portal's test console for this API (an APIM authorization server)."""
    onward: OnwardSettings | None = None
    """How the gateway authenticates to the backend once the caller is validated (unset: it forwards
    the call as it came)."""
    cors: ApiCorsConfig | None = None
    """More browser pages that may call the API (docs/cors.md); the portal's and single-page apps'
    origins are added without it."""

    @model_validator(mode="after")
    def _rules(self) -> Self:
        # An operation policy must target the operation APIM creates, or `up` fails on a missing
        # operation (or, before, on a name APIM never gave it): resolve every reference here, once.
        targets: dict[str, int] = {}
        for index, op in enumerate(self.operations):
            at = f"oauth.operations[{index}].operationId"
            target = self._resolve(op.operation_id, at)
            if target.name in targets:
                raise fail(
                    at,
                    "names the same operation as {other}",
                    other=f"oauth.operations[{targets[target.name]}].operationId",
                )
            targets[target.name] = index
        return self

    def _resolve(self, reference: str, at: str) -> ImportedOperation:
        operations = self.openapi.operations if self.openapi is not None else _WILDCARDS
        target = find_operation(operations, reference)
        if target is None:
            listed = [
                op.name if op.operation_id in (None, op.name) else f"{op.operation_id} ({op.name})"
                for op in operations[:20]
            ]
            # At most 20 named: an error is one line, whatever the size of the document.
            known = ", ".join(listed) + (f", and {len(operations) - 20} more" if len(operations) > 20 else "")
            raise fail(
                at,
                f"the API has no operation {reference!r}, by operationId or by the name APIM gives it "
                f"(operations: {known or 'none'})",
            )
        if not target.plain_ascii:
            raise fail(
                at, f"{reference!r}: how APIM names an operation from non-ASCII text is not documented"
            )
        if target.ambiguous:
            raise fail(
                at,
                f"{reference!r} imports as {target.name!r}, as another operation of the document does: APIM "
                "then suffixes one of them, and which one is not documented; give them distinct operationIds",
            )
        return target

    def operation_name(self, op: OperationSettings) -> str:
        """The name of the operation `op` targets in APIM (checked when the configuration was read)."""
        operations = self.openapi.operations if self.openapi is not None else _WILDCARDS
        target = find_operation(operations, op.operation_id)
        assert target is not None, "checked by _rules"
        return target.name

    @property
    def methods(self) -> tuple[str, ...]:
        """The HTTP methods of the API's operations, each once, in the order they first appear."""
        operations = self.openapi.operations if self.openapi is not None else _WILDCARDS
        return tuple(dict.fromkeys(op.method for op in operations))

    @property
    def operation_names(self) -> tuple[str, ...]:
        """APIM's name for each operation of the API."""
        return tuple(op.name for op in (self.openapi.operations if self.openapi is not None else _WILDCARDS))

    @property
    def requirements(self) -> TokenRequirements | None:
        """API-scope token policy (audience: the backend app), when configured."""
        if self.oauth is None or not (self.oauth.roles or self.oauth.scopes):
            return None
        return self.oauth.requirements

    @property
    def operations(self) -> tuple[OperationSettings, ...]:
        return self.oauth.operations if self.oauth else ()
