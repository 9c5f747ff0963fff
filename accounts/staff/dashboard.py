"""The staff dashboard's figures about accounts and SMS: plain reads, one aggregate each.

Each function answers one question with one ``GROUP BY`` over an index (``created_at`` on
accounts and SMS deliveries, ``(status, created_at)`` on accounts), so the page stays fast
with millions of rows (tests/test_dashboard_postgres.py measures it). Days are Riyadh's
(``TIME_ZONE``): a registration just after midnight there counts on the new day. The
activation figures live in ``activation.dashboard`` (accounts never imports activation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import User
from accounts.states import AccountStatus
from sms.models import ACCEPTED_STATUSES, PROBLEM_STATUSES, UNKNOWN_STATUSES, SmsDelivery

#: How far back the dashboard looks for what happens over time.
DEFAULT_DAYS = 30


def window_start(days: int = DEFAULT_DAYS, *, today: date | None = None) -> datetime:
    """Midnight in Riyadh at the start of the ``days`` days that end today (today included)."""
    today = today or timezone.localdate()
    first = today - timedelta(days=days - 1)
    return timezone.make_aware(datetime.combine(first, time.min))


def registrations_per_day(
    days: int = DEFAULT_DAYS, *, today: date | None = None
) -> list[tuple[date, int]]:
    """``(day, count)`` for each of the last ``days`` days, oldest first, days without any as 0."""
    today = today or timezone.localdate()
    start = window_start(days, today=today)
    counted = dict(
        User.objects.filter(created_at__gte=start)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(count=Count("*"))
        .order_by()
        .values_list("day", "count")
    )
    first = today - timedelta(days=days - 1)
    return [(day, counted.get(day, 0)) for day in (first + timedelta(days=n) for n in range(days))]


def accounts_by_status() -> dict[str, int]:
    """How many accounts are in each state, every state listed (0 when none), in the order of
    ``AccountStatus`` (pending, active, superseded, expired, suspended)."""
    counted = dict(
        User.objects.values("status")
        .annotate(count=Count("*"))
        .order_by()
        .values_list("status", "count")
    )
    return {status: counted.get(status, 0) for status in AccountStatus.values}


@dataclass(frozen=True)
class SmsOutcomes:
    """What became of the SMS handed to the provider in a period.

    ``failed``: refused, failed or not delivered (the admin's "Not delivered");
    ``unknown``: still being handed over, or an answer that left it open;
    ``accepted``: taken by the provider and not (yet) reported undelivered.
    """

    total: int
    failed: int
    unknown: int
    accepted: int

    @property
    def failure_rate(self) -> float | None:
        """Failed over all attempts, 0 to 1; None when nothing was sent (no rate to speak of)."""
        return self.failed / self.total if self.total else None


def sms_outcomes(days: int = DEFAULT_DAYS, *, today: date | None = None) -> SmsOutcomes:
    """The SMS sent in the last ``days`` days (today included), by outcome."""
    by_status = dict(
        SmsDelivery.objects.filter(created_at__gte=window_start(days, today=today))
        .values("status")
        .annotate(count=Count("*"))
        .order_by()
        .values_list("status", "count")
    )
    failed = sum(by_status.get(status, 0) for status in PROBLEM_STATUSES)
    unknown = sum(by_status.get(status, 0) for status in UNKNOWN_STATUSES)
    accepted = sum(
        by_status.get(status, 0) for status in ACCEPTED_STATUSES if status not in PROBLEM_STATUSES
    )
    return SmsOutcomes(
        total=sum(by_status.values()), failed=failed, unknown=unknown, accepted=accepted
    )
