"""What the two ceremonies share: the failure they raise and how a browser's answer is read.

The browser's JSON is read by the library only (``webauthn``); its parsers raise whatever the
input provokes (its own errors, but also ``binascii.Error``, ``UnicodeDecodeError``,
``TypeError``...), so every malformed answer, of any shape, becomes one :class:`CeremonyFailed`.
"""

from __future__ import annotations

import json
from typing import Any

from webauthn.helpers import parse_client_data_json
from webauthn.helpers.exceptions import WebAuthnException

#: What a malformed answer can raise inside the library.
MALFORMED = (
    WebAuthnException,
    ValueError,
    TypeError,
    KeyError,
    AttributeError,
    IndexError,
    OverflowError,
    RecursionError,
)
#: The largest JSON body a ceremony reads: a credential is a few kilobytes at most.
BODY_MAX_BYTES = 32 * 1024


class CeremonyFailed(Exception):
    """A ceremony refused: ``code`` names the message the person sees (``passkeys.errors``)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def read_body(body: bytes) -> dict[str, Any]:
    """The JSON object a page posted; :class:`CeremonyFailed` ("failed") for anything else."""
    if len(body) > BODY_MAX_BYTES:
        raise CeremonyFailed("failed")
    try:
        data = json.loads(body)
    except MALFORMED as exc:
        raise CeremonyFailed("failed") from exc
    if not isinstance(data, dict):
        raise CeremonyFailed("failed")
    return data


def client_challenge(client_data_json: bytes) -> bytes:
    """The challenge the browser says it answered (checked again by the library's verify)."""
    try:
        return parse_client_data_json(client_data_json).challenge
    except MALFORMED as exc:
        raise CeremonyFailed("failed") from exc
