"""A small software authenticator for tests: what a phone or security key answers a browser.

It makes an EC P-256 key (``cryptography``), answers ``navigator.credentials.create()`` with a
"none" attestation object and ``get()`` with a signed assertion (``cbor2`` for the
authenticator data's key and the attestation object), and builds the client data JSON a
browser would. Every part can be bent (origin, counter, flags, user handle, signature), so each
attack on the ceremonies is one call. Tests only: the portal itself parses nothing by hand.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import struct
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

#: Authenticator data flags (WebAuthn §6.1).
USER_PRESENT = 0x01
USER_VERIFIED = 0x04
BACKUP_ELIGIBLE = 0x08
BACKED_UP = 0x10
ATTESTED_DATA = 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class SoftAuthenticator:
    """One credential on one pretend device, for the relying party ``rp_id`` at ``origin``."""

    rp_id: str
    origin: str
    sign_count: int = 0
    attachment: str = "platform"
    transports: list[str] = field(default_factory=lambda: ["internal"])
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    credential_id: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    user_handle: bytes | None = None

    # --- pieces -------------------------------------------------------------------------
    def cose_public_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def client_data(self, kind: str, challenge: str, *, origin: str | None = None) -> bytes:
        data = {
            "type": kind,
            "challenge": challenge,
            "origin": origin or self.origin,
            "crossOrigin": False,
        }
        return json.dumps(data, separators=(",", ":")).encode()

    def authenticator_data(self, *, flags: int, counter: int, rp_id: str | None = None) -> bytes:
        rp_hash = hashlib.sha256((rp_id or self.rp_id).encode()).digest()
        return rp_hash + bytes([flags]) + struct.pack(">I", counter)

    # --- the two ceremonies -----------------------------------------------------------------
    def create(
        self,
        options: dict[str, Any],
        *,
        origin: str | None = None,
        user_verified: bool = True,
        rp_id: str | None = None,
    ) -> dict[str, Any]:
        """The browser's ``PublicKeyCredential.toJSON()`` for ``create()`` with ``options``
        (the ``publicKey`` JSON the portal sent)."""
        self.user_handle = unb64url(options["user"]["id"])
        flags = USER_PRESENT | ATTESTED_DATA | (USER_VERIFIED if user_verified else 0)
        attested = (
            bytes(16)  # AAGUID: none given
            + struct.pack(">H", len(self.credential_id))
            + self.credential_id
            + self.cose_public_key()
        )
        auth_data = (
            self.authenticator_data(flags=flags, counter=self.sign_count, rp_id=rp_id) + attested
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self.client_data("webauthn.create", options["challenge"], origin=origin)
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "authenticatorAttachment": self.attachment,
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": self.transports,
            },
        }

    def get(
        self,
        options: dict[str, Any],
        *,
        origin: str | None = None,
        counter: int | None = None,
        user_verified: bool = True,
        user_handle: bytes | None = None,
        rp_id: str | None = None,
    ) -> dict[str, Any]:
        """The browser's ``toJSON()`` for ``get()`` with ``options``: the counter goes up by one
        unless ``counter`` is given (a copy of the key, say, with its own counter)."""
        if counter is None:
            self.sign_count += 1
            counter = self.sign_count
        flags = USER_PRESENT | (USER_VERIFIED if user_verified else 0)
        auth_data = self.authenticator_data(flags=flags, counter=counter, rp_id=rp_id)
        client_data = self.client_data("webauthn.get", options["challenge"], origin=origin)
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = self.key.sign(signed, ec.ECDSA(hashes.SHA256()))
        handle = user_handle if user_handle is not None else self.user_handle
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "authenticatorAttachment": self.attachment,
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": b64url(handle) if handle else None,
            },
        }
