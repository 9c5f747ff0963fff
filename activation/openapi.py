"""The OpenAPI 3.1 document of the bank activation API, kept true by a schemathesis run.

Everything here mirrors the code it describes: the field rules of ``activation.forms``, the
signature rules and rejection reasons of ``activation.signatures``, the answers of
``activation.api`` and ``activation.services``. Change them together.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from django.conf import settings

from activation.models import ActivationOutcome, ChannelKind
from activation.signatures import REASONS

ACTIVATIONS_PATH = "/api/bank/v1/activations"

_DESCRIPTION = """\
Banks confirm that a customer activated their pending portal account at the bank.

**Authentication**: every request carries an RFC 9421 HTTP Message Signature made with the
bank's registered Ed25519 key (`alg="ed25519"` if given; `keyid` names the registered key).
The signature must cover `@method`, `@target-uri` (or both `@path` and `@authority`),
`content-type` and `content-digest`, and carry a `created` parameter no older than
{max_age} seconds and no more than {skew} seconds in the future. `Content-Digest` (RFC 9530,
`sha-256` or `sha-512`) must match the body. `@target-uri` is the portal's public URL
(`{origin}{path}`), whatever Host the request arrives with.

**Checks, in order**: body size (413, at most {max_body} bytes), signature (401), content
type (415), JSON syntax (400), fields (422), then the account (200, 409, 422).

**Idempotency**: on (bank, `event_id`). Sending the same event again returns the stored answer;
the same `event_id` with a different body is refused (422 `event_id_reused`); an event still
being processed answers 409 `in_flight` (retry shortly).

Texts in `detail` are English and for people; the codes (`status`, `error`, `reason`, `codes`)
are the contract. Methods other than POST answer 405 with an `Allow` header and a JSON
`MethodNotAllowed` body.
"""


def _error(code: str | list[str], *, description: str, **properties: Any) -> dict[str, Any]:
    """An error body schema: ``error`` (one code or one of several), ``detail``, extras."""
    error = {"const": code} if isinstance(code, str) else {"enum": code}
    return {
        "type": "object",
        "description": description,
        "required": ["error", "detail", *properties],
        "properties": {
            "error": {"type": "string", **error},
            "detail": {"type": "string"},
            **properties,
        },
        "additionalProperties": False,
    }


def _json(schema_name: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}}


_FIELD_MESSAGES = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}, "minItems": 1},
}

_SCHEMAS: dict[str, Any] = {
    "Confirmation": {
        "type": "object",
        "description": (
            "A customer's confirmation at the bank. Every field is a JSON string; unknown "
            "fields are refused."
        ),
        "required": ["event_id", "national_id", "mobile", "channel", "confirmed_at"],
        "properties": {
            "event_id": {
                "type": "string",
                "minLength": 1,
                "maxLength": 100,
                "pattern": "^[\\x21-\\x7e]([\\x20-\\x7e]*[\\x21-\\x7e])?$",
                "description": (
                    "The bank's unique id of this confirmation (printable ASCII); the "
                    "idempotency key together with the bank."
                ),
            },
            "national_id": {
                "type": "string",
                "description": (
                    "National ID, iqama or border number: 10 digits (Arabic-Indic and Persian "
                    "digits and spaces accepted); IDs starting with 1 or 2 must pass the Luhn "
                    "check."
                ),
            },
            "mobile": {
                "type": "string",
                "description": (
                    "The customer's Saudi mobile number, in any usual notation (+9665…, "
                    "009665…, 05…); must be the account's mobile number."
                ),
            },
            "channel": {
                "type": "string",
                "enum": list(ChannelKind.values),
                "description": "Where the customer confirmed.",
            },
            "confirmed_at": {
                "type": "string",
                "format": "date-time",
                "description": (
                    "When the customer confirmed: RFC 3339 with Z or an offset; not more than "
                    "5 minutes in the future."
                ),
            },
        },
        "additionalProperties": False,
    },
    "ActivationResult": {
        "type": "object",
        "required": ["status"],
        "properties": {
            "status": {
                "type": "string",
                "enum": [ActivationOutcome.ACTIVATED.value, ActivationOutcome.ALREADY_ACTIVE.value],
            }
        },
        "additionalProperties": False,
    },
    "InvalidJson": _error("invalid_json", description="The body is not valid UTF-8 JSON."),
    "InvalidSignature": _error(
        "invalid_signature",
        description="The request is not signed as required.",
        reason={"type": "string", "enum": list(REASONS)},
    ),
    "MethodNotAllowed": _error("method_not_allowed", description="Only POST is served."),
    "InFlight": _error(
        "in_flight", description="The same event is being processed right now; retry shortly."
    ),
    "BodyTooLarge": _error("body_too_large", description="The body is over the size limit."),
    "UnsupportedMediaType": _error(
        "unsupported_media_type",
        description="The body is not application/json (a charset, if given, must be utf-8).",
    ),
    "InvalidFields": _error(
        "invalid_fields",
        description=(
            "Fields are missing, of the wrong type, invalid or unknown. `fields` maps each "
            "offending field (`__all__` when the body is not a JSON object) to messages; "
            "`codes` to their stable codes."
        ),
        fields=_FIELD_MESSAGES,
        codes=_FIELD_MESSAGES,
    ),
    "ConfirmationRefused": _error(
        [
            "event_id_reused",
            ActivationOutcome.NO_PENDING_ACCOUNT.value,
            ActivationOutcome.MOBILE_MISMATCH.value,
        ],
        description=(
            "`event_id_reused`: this event id came before with another body. "
            "`no_pending_account`: no account awaits activation for this ID. "
            "`mobile_mismatch`: the mobile number is not the account's."
        ),
    ),
    "ServerError": _error(
        "server_error", description="An unexpected failure (never caused by the input)."
    ),
    "Unavailable": _error(
        "unavailable", description="The portal's database is unreachable: retry with backoff."
    ),
}

_SIGNATURE_HEADERS = [
    {
        "name": "Signature-Input",
        "in": "header",
        "required": True,
        "description": "RFC 9421 signature parameters (one signature).",
        "schema": {"type": "string"},
        "example": (
            'sig1=("@method" "@target-uri" "content-type" "content-digest");'
            'created=1767258000;keyid="anb-2026";alg="ed25519"'
        ),
    },
    {
        "name": "Signature",
        "in": "header",
        "required": True,
        "description": "RFC 9421 signature, Ed25519.",
        "schema": {"type": "string"},
        "example": "sig1=:base64-signature:",
    },
    {
        "name": "Content-Digest",
        "in": "header",
        "required": True,
        "description": "RFC 9530 digest of the body, sha-256 or sha-512; covered by the signature.",
        "schema": {"type": "string"},
        "example": "sha-256=:base64-digest:",
    },
]


def build_document(*, public_origin: str) -> dict[str, Any]:
    """The OpenAPI document, with ``public_origin`` as its server."""
    description = _DESCRIPTION.format(
        max_age=settings.BANK_SIGNATURE_MAX_AGE_SECONDS,
        skew=settings.BANK_SIGNATURE_CLOCK_SKEW_SECONDS,
        max_body=settings.BANK_API_MAX_BODY_BYTES,
        origin=public_origin,
        path=ACTIVATIONS_PATH,
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Absher portal — bank activation API",
            "version": "1.0.0",
            "description": description,
        },
        "servers": [{"url": public_origin}],
        "paths": {
            ACTIVATIONS_PATH: {
                "post": {
                    "operationId": "confirmActivation",
                    "summary": "Confirm a customer's activation at the bank",
                    "parameters": deepcopy(_SIGNATURE_HEADERS),
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Confirmation"},
                                "example": {
                                    "event_id": "anb-2026-000001",
                                    "national_id": "1000000008",
                                    "mobile": "+966551234567",
                                    "channel": "atm",
                                    "confirmed_at": "2026-01-01T09:00:00Z",
                                },
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "Activated now, or already active (also on replay).",
                            "content": _json("ActivationResult"),
                        },
                        "400": {"description": "Not valid JSON.", "content": _json("InvalidJson")},
                        "401": {
                            "description": "Missing, malformed, expired or wrong signature.",
                            "content": _json("InvalidSignature"),
                        },
                        "409": {
                            "description": "The same event is in flight.",
                            "content": _json("InFlight"),
                        },
                        "413": {"description": "Body too large.", "content": _json("BodyTooLarge")},
                        "415": {
                            "description": "Not application/json.",
                            "content": _json("UnsupportedMediaType"),
                        },
                        "422": {
                            "description": "Invalid fields, or a refused confirmation.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "oneOf": [
                                            {"$ref": "#/components/schemas/InvalidFields"},
                                            {"$ref": "#/components/schemas/ConfirmationRefused"},
                                        ]
                                    }
                                }
                            },
                        },
                        "500": {
                            "description": "Unexpected failure; retry later.",
                            "content": _json("ServerError"),
                        },
                        "503": {
                            "description": "Temporarily unavailable (database outage); retry "
                            "later with the same event id.",
                            "content": _json("Unavailable"),
                        },
                    },
                }
            }
        },
        "components": {
            "schemas": deepcopy(_SCHEMAS),
            "responses": {
                "MethodNotAllowed": {
                    "description": "Any method but POST (with an `Allow: POST` header).",
                    "headers": {"Allow": {"schema": {"type": "string"}}},
                    "content": _json("MethodNotAllowed"),
                }
            },
        },
    }
