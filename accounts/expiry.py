"""Expiring pending accounts that were not activated in time (design.md §7, issue 5 item 4)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from accounts import lifecycle
from accounts.models import AccountStatus, User

logger = logging.getLogger(__name__)

SOURCE = "expiry"


def registration_expires_at(account: User) -> datetime:
    """When a pending account expires: ``PENDING_TTL_DAYS`` after it was created."""
    return account.created_at + timedelta(days=settings.PENDING_TTL_DAYS)


def expiry_cutoff(*, now: datetime | None = None) -> datetime:
    """Pending accounts created before this moment are due to expire."""
    return (now or timezone.now()) - timedelta(days=settings.PENDING_TTL_DAYS)


def pending_accounts_due(*, now: datetime | None = None) -> list[int]:
    """Ids of the pending accounts created more than ``PENDING_TTL_DAYS`` ago, oldest first."""
    return list(
        User.objects.filter(status=AccountStatus.PENDING, created_at__lt=expiry_cutoff(now=now))
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )


def expire_pending_accounts(*, now: datetime | None = None) -> int:
    """Move every pending account older than ``PENDING_TTL_DAYS`` to ``expired``; return how many.

    Each account changes in its own transaction, its row locked by
    ``lifecycle.account_change_status``, which re-reads the status: an account activated,
    superseded or expired meanwhile (by a bank, a new registration or a concurrent run of this
    command) is skipped. Running it again, or twice at once, changes nothing more.
    """
    days = settings.PENDING_TTL_DAYS
    reason = f"not activated within {days} days"
    expired = 0
    for account_id in pending_accounts_due(now=now):
        account = User(pk=account_id)
        try:
            lifecycle.account_change_status(
                account=account,
                to_status=AccountStatus.EXPIRED,
                kind=lifecycle.Kind.EXPIRED,
                source=SOURCE,
                reason=reason,
                details={"pending_ttl_days": days},
            )
        except lifecycle.TransitionNotAllowed:
            continue  # changed since it was selected
        except User.DoesNotExist:  # pragma: no cover - accounts are never deleted
            continue
        expired += 1
    if expired:
        logger.info("expired %d pending account(s) older than %d days", expired, days)
    return expired
