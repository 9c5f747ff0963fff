"""Verifying a bank's RFC 9421 HTTP Message Signature on a Django request (design.md §8).

The cryptography, the parsing of ``Signature``/``Signature-Input`` and the RFC 9530
``Content-Digest`` check are ``http-message-signatures``' job. This module only adapts a Django
``HttpRequest`` to the library's three-attribute message interface, looks keys up among the
registered banks' keys, and applies the portal's policy on top of what the library verified:
which components must be covered, how old ``created`` may be, and that the body matches the
signed digest. Every failure becomes one :class:`SignatureRejected` with a stable ``reason``
code and a short English ``detail``; the library's own messages only go to the log, because
they can echo parser internals.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest
from http_message_signatures import (
    HTTPMessageSignaturesException,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    InvalidSignature,
    VerifyResult,
    algorithms,
)

from activation.keys import KeyFormatError, load_public_key
from activation.models import BankKey

logger = logging.getLogger(__name__)

#: Components every signature must cover, as they appear in ``VerifyResult.covered_components``
#: (serialized Structured Field strings). Content-Digest coverage is checked separately, by
#: the library's own digest verification, so that a covered digest member also counts.
REQUIRED_COMPONENTS = ('"@method"', '"content-type"')
#: The request target: the whole URI, or its path and authority together.
TARGET_ALTERNATIVES = (('"@target-uri"',), ('"@path"', '"@authority"'))


class SignatureRejected(Exception):
    """The request's signature does not authenticate it; ``reason`` is a stable code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


# The reasons a signature is refused, with the text the bank's engineers see.
MISSING_SIGNATURE = "missing_signature", "The Signature and Signature-Input headers are required."
INVALID_SIGNATURE = "invalid_signature", "The signature is malformed or does not match the request."
UNKNOWN_KEY = "unknown_key", "The keyid does not name an active key of an active bank."
MISSING_CREATED = "missing_created", "The signature has no 'created' parameter."
CREATED_IN_FUTURE = "created_in_future", "The signature's 'created' time is in the future."
EXPIRED = "expired", "The signature's 'created' time is too old."
MISSING_COMPONENT = "missing_component", "The signature does not cover a required component: {}."
DIGEST_MISMATCH = "digest_mismatch", "The Content-Digest header does not match the body."

#: Every reason code, for the OpenAPI document.
REASONS = (
    MISSING_SIGNATURE[0],
    INVALID_SIGNATURE[0],
    UNKNOWN_KEY[0],
    MISSING_CREATED[0],
    CREATED_IN_FUTURE[0],
    EXPIRED[0],
    MISSING_COMPONENT[0],
    DIGEST_MISMATCH[0],
)


def _reject(reason: tuple[str, str], *args: str) -> SignatureRejected:
    code, detail = reason
    return SignatureRejected(code, detail.format(*args))


class _PolicyViolation(InvalidSignature):
    """A portal policy failure raised from inside the library's verification.

    A subclass of the library's ``InvalidSignature`` so that the library passes it through
    unchanged (it re-raises ``InvalidSignature`` and wraps anything else).
    """

    def __init__(self, reason: tuple[str, str]) -> None:
        super().__init__(reason[1])
        self.reason = reason


@dataclass(frozen=True)
class DjangoRequestMessage:
    """The library's view of an incoming request: ``method``, ``url`` and ``headers`` only.

    ``url`` is rebuilt from ``settings.PUBLIC_ORIGIN`` and the request's path and query: the
    portal runs behind a TLS proxy, so the scheme and Host it sees are not those the bank
    signed, and a Host header is whatever the sender chose to put there.
    """

    method: str
    url: str
    headers: Any  # a header mapping with ``items()``: Django's ``HttpHeaders``

    @classmethod
    def from_request(cls, request: HttpRequest) -> DjangoRequestMessage:
        return cls(
            method=request.method or "",
            url=settings.PUBLIC_ORIGIN + request.get_full_path(),
            headers=request.headers,
        )


class BankKeyResolver(HTTPSignatureKeyResolver):
    """Resolve a ``keyid`` to the Ed25519 public key of an active key of an active bank.

    The matching ``BankKey`` row is kept on the resolver: the caller needs to know which bank
    signed. An unknown, revoked or unusable key resolves to ``None`` (the library's contract
    for "unavailable") and is remembered, so the rejection can say why.
    """

    def __init__(self) -> None:
        self.bank_key: BankKey | None = None
        self.unknown_key_id: str | None = None
        #: A database failure during the lookup. The library would turn any exception into
        #: "invalid signature" (a 401, which banks treat as final); it is re-raised instead.
        self.database_error: DatabaseError | None = None

    def resolve_public_key(self, key_id: str):
        try:
            bank_key = (
                BankKey.objects.select_related("bank")
                .filter(key_id=key_id, is_active=True, bank__is_active=True)
                .first()
            )
        except DatabaseError as exc:
            self.database_error = exc
            return None
        if bank_key is None:
            self.unknown_key_id = key_id
            return None
        try:
            public_key = load_public_key(bank_key.public_key_pem)
        except KeyFormatError:
            logger.error("bank key %s has no usable Ed25519 public key", key_id)
            self.unknown_key_id = key_id
            return None
        self.bank_key = bank_key
        return public_key

    def resolve_private_key(self, key_id: str):
        raise NotImplementedError("The portal holds no bank's private key.")


class BankSignatureVerifier(HTTPMessageVerifier):
    """The library's verifier with the portal's clock policy and precise rejection reasons.

    The library reads its clock-skew tolerance from a class attribute (5 s); here it comes
    from ``BANK_SIGNATURE_CLOCK_SKEW_SECONDS`` at use time. ``created`` is checked first
    with its own reasons (missing, in the future, too old), then the library's checks run too.
    """

    def __init__(self, *, key_resolver: BankKeyResolver) -> None:
        super().__init__(signature_algorithm=algorithms.ED25519, key_resolver=key_resolver)
        self.max_clock_skew = timedelta(seconds=settings.BANK_SIGNATURE_CLOCK_SKEW_SECONDS)

    def validate_created_and_expires(self, sig_input, max_age=None):
        created = sig_input.params.get("created")
        if created is None:
            raise _PolicyViolation(MISSING_CREATED)
        if type(created) is int:  # other types: the library rejects them below
            now = time.time()
            skew = self.max_clock_skew.total_seconds()
            if created > now + skew:
                raise _PolicyViolation(CREATED_IN_FUTURE)
            # No skew on this side: "at most 300 s old" means 300 s (design.md §8).
            if max_age is not None and created + max_age.total_seconds() < now:
                raise _PolicyViolation(EXPIRED)
        super().validate_created_and_expires(sig_input, max_age=max_age)


def _check_coverage(result: VerifyResult) -> None:
    """Require the method, the content type and the target among the covered components.

    The target is ``@target-uri``, or ``@path`` together with ``@authority``. Checked on the
    result rather than through ``verify(require_components=...)``: that cannot express "either
    ... or", and it fails with a bare ``InvalidSignature`` that does not say which component
    the bank forgot.
    """
    covered = result.covered_components
    for component in REQUIRED_COMPONENTS:
        if component not in covered:
            raise _reject(MISSING_COMPONENT, component.strip('"'))
    if not any(all(c in covered for c in option) for option in TARGET_ALTERNATIVES):
        raise _reject(MISSING_COMPONENT, "@target-uri (or @path and @authority)")
    if "created" not in result.parameters:  # the verifier requires it; never trust that alone
        raise _reject(MISSING_CREATED)


def _check_digest(result: VerifyResult, body: bytes) -> None:
    """Check the signed Content-Digest (sha-256 or sha-512, RFC 9530) against the raw body.

    The library's digest check is used rather than ``verify(body=...)`` so that a missing
    digest and a wrong one get their own reasons. It returns whether any covered component was
    a digest (the whole field or one of its members) and raises if one does not match.
    """
    try:
        digest_covered = HTTPMessageVerifier.content_digest_class.verify_components(
            result.covered_components, body
        )
    except HTTPMessageSignaturesException as exc:
        logger.info("bank signature rejected: %s", exc)
        raise _reject(DIGEST_MISMATCH) from exc
    if not digest_covered:
        raise _reject(MISSING_COMPONENT, "content-digest")


def verify_request(request: HttpRequest, body: bytes) -> BankKey:
    """Return the bank key that signed this request, or raise ``SignatureRejected``.

    ``body`` is the raw request body as read by the view (the request's stream is consumed).
    The library raises ``InvalidSignature`` for a bad signature but its base exception for
    malformed input (a broken URL, an unknown component, bad parameters): both are caught.
    """
    if "Signature" not in request.headers or "Signature-Input" not in request.headers:
        raise _reject(MISSING_SIGNATURE)
    resolver = BankKeyResolver()
    verifier = BankSignatureVerifier(key_resolver=resolver)
    try:
        results = verifier.verify(
            DjangoRequestMessage.from_request(request),
            max_age=timedelta(seconds=settings.BANK_SIGNATURE_MAX_AGE_SECONDS),
        )
    except _PolicyViolation as exc:
        raise _reject(exc.reason) from exc
    except HTTPMessageSignaturesException as exc:
        if resolver.database_error is not None:
            raise resolver.database_error from exc
        if resolver.bank_key is None and resolver.unknown_key_id is not None:
            logger.info("bank signature rejected: unknown key id %r", resolver.unknown_key_id)
            raise _reject(UNKNOWN_KEY) from exc
        logger.info("bank signature rejected: %s", exc)
        raise _reject(INVALID_SIGNATURE) from exc
    # The verifier refuses several signatures unless told which to select, so there is one.
    if len(results) != 1 or resolver.bank_key is None:
        raise _reject(INVALID_SIGNATURE)
    _check_coverage(results[0])
    _check_digest(results[0], body)
    return resolver.bank_key
