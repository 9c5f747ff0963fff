"""The staff dashboard's figures about bank activations: plain reads over ``received_at``.

An activation is a bank's confirmation that activated a pending account (outcome
``activated``), counted on the day the portal received it; replays and refusals are not
activations. Staff approvals are not either: they are no bank's and no channel's.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection
from django.db.models import Aggregate, Count, DurationField, F, OuterRef, QuerySet, Subquery

from accounts.models import User
from accounts.staff.dashboard import DEFAULT_DAYS, window_start
from activation.models import ActivationEvent, ActivationOutcome, Bank


class Median(Aggregate):
    """PostgreSQL's ``percentile_cont(0.5)``: the median, computed where the rows are."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


@dataclass(frozen=True)
class BankChannelCount:
    bank: Bank
    channel: str  # a ``ChannelKind`` value
    count: int


def activations(days: int = DEFAULT_DAYS, *, today: date | None = None) -> QuerySet:
    """The confirmations that activated an account in the last ``days`` days (today included)."""
    return ActivationEvent.objects.filter(
        outcome=ActivationOutcome.ACTIVATED,
        received_at__gte=window_start(days, today=today),
    )


def activations_by_bank_and_channel(
    days: int = DEFAULT_DAYS, *, today: date | None = None
) -> list[BankChannelCount]:
    """How many accounts each bank's channel activated, most first (then by bank and channel)."""
    counted = (
        activations(days, today=today)
        .values("bank", "channel")
        .annotate(count=Count("*"))
        .order_by()
        .values_list("bank", "channel", "count")
    )
    rows = list(counted)
    banks = Bank.objects.in_bulk({bank for bank, _channel, _count in rows})
    found = [BankChannelCount(banks[bank], channel, count) for bank, channel, count in rows]
    return sorted(found, key=lambda row: (-row.count, row.bank.code, row.channel))


@dataclass(frozen=True)
class TimeToActivation:
    median: timedelta | None  # None when no account was activated in the period
    count: int


def time_to_activation(days: int = DEFAULT_DAYS, *, today: date | None = None) -> TimeToActivation:
    """The median time from registration to bank activation, over the period's activations.

    On PostgreSQL the database computes it (``percentile_cont``), so no row leaves it; SQLite
    (development, tests) has no such aggregate and the durations are sorted here. Each
    account's registration time is looked up by its key, not joined: a join made PostgreSQL
    hash the whole accounts table (240 ms at 1 M accounts, 85 ms so; decision 313).
    """
    registered = User.objects.filter(pk=OuterRef("account_id")).values("created_at")[:1]
    waited = activations(days, today=today).annotate(waited=F("received_at") - Subquery(registered))
    if connection.vendor == "postgresql":
        found = waited.aggregate(median=Median("waited"), count=Count("*"))
        return TimeToActivation(found["median"], found["count"])
    durations = list(waited.values_list("waited", flat=True))
    return TimeToActivation(statistics.median(durations) if durations else None, len(durations))
