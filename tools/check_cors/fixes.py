"""What to change when check-cors refuses: one sentence per refusal, for a policy file."""

from __future__ import annotations

from tools.check_cors.fetch import Refusal


def fix_for(refusal: Refusal) -> str:
    """The change to the policy document that admits the request, or says why none should."""
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
