"""The keys of the second factors: AES-GCM for app secrets, HMAC for recovery codes (decision 241).

The keys come from ``FACTOR_SECRET_KEYS`` (the environment, never the database), so a dump of
the database alone can neither mint an authenticator code nor test guesses of a recovery code.
The first key encrypts and hashes; every key decrypts and verifies, so a key is rotated by
putting a new one first, running ``manage.py reencrypt_factor_secrets``, and dropping the old
one once recovery codes made under it are no longer wanted (they stop working with it).

A ciphertext is ``version (1) | key id (4) | nonce (12) | AES-GCM(secret) with its tag (16)``;
the key id (the start of a hash of the key) says which key made it. The associated data names
the row's purpose and account, so a ciphertext copied onto another account's row, or used for
another purpose, fails its tag instead of decrypting.

In development, browser tests and benchmarks, where settings allow no key, one is derived from
``SECRET_KEY`` with HKDF under this module's own label.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

VERSION = b"\x01"
KEY_ID_BYTES = 4
NONCE_BYTES = 12
#: HKDF's label for the development key (from SECRET_KEY) and for each key's HMAC half.
DEVELOPMENT_KEY_LABEL = b"absher-portal/factor-secret-key/development"
RECOVERY_CODE_LABEL = b"absher-portal/recovery-code-hmac"


class SecretUnavailable(Exception):
    """A stored secret that no configured key opens (a key was dropped, or the row was altered)."""


def _hkdf(key: bytes, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(key)


@functools.lru_cache(maxsize=8)
def _keys_from(configured: tuple[str, ...], secret_key: str) -> tuple[bytes, ...]:
    if configured:
        return tuple(
            base64.b64decode(key.encode("ascii"), altchars=b"-_", validate=True)
            for key in configured
        )
    return (_hkdf(secret_key.encode("utf-8"), DEVELOPMENT_KEY_LABEL),)


def keys() -> tuple[bytes, ...]:
    """The keys in use, the encrypting one first (read at each call: settings may change)."""
    return _keys_from(tuple(settings.FACTOR_SECRET_KEYS), settings.SECRET_KEY)


def key_id(key: bytes) -> bytes:
    """A short name of ``key`` stored beside what it encrypted (it reveals nothing of the key)."""
    return hashlib.sha256(b"key-id:" + key).digest()[:KEY_ID_BYTES]


def encrypt(plaintext: bytes, *, context: bytes) -> bytes:
    """``plaintext`` sealed with the first key; ``context`` must be given again to open it."""
    key = keys()[0]
    header = VERSION + key_id(key)
    nonce = os.urandom(NONCE_BYTES)
    return header + nonce + AESGCM(key).encrypt(nonce, plaintext, header + context)


def decrypt(sealed: bytes, *, context: bytes) -> bytes:
    """What :func:`encrypt` sealed; ``SecretUnavailable`` if no key opens it for ``context``."""
    sealed, start = bytes(sealed), 1 + KEY_ID_BYTES
    header, nonce = sealed[:start], sealed[start : start + NONCE_BYTES]
    body = sealed[start + NONCE_BYTES :]
    if header[:1] != VERSION:
        raise SecretUnavailable("unknown format")
    for key in keys():
        if key_id(key) == header[1:]:
            try:
                return AESGCM(key).decrypt(nonce, body, header + context)
            except InvalidTag:
                break
    raise SecretUnavailable("no configured key opens this secret")


def sealed_with_current_key(sealed: bytes) -> bool:
    """Whether ``sealed`` was made with the first key (else rotation should re-encrypt it)."""
    return bytes(sealed)[1 : 1 + KEY_ID_BYTES] == key_id(keys()[0])


def recovery_code_digests(message: bytes) -> list[str]:
    """HMAC-SHA256 of ``message`` under each key's recovery-code half, the current key first."""
    return [
        hmac.new(_hkdf(key, RECOVERY_CODE_LABEL), message, hashlib.sha256).hexdigest()
        for key in keys()
    ]
