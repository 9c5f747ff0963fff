"""Helpers shared by the activation app's management commands.

Every failure becomes a ``CommandError`` with a message a person can act on (STYLE Z5):
commands never end in a traceback for a bad file, a bad key or a bad argument.
"""

from __future__ import annotations

import re
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.management import PortalCommand  # noqa: F401 - the app's commands import it here
from activation.keys import KeyFormatError, load_private_key, load_public_key, public_key_pem
from activation.models import Bank, BankKey

#: A PEM key is well under 1 KiB; refuse to read anything much larger into memory.
MAX_KEY_FILE_BYTES = 64 * 1024

#: Key ids travel in the signature's ``keyid`` parameter: keep them to plain, unquoted text.
KEY_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/+-]{0,99}")


def read_key_file(path: str, *, what: str) -> bytes:
    """Return the bytes of a key file; ``CommandError`` if it cannot be read."""
    file = Path(path)
    try:
        with file.open("rb") as handle:
            data = handle.read(MAX_KEY_FILE_BYTES + 1)
    except FileNotFoundError as exc:
        raise CommandError(
            _("The %(what)s file %(path)s does not exist.") % {"what": what, "path": path}
        ) from exc
    except OSError as exc:
        raise CommandError(
            _("Cannot read the %(what)s file %(path)s: %(reason)s.")
            % {"what": what, "path": path, "reason": exc.strerror or exc}
        ) from exc
    if len(data) > MAX_KEY_FILE_BYTES:
        raise CommandError(
            _("The %(what)s file %(path)s is too large to be a PEM key.")
            % {"what": what, "path": path}
        )
    return data


def load_public_key_file(path: str) -> Ed25519PublicKey:
    """Read a bank's Ed25519 public key (PEM); ``CommandError`` for anything else."""
    data = read_key_file(path, what=_("public key"))
    if b"PRIVATE KEY-----" in data:
        raise CommandError(
            _(
                "%(path)s holds a private key. Give the bank's public key: the portal must never "
                "hold a bank's private key."
            )
            % {"path": path}
        )
    try:
        return load_public_key(data)
    except (KeyFormatError, UnsupportedAlgorithm) as exc:
        raise CommandError(
            _("%(path)s is not an Ed25519 public key in PEM format (%(reason)s).")
            % {"path": path, "reason": exc}
        ) from exc


def load_private_key_file(path: str) -> Ed25519PrivateKey:
    """Read a bank's unencrypted Ed25519 private key (PEM); ``CommandError`` for anything else."""
    data = read_key_file(path, what=_("private key"))
    try:
        return load_private_key(data)
    except (KeyFormatError, UnsupportedAlgorithm) as exc:
        raise CommandError(
            _("%(path)s is not an unencrypted Ed25519 private key in PEM format (%(reason)s).")
            % {"path": path, "reason": exc}
        ) from exc


def check_key_id(key_id: str) -> str:
    """Return the key id if it is usable in a signature's ``keyid``; ``CommandError`` if not."""
    if not KEY_ID_RE.fullmatch(key_id):
        raise CommandError(
            _(
                "Invalid key id %(key_id)r: use 1 to 100 characters among letters, digits and "
                ". _ : @ / + -, starting with a letter or digit."
            )
            % {"key_id": key_id}
        )
    return key_id


def get_bank(code: str) -> Bank:
    """The bank with this code; ``CommandError`` naming the known codes if there is none."""
    try:
        return Bank.objects.get(code=code)
    except Bank.DoesNotExist as exc:
        known = ", ".join(Bank.objects.values_list("code", flat=True)) or "-"
        raise CommandError(
            _("Unknown bank %(code)r. Known banks: %(known)s.") % {"code": code, "known": known}
        ) from exc


def create_bank_key(*, bank: Bank, key_id: str, public_key: Ed25519PublicKey) -> BankKey:
    """Register a bank's public key under a new key id; ``CommandError`` if the id is taken.

    The key is stored in canonical PEM (SubjectPublicKeyInfo), whatever the file looked like.
    Call inside ``transaction.atomic()``: a duplicate found only by the database (a concurrent
    registration) leaves the transaction usable for the error message.
    """
    existing = BankKey.objects.select_related("bank").filter(key_id=key_id).first()
    if existing is not None:
        raise CommandError(
            _("The key id %(key_id)s is already registered (bank %(bank)s).")
            % {"key_id": key_id, "bank": existing.bank.code}
        )
    try:
        with transaction.atomic():
            return BankKey.objects.create(
                bank=bank, key_id=key_id, public_key_pem=public_key_pem(public_key)
            )
    except IntegrityError as exc:
        raise CommandError(
            _("The key id %(key_id)s is already registered.") % {"key_id": key_id}
        ) from exc
