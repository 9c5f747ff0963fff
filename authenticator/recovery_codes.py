"""Recovery codes: ten single-use codes for when the app, passkey or phone is not at hand.

A code is 10 characters of Crockford's base32 alphabet (digits and lower-case letters without
i, l, o and u: 50 random bits), shown as ``xxxxx-xxxxx``. Typing is forgiving: any case,
spaces and dashes anywhere, Arabic-Indic digits, and the letters o, i and l read as 0, 1 and 1.

Only an HMAC-SHA256 of each code is stored, keyed with ``FACTOR_SECRET_KEYS`` and naming the
account (decision 244), so the codes are shown once, in the response of the request that made
them, and never again. Making new codes (or the first ones) removes every older code of the
account; using one marks it used in one conditional UPDATE, so a code works once even when two
requests carry it at the same moment.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.models import AccountEvent, User
from accounts.security_changes import record_security_change
from accounts.validators import to_ascii_digits
from authenticator import crypto
from authenticator.models import RecoveryCode

#: Crockford's base32: no i, l, o or u, so nothing reads as something else.
ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
CODE_LENGTH = 10
COUNT = 10
_READ_AS = str.maketrans({"o": "0", "i": "1", "l": "1"})
_SEPARATORS = str.maketrans("", "", " -\u2010\u2011\u2012\u2013\u2014\u2212\u00a0\u200e\u200f")

#: Functions ``(user) -> bool`` saying whether the account has a passkey or an authenticator
#: app: the ways to sign in that recovery codes stand in for. The passkeys app adds its own.
STRONG_FACTOR_CHECKS: tuple[str, ...] = (
    "authenticator.totp.has_app",
    "passkeys.services.has_passkey",
)


def normalize(typed: str) -> str | None:
    """The code ``typed`` stands for (10 characters of the alphabet), or None if none can be."""
    code = to_ascii_digits(typed).translate(_SEPARATORS).lower().translate(_READ_AS)
    if len(code) != CODE_LENGTH or any(char not in ALPHABET for char in code):
        return None
    return code


def shown(code: str) -> str:
    """A code as the page and the download show it: two groups of five."""
    return f"{code[:5]}-{code[5:]}"


def _digests(user: User, code: str) -> list[str]:
    return crypto.recovery_code_digests(f"{user.pk}:{code}".encode("ascii"))


def _lock_account(user: User) -> None:
    User.objects.select_for_update().filter(pk=user.pk).first()


# --- reading --------------------------------------------------------------------------------
def remaining(user: User) -> int:
    """How many of the account's recovery codes are still unused."""
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def ever_made(user: User) -> bool:
    """Whether the account has a set of recovery codes (used up or not)."""
    return RecoveryCode.objects.filter(user=user).exists()


def holds_strong_factor(user: User) -> bool:
    """Whether the account has a passkey or an authenticator app (``STRONG_FACTOR_CHECKS``)."""
    return any(import_string(path)(user) for path in STRONG_FACTOR_CHECKS)


def are_current(user: User, typed: Iterable[str]) -> bool:
    """Whether ``typed`` are exactly the account's unused codes (what a download may contain)."""
    codes = [normalize(code) for code in typed]
    if not codes or None in codes or len(set(codes)) != len(codes):
        return False
    unused_codes = RecoveryCode.objects.filter(user=user, used_at__isnull=True)
    unused = set(unused_codes.values_list("digest", flat=True))
    return len(codes) == len(unused) and all(
        any(digest in unused for digest in _digests(user, code)) for code in codes
    )


# --- making and using -------------------------------------------------------------------------
def _make(user: User, *, first: bool) -> list[str]:
    codes = ["".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH)) for _ in range(COUNT)]
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, digest=_digests(user, code)[0]) for code in codes
    )
    record_security_change(
        account=user,
        kind=AccountEvent.Kind.RECOVERY_CODES_NEW,
        source="security",
        details={"count": COUNT, "first": first},
    )
    return [shown(code) for code in codes]


def recovery_codes_make(*, user: User) -> list[str]:
    """Ten new codes for the account, every older one removed; records ``recovery_codes_new``
    (and its SMS notice). The codes are returned once, as shown, and kept nowhere."""
    with transaction.atomic():
        _lock_account(user)
        return _make(user, first=not ever_made(user))


def first_recovery_codes(*, user: User) -> list[str] | None:
    """The account's first codes, made now; None if it already has a set (then nothing
    changes: this runs on a page a person may reload)."""
    with transaction.atomic():
        _lock_account(user)
        if ever_made(user):
            return None
        return _make(user, first=True)


def recovery_code_use(*, user: User, typed: str) -> int | None:
    """Use up the code ``typed`` at sign-in: how many codes are left, or None if it is not an
    unused code of the account. Records ``recovery_code_used`` (and its SMS notice)."""
    code = normalize(typed)
    if code is None:
        return None
    with transaction.atomic():
        used = RecoveryCode.objects.filter(
            user=user, digest__in=_digests(user, code), used_at__isnull=True
        ).update(used_at=timezone.now())
        if not used:
            return None
        left = remaining(user)
        record_security_change(
            account=user,
            kind=AccountEvent.Kind.RECOVERY_CODE_USED,
            source="signin",
            details={"remaining": left},
        )
    return left
