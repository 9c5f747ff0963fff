"""A person's passkeys: the handle their authenticators know them by, renaming, removing.

Adding one and signing in with one are ceremonies (``passkeys.registration``,
``passkeys.authentication``); what changes the ways to sign in is recorded and told to the
person (``accounts.security_changes``).
"""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from accounts.models import AccountEvent, User
from accounts.security_changes import record_security_change
from passkeys.models import HANDLE_BYTES, Passkey, UserHandle

#: The most passkeys one account may have: enough for every device a person owns.
MAX_PASSKEYS = 20
#: The ``source`` of the events written from the security page.
SOURCE = "security"


class NameTaken(Exception):
    """Another passkey of the same person already has this name."""


def passkeys_of(account: User) -> QuerySet[Passkey]:
    """The person's passkeys, oldest first."""
    return Passkey.objects.filter(owner=account).order_by("created_at", "pk")


def has_passkey(account: User) -> bool:
    """Whether the account has a passkey (one of the strong factors recovery codes back up)."""
    return Passkey.objects.filter(owner=account).exists()


def user_handle(account: User) -> bytes:
    """The account's WebAuthn user handle, made (64 random bytes) the first time it is asked."""
    existing = UserHandle.objects.filter(account=account).values_list("handle", flat=True).first()
    if existing is not None:
        return bytes(existing)
    try:
        with transaction.atomic():
            made = UserHandle.objects.create(
                account=account, handle=secrets.token_bytes(HANDLE_BYTES)
            )
        return bytes(made.handle)
    except IntegrityError:  # made by a parallel request meanwhile
        return bytes(UserHandle.objects.get(account=account).handle)


def name_taken(account: User, name: str, *, other_than: int | None = None) -> bool:
    """Whether another of the person's passkeys is called ``name`` (letter case aside)."""
    others = passkeys_of(account).exclude(pk=other_than)
    return any(
        existing.casefold() == name.casefold() for existing in others.values_list("name", flat=True)
    )


def passkey_rename(*, passkey: Passkey, name: str) -> Passkey:
    """Give ``passkey`` the person's new name (already validated); :class:`NameTaken` if another
    of theirs has it. Renaming changes no way to sign in, so nothing is recorded or told."""
    if name_taken(passkey.owner, name, other_than=passkey.pk):
        raise NameTaken(name)
    passkey.name = name
    try:
        with transaction.atomic():
            passkey.save(update_fields=["name"])
    except IntegrityError as exc:  # the same name given to another one at the same moment
        raise NameTaken(name) from exc
    return passkey


def passkey_remove(*, passkey: Passkey) -> None:
    """Remove ``passkey``: it signs nobody in from now on; the person is told by SMS."""
    with transaction.atomic():
        deleted, _ = Passkey.objects.filter(pk=passkey.pk, owner=passkey.owner).delete()
        if deleted:
            record_security_change(
                account=passkey.owner,
                kind=AccountEvent.Kind.PASSKEY_REMOVED,
                source=SOURCE,
                details={"name": passkey.name},
            )
