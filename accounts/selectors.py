"""Read-only queries about accounts, shared by forms, views and services."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.http import HttpRequest

from accounts.models import HOLDING_STATUSES, AccountStatus, User
from accounts.validators import to_ascii_digits, validate_national_id


def national_id_has_registered_account(national_id: str) -> bool:
    """True if an active or suspended account holds this ID (a pending one does not block)."""
    return User.objects.filter(
        national_id=national_id,
        status__in=(AccountStatus.ACTIVE, AccountStatus.SUSPENDED),
    ).exists()


def username_taken(username: str, *, national_id: str = "") -> bool:
    """True if another person's account holds ``username`` (in any letter case).

    A pending account with the same ID number does not count: completing this
    registration supersedes it, and the person may keep their username.
    """
    holders = User.objects.alias(username_lower=Lower("username")).filter(
        username_lower=username.lower(), status__in=HOLDING_STATUSES
    )
    if national_id:
        holders = holders.exclude(national_id=national_id, status=AccountStatus.PENDING)
    return holders.exists()


def normalize_identifier(identifier: str) -> str:
    """What sign-in looks up and throttles on: an ID number's ASCII digits, or the username.

    Arabic-Indic and Persian digits become ASCII; an ID number is read as the ID field of
    registration reads it (spaces, dashes and direction marks dropped), other digit strings
    lose their spaces; a username is lower-cased (usernames are unique case-insensitively
    and never all digits).
    """
    value = to_ascii_digits(identifier).strip()
    try:
        return validate_national_id(value)
    except ValidationError:
        pass
    compact = "".join(value.split())
    if compact.isascii() and compact.isdigit():
        return compact
    return value.lower()


def find_account_by_username(username: str) -> User | None:
    """The account holding ``username`` in any letter case (the lower-case index), or None."""
    if "\x00" in username:  # no account's name has one, and PostgreSQL refuses it in a query
        return None
    try:
        return User.objects.get_by_natural_key(username)
    except User.DoesNotExist:
        return None


def find_account_by_identifier(identifier: str) -> User | None:
    """The account holding this username (any case) or ID number (any digits), or None.

    Only accounts that hold their ID and username (pending, active, suspended) are found;
    whether one may sign in is for the caller to decide.
    """
    value = normalize_identifier(identifier)
    if not value:
        return None
    if value.isdigit():
        try:
            national_id = validate_national_id(value)
        except ValidationError:
            return None
        return User.objects.filter(national_id=national_id, status__in=HOLDING_STATUSES).first()
    return find_account_by_username(value)


#: Where a request remembers the account its identifier resolved to (see below).
_ACCOUNT_OF_REQUEST = "_account_by_identifier"


def find_account_by_identifier_once(request: HttpRequest | None, identifier: str) -> User | None:
    """``find_account_by_identifier``, looked up once per request and normalised identifier.

    Sign-in keys its lockout on the account before the password is checked, and the
    authentication backend then needs the same account: both ask here, so a password post
    makes one lookup whether or not an account holds the identifier (no timing difference).
    """
    key = normalize_identifier(identifier)
    remembered = getattr(request, _ACCOUNT_OF_REQUEST, None)
    if remembered is not None and remembered[0] == key:
        return remembered[1]
    user = find_account_by_identifier(identifier)
    if request is not None:
        setattr(request, _ACCOUNT_OF_REQUEST, (key, user))
    return user
