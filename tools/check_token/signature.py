"""The signature check, as JsonWebTokenHandler.ValidateToken.cs `ValidateSignature` does it: which
keys are tried, which algorithm each key may verify, the minimum key sizes, and the failure reported.
The verification itself is done by pyjwt's algorithm objects, never by hand.

Library sources (version in fidelity.py): JwtTokenUtilities.cs `ResolveTokenSigningKey` (key by
`kid`, then `x5t`), TokenValidationParameters.cs `TryAllIssuerSigningKeys` (default true: every key
when none matches), SupportedAlgorithms.cs `IsSupportedAlgorithm` (key type decides; a JWK's own
`alg` does not), AsymmetricSignatureProvider.cs `DefaultMinimumAsymmetricKeySizeInBitsForVerifyingMap`,
SymmetricSignatureProvider.cs `DefaultMinimumSymmetricKeySizeInBits`.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt import PyJWK
from jwt.algorithms import Algorithm, get_default_algorithms
from jwt.exceptions import InvalidKeyError

from tools.check_token import fidelity
from tools.check_token.jws import Token
from tools.check_token.metadata import SigningKey
from tools.check_token.verdict import ReasonCode

RSA_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})
"""SupportedAlgorithms.cs `RsaSigningAlgorithms` and `RsaPssSigningAlgorithms` (JWS names)."""
EC_ALGORITHMS = frozenset({"ES256", "ES384", "ES512"})
"""SupportedAlgorithms.cs `EcdsaSigningAlgorithms`."""
SYMMETRIC_ALGORITHMS = frozenset({"HS256", "HS384", "HS512"})
"""SupportedAlgorithms.cs `SymmetricSigningAlgorithms`; usable only with a key written in the policy
(JsonWebKeySet.cs `GetSigningKeys` resolves no `oct` key from a JWKS)."""
DOCUMENTED_ALGORITHMS = frozenset({"PS256", "RS256", "RS512", "ES256"}) | SYMMETRIC_ALGORITHMS
"""validate-jwt-policy.md, "Usage notes" (see fidelity.ALGORITHMS_AS_DOCUMENTED)."""

MINIMUM_KEY_BITS = {
    **dict.fromkeys(("RS256", "RS384", "RS512"), 1024),
    "PS256": 528,
    "PS384": 784,
    "PS512": 1040,
    **dict.fromkeys(EC_ALGORITHMS, 256),
    **dict.fromkeys(SYMMETRIC_ALGORITHMS, 128),
}
"""For verifying: AsymmetricSignatureProvider.cs `DefaultMinimumAsymmetricKeySizeInBitsForVerifyingMap`
(RSA 1024, not the 2048 required for signing), SymmetricSignatureProvider.cs
`DefaultMinimumSymmetricKeySizeInBits` (128)."""

_ALGORITHMS: dict[str, Algorithm] = {
    name: algorithm
    for name, algorithm in get_default_algorithms().items()
    if name in RSA_ALGORITHMS | EC_ALGORITHMS | SYMMETRIC_ALGORITHMS
}
"""pyjwt's algorithm objects, the only code that verifies a signature."""

Attempt = Literal["verified", "unsupported", "not-allowed", "too-short", "bad-signature"]

_PREPARED: weakref.WeakKeyDictionary[PyJWK, dict[str, object]] = weakref.WeakKeyDictionary()
"""pyjwt's `prepare_key` per key and algorithm, kept as long as the key is (an inline key lives with
its parsed policy, a fetched one in the provider's cache), so each is prepared once."""
_REFUSED = object()


@dataclass(frozen=True)
class SignatureOutcome:
    """What the signature check found; `code` is None when the token passes it."""

    code: ReasonCode | None = None
    message: str = ""
    kid_unmatched: bool = False
    """The token names a `kid` no key has: the library then checks lifetime, issuer and audience
    first (InternalValidators.cs `ValidateAfterSignatureFailed`) and reports those failures instead."""
    unsigned_accepted: bool = False
    hints: tuple[str, ...] = ()
    open_questions: tuple[str, ...] = ()


def key_kind(key: SigningKey) -> str:
    material: object = key.jwk.key
    if isinstance(material, rsa.RSAPublicKey):
        return f"an RSA key of {material.key_size} bits"
    if isinstance(material, ec.EllipticCurvePublicKey):
        return f"an EC {material.curve.name} key"
    if isinstance(material, bytes):
        return f"a symmetric key of {len(material) * 8} bits"
    return "a key of another type"


def _supports(key: SigningKey, algorithm: str | None) -> bool:
    """SupportedAlgorithms.cs `IsSupportedAlgorithm`: by the key's type only."""
    material: object = key.jwk.key
    if isinstance(material, rsa.RSAPublicKey):
        return algorithm in RSA_ALGORITHMS
    if isinstance(material, ec.EllipticCurvePublicKey):
        return algorithm in EC_ALGORITHMS
    if isinstance(material, bytes):
        return key.inline and algorithm in SYMMETRIC_ALGORITHMS
    return False


def _key_bits(key: SigningKey) -> int:
    material: object = key.jwk.key
    if isinstance(material, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        return material.key_size
    return len(material) * 8 if isinstance(material, bytes) else 0


def _prepared(key: SigningKey, algorithm: str) -> object:
    per_algorithm = _PREPARED.setdefault(key.jwk, {})
    prepared = per_algorithm.get(algorithm)
    if prepared is None:
        try:
            prepared = _ALGORITHMS[algorithm].prepare_key(key.jwk.key)
        except InvalidKeyError:
            prepared = _REFUSED
        per_algorithm[algorithm] = prepared
    return prepared


def attempt(token: Token, key: SigningKey) -> Attempt:
    """One key tried, as JsonWebTokenHandler `ValidateSignature(token, key, parameters)` does."""
    algorithm = token.algorithm
    if algorithm is None or not _supports(key, algorithm):
        return "unsupported"  # returns false, no exception
    if fidelity.ALGORITHMS_AS_DOCUMENTED and algorithm not in DOCUMENTED_ALGORITHMS:
        return "not-allowed"  # Validators.ValidateAlgorithm throws IDX10696, caught per key
    if _key_bits(key) < MINIMUM_KEY_BITS[algorithm]:
        return "too-short"  # CreateForVerifying throws IDX10631/IDX10653, caught per key
    prepared = _prepared(key, algorithm)
    if prepared is _REFUSED or token.signature is None:
        return "bad-signature"
    verified = _ALGORITHMS[algorithm].verify(token.signing_input, prepared, token.signature)
    return "verified" if verified else "bad-signature"


def _matches(key: SigningKey, kid: str | None, thumbprint: str | None) -> bool:
    """JwtTokenUtilities.cs `ResolveTokenSigningKey`: X509 keys by kid ignoring case or by x5t;
    others by kid, or by a key id equal to the token's x5t, compared exactly."""
    if key.certificate_thumbprint is not None and (
        (kid and key.key_id and key.key_id.lower() == kid.lower())
        or (thumbprint and key.certificate_thumbprint.lower() == thumbprint.lower())
    ):
        return True
    return key.key_id is not None and key.key_id in (kid, thumbprint)


def check_signature(token: Token, keys: Sequence[SigningKey], require_signed: bool) -> SignatureOutcome:
    """The signature verdict; `keys`: the metadata's keys first, then the policy's own
    (`ResolveTokenSigningKey(configuration.SigningKeys) ?? ResolveTokenSigningKey(parameters)`)."""
    if not token.signed:
        if require_signed:  # IDX10504
            return SignatureOutcome(
                "TokenSignatureInvalid",
                "The token is unsigned (its signature part is empty); the policy requires signed tokens "
                "(library IDX10504).",
                hints=("An unsigned token can be written by anyone; no gateway policy should accept one.",),
            )
        return SignatureOutcome(unsigned_accepted=True)
    kid, thumbprint = token.key_id, token.thumbprint
    resolved = next((key for key in keys if _matches(key, kid, thumbprint)), None)
    tried = [resolved] if resolved is not None else list(keys)
    attempts: list[Attempt] = [attempt(token, key) for key in tried]
    if "verified" in attempts:
        return SignatureOutcome()
    algorithm = token.algorithm or "(none)"
    questions = ("algorithms",) if "not-allowed" in attempts else ()
    detail = _attempts_detail(tried, attempts, algorithm)
    kid_matched = resolved is not None or any(kid is not None and _matches(key, kid, None) for key in tried)
    if kid is not None and kid_matched:  # IDX10511
        return SignatureOutcome(
            "TokenSignatureInvalid",
            f"The signature does not verify with key {kid!r}{detail}: the token was altered, or signed by "
            "another key (library IDX10511).",
            hints=_algorithm_hints(token, tried),
            open_questions=questions,
        )
    if kid is not None:  # IDX10503, or IDX10500 with no key at all
        return SignatureOutcome(
            "TokenSignatureKeyNotFound",
            f"No signing key has kid {kid!r} ({len(keys)} key(s) known), and none of them verifies the "
            f"token{detail} (library {'IDX10503' if keys else 'IDX10500'}).",
            kid_unmatched=True,
            hints=(
                "An unknown kid: the token comes from another tenant, cloud or issuer, or the keys are stale "
                "(Entra rotates them: refresh a --metadata file from the jwks_uri).",
                *_algorithm_hints(token, tried),
            ),
            open_questions=questions,
        )
    code: ReasonCode = (
        "TokenSignatureKeyNotFound"
        if fidelity.KEY_NOT_FOUND_WITHOUT_KID_IS_OWN_REASON
        else "TokenSignatureInvalid"
    )
    return SignatureOutcome(
        code,
        f"The token has no kid and none of the {len(tried)} key(s) verifies it{detail} "
        f"(library {'IDX10517' if tried else 'IDX10500'}).",
        hints=_algorithm_hints(token, tried),
        open_questions=(*questions, "key-not-found-without-kid"),
    )


def _attempts_detail(tried: Sequence[SigningKey], attempts: Sequence[Attempt], algorithm: str) -> str:
    notes: list[str] = []
    if "unsupported" in attempts:
        kinds = sorted(
            {key_kind(key) for key, result in zip(tried, attempts, strict=True) if result == "unsupported"}
        )
        notes.append(f"{', '.join(kinds)} cannot verify {algorithm}")
    if "not-allowed" in attempts:
        notes.append(f"{algorithm} is not among the algorithms the policy documentation lists")
    if "too-short" in attempts:
        notes.append(f"a key is shorter than the {MINIMUM_KEY_BITS.get(algorithm, 0)} bits {algorithm} needs")
    return f" ({'; '.join(notes)})" if notes else ""


def _algorithm_hints(token: Token, tried: Sequence[SigningKey]) -> tuple[str, ...]:
    if token.algorithm in SYMMETRIC_ALGORITHMS and not any(isinstance(key.jwk.key, bytes) for key in tried):
        return (
            f"An {token.algorithm} token against a policy whose keys are public keys is the signature of a "
            "forgery (key confusion: the public key used as an HMAC secret), or a token from another issuer.",
        )
    if token.algorithm is None or token.algorithm.lower() == "none":
        return ("The token names no signature algorithm ('none' or missing): no key can verify it.",)
    return ()
