"""What to change when check-cors refuses: one sentence per refusal, for a policy file or a stack."""

from __future__ import annotations

from dataclasses import dataclass

from tools.check_cors.fetch import Refusal


@dataclass(frozen=True)
class Where:
    """The stack and API whose rendered policy was checked."""

    stack: str
    api: str
    stack_file: str | None = None
    """The stack file given with --config, if not the stack's own."""

    @property
    def file(self) -> str:
        return self.stack_file or f"stacks/Pulumi.{self.stack}.yaml"


def fix_for(refusal: Refusal, where: Where | None = None) -> str:
    """The change that admits the request, or says why none should."""
    if where is not None and refusal.code in _STACK_FIXES:
        return _STACK_FIXES[refusal.code](refusal.subject, where)
    subject = refusal.subject
    fixes = {
        "NoCorsPolicy": "add a <cors> element as the first policy in <inbound>",
        "CorsNotFirst": f"move <cors> before <{subject}>, to the top of <inbound>",
        "OptionsOperation": "remove the API's OPTIONS operation, or answer the preflight in it yourself",
        "OriginNotAllowed": f"add <origin>{subject}</origin> to <allowed-origins>, if that page may call the API",
        "WildcardOriginWithCredentials": "list the origins instead of '*', or call without credentials",
        "CredentialsNotAllowed": "set allow-credentials=\"true\" (origins listed, never '*'), or call without credentials",
        "MethodNotAllowed": f"add <method>{subject}</method> to <allowed-methods>",
        "HeaderNotAllowed": f"add <header>{subject}</header> to <allowed-headers>",
        "AuthorizationNotCoveredByWildcard": "add <header>authorization</header> to <allowed-headers>",
    }
    return fixes.get(refusal.code, "see the reason")


def _origins(subject: str, where: Where) -> str:
    return (
        f"if that page may call {where.api}: add {subject} to `cors.origins` of API {where.api} in {where.file}, "
        "or register it as a redirect URI of a spa client of a product holding the API"
    )


def _no_cors(subject: str, where: Where) -> str:
    return (
        f"no browser calls {where.api} in stack {where.stack}: list the page's origin ({subject}) in `cors.origins` "
        f"of API {where.api} in {where.file}"
    )


def _method(subject: str, where: Where) -> str:
    return f"API {where.api} has no {subject} operation: add it to the API's OpenAPI document, if it should"


def _header(subject: str, where: Where) -> str:
    return (
        f"add {subject} to `cors.headers` of API {where.api} in {where.file}, or send the request without it"
    )


def _credentials(subject: str, where: Where) -> str:
    return (
        f"set `cors.credentials: true` on API {where.api} in {where.file} (origins listed, never '*'), "
        "or call without credentials (a bearer token needs none)"
    )


_STACK_FIXES = {
    "NoCorsPolicy": _no_cors,
    "OriginNotAllowed": _origins,
    "MethodNotAllowed": _method,
    "HeaderNotAllowed": _header,
    "CredentialsNotAllowed": _credentials,
}
