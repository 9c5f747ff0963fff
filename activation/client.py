"""The reference bank client: send one signed activation confirmation to the portal (design.md §8).

This is what a bank's system does, written down as a small library (``manage.py bank_confirm``
is its command-line face). It needs only the bank's Ed25519 private key and the portal's base
URL, never the portal's database.

The request is signed with ``requests-http-signature`` (RFC 9421, Ed25519). The signature covers
``@method``, ``@target-uri``, ``content-type`` and ``content-digest``, with ``created`` and
``keyid`` in its parameters. Version 2.0 of the library writes the ``Content-Digest`` header
(RFC 9530, sha-256) itself from the buffered body (and refuses to sign if the header is already
there), so it is not set here. The library also adds a ``Date`` header and covers it: one more
covered component, which a verifier requiring the four above accepts.

The portal rebuilds ``@target-uri`` from its ``PUBLIC_ORIGIN`` setting: ``base_url`` must be
that origin (for ``make run``, ``http://127.0.0.1:8000``), or the signature will not verify.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from requests_http_signature import HTTPSignatureAuth, algorithms

from activation.keys import load_private_key, private_key_pem

#: The API path, appended to the portal's base URL (a contract with banks: design.md §8).
ACTIVATIONS_PATH = "/api/bank/v1/activations"

#: The components every confirmation's signature covers (the portal requires them).
COVERED_COMPONENTS = ("@method", "@target-uri", "content-type", "content-digest")

#: The channels a confirmation can name (``activation.models.ChannelKind``).
CHANNELS = ("online", "atm", "app", "phone")

CONTENT_TYPE = "application/json"


def activations_url(base_url: str) -> str:
    """The API's URL under ``base_url`` (scheme and host, optionally a path prefix)."""
    return base_url.rstrip("/") + ACTIVATIONS_PATH


def rfc3339_utc(moment: datetime) -> str:
    """Format an aware datetime as RFC 3339 in UTC with a ``Z`` (``2026-01-31T09:00:00Z``)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("confirmed_at must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def confirmation_body(
    *,
    event_id: str,
    national_id: str,
    mobile: str,
    channel: str,
    confirmed_at: str,
) -> bytes:
    """The JSON body of a confirmation, UTF-8, with the fields exactly as given."""
    payload: dict[str, Any] = {
        "event_id": event_id,
        "national_id": national_id,
        "mobile": mobile,
        "channel": channel,
        "confirmed_at": confirmed_at,
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def signature_auth(
    *, key_id: str, private_key: Ed25519PrivateKey | str | bytes
) -> HTTPSignatureAuth:
    """A ``requests`` auth that signs a request with the bank's Ed25519 key as the portal expects.

    ``private_key`` is a key object or its unencrypted PEM; anything else raises
    ``activation.keys.KeyFormatError``.
    """
    if not isinstance(private_key, Ed25519PrivateKey):
        private_key = load_private_key(private_key)
    return HTTPSignatureAuth(
        signature_algorithm=algorithms.ED25519,
        key=private_key_pem(private_key).encode("ascii"),
        key_id=key_id,
        covered_component_ids=COVERED_COMPONENTS,
    )


def confirm_activation(
    *,
    base_url: str,
    key_id: str,
    private_key: Ed25519PrivateKey | str | bytes,
    national_id: str,
    mobile: str,
    channel: str,
    event_id: str | None = None,
    confirmed_at: datetime | str | None = None,
    timeout: float = 10,
    session: requests.Session | None = None,
) -> requests.Response:
    """Send one signed confirmation that a customer activated their portal account at the bank.

    ``national_id``, ``mobile`` and ``channel`` are sent as given (the portal normalises and
    validates them). ``event_id`` defaults to a new random id: pass the same id again to retry
    the same confirmation (the portal replays its stored answer). ``confirmed_at`` defaults to
    now; a datetime must be timezone-aware, a string is sent as it is.

    Returns the portal's response whatever its status; network failures raise the usual
    ``requests.RequestException`` subclasses (``ConnectionError``, ``Timeout``, ...).
    """
    if event_id is None:
        event_id = uuid.uuid4().hex
    if confirmed_at is None:
        confirmed_at = datetime.now(UTC)
    if isinstance(confirmed_at, datetime):
        confirmed_at = rfc3339_utc(confirmed_at)
    body = confirmation_body(
        event_id=event_id,
        national_id=national_id,
        mobile=mobile,
        channel=channel,
        confirmed_at=confirmed_at,
    )
    sender = session if session is not None else requests
    return sender.post(
        activations_url(base_url),
        data=body,
        headers={"Content-Type": CONTENT_TYPE, "Accept": "application/json"},
        auth=signature_auth(key_id=key_id, private_key=private_key),
        timeout=timeout,
        allow_redirects=False,
    )
