"""Read-only queries about accounts, shared by forms, views and services."""

from __future__ import annotations

from django.db.models.functions import Lower

from accounts.models import HOLDING_STATUSES, AccountStatus, User


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
