"""The bank activation API (design.md §8): thin views over signatures, forms and services.

``POST /api/bank/v1/activations`` checks, in this order: body size (413), signature (401),
content type (415), JSON syntax (400), fields (422); then ``activation_confirm`` answers
(200 / 409 / 422). Every answer is JSON — ``{"status": ...}`` on 200, ``{"error": code,
"detail": ...}`` otherwise — and no input produces a 5xx. Texts are English (the codes are the
contract; docs/decisions.md).
"""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.http import parse_header_parameters
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from activation.forms import InvalidPayload, parse_confirmation
from activation.openapi import build_document
from activation.services import activation_confirm
from activation.signatures import SignatureRejected, verify_request

logger = logging.getLogger(__name__)


def error_response(status: int, error: str, detail: str, **extra: Any) -> JsonResponse:
    """A JSON error answer: ``{"error": code, "detail": text, ...}``."""
    return json_response(status, {"error": error, "detail": detail, **extra})


def json_response(status: int, body: dict[str, Any]) -> JsonResponse:
    """An API answer: never cached, and labelled English (LocaleMiddleware would say Arabic)."""
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    response["Content-Language"] = "en"
    return response


class _JsonOnlyView(View):
    """Answers methods it does not serve with a JSON 405 that lists the allowed ones."""

    def http_method_not_allowed(self, request: HttpRequest, *args: Any, **kwargs: Any):
        allowed = ", ".join(m.upper() for m in self._allowed_methods())
        response = error_response(
            405, "method_not_allowed", f"This endpoint accepts {allowed} only."
        )
        response["Allow"] = allowed
        return response


class _TooLarge(Exception):
    pass


def _read_body(request: HttpRequest) -> bytes:
    """Read the body, never more than the limit plus one byte; ``_TooLarge`` past the limit.

    A declared ``Content-Length`` over the limit is refused before reading anything.
    """
    limit = settings.BANK_API_MAX_BODY_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise _TooLarge
    body = request.read(limit + 1)
    if len(body) > limit:
        raise _TooLarge
    return body


def _is_json(request: HttpRequest) -> bool:
    """``application/json``, with no charset or ``utf-8`` (RFC 8259: JSON is UTF-8)."""
    try:
        media_type, params = parse_header_parameters(request.META.get("CONTENT_TYPE", ""))
    except ValueError:  # e.g. an RFC 2231 parameter naming an unknown charset
        return False
    if media_type.strip().lower() != "application/json":
        return False
    charset = params.get("charset")
    return charset is None or charset.strip().lower() in ("utf-8", "utf8")


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Duplicate names would let the bank's and the portal's parsers read different values."""
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise ValueError(f"duplicate name {name!r}")
        result[name] = value
    return result


def _decode_json(body: bytes) -> Any:
    """Strict JSON: UTF-8, no NaN/Infinity, no duplicate names; ``ValueError`` otherwise."""
    try:
        return json.loads(
            body.decode("utf-8"),
            parse_constant=_reject_constant,
            object_pairs_hook=_reject_duplicates,
            # Numbers are valid JSON however long (Python's int() refuses 4,300+ digits);
            # the fields then say "not a string" (422) rather than "not JSON" (400).
            parse_int=Decimal,
            parse_float=Decimal,
        )
    except RecursionError as exc:  # deeply nested arrays
        raise ValueError("too deeply nested") from exc


@method_decorator(csrf_exempt, name="dispatch")
class BankActivationApi(_JsonOnlyView):
    """Apply a bank's signed activation confirmation."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> JsonResponse:
        with translation.override("en"):
            try:
                return self._confirm(request)
            except DatabaseError:
                # An outage, not the bank's fault: a 503 says "retry", a 401 would say "stop".
                logger.exception("bank activation request failed: database unavailable")
                return error_response(
                    503, "unavailable", "The portal is temporarily unavailable; retry later."
                )
            except Exception:
                # A bug or an outage, not bad input: still answer in JSON, and log it.
                logger.exception("bank activation request failed")
                return error_response(
                    500, "server_error", "The portal could not process the request; retry later."
                )

    def _confirm(self, request: HttpRequest) -> JsonResponse:
        try:
            body = _read_body(request)
        except _TooLarge:
            limit = settings.BANK_API_MAX_BODY_BYTES
            return error_response(
                413, "body_too_large", f"The body must not be larger than {limit} bytes."
            )
        try:
            key = verify_request(request, body)
        except SignatureRejected as exc:
            return error_response(401, "invalid_signature", exc.detail, reason=exc.reason)
        if not _is_json(request):
            return error_response(
                415, "unsupported_media_type", "The body must be application/json (UTF-8)."
            )
        try:
            payload = _decode_json(body)
        except ValueError:
            return error_response(400, "invalid_json", "The body is not valid JSON.")
        try:
            confirmation = parse_confirmation(payload)
        except InvalidPayload as exc:
            return error_response(
                422,
                "invalid_fields",
                "Some fields are missing or invalid.",
                fields=exc.messages,
                codes=exc.codes,
            )
        result = activation_confirm(key=key, confirmation=confirmation)
        return json_response(result.status, result.body)


class BankOpenApiDocument(_JsonOnlyView):
    """Serve the API's OpenAPI 3.1 document, with this portal's public origin as its server."""

    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest) -> JsonResponse:
        return JsonResponse(build_document(public_origin=settings.PUBLIC_ORIGIN))
