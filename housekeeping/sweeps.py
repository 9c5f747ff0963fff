"""What housekeeping deletes, and after how long (README "Housekeeping", decision 292).

Each :class:`Sweep` names one table and the rows of it that have served their purpose at a
given moment, as a ``Q`` an index serves (tests/test_housekeeping.py checks each on
PostgreSQL). Retention periods are settings read at use time, so ``override_settings`` works.

Kept for ever, on purpose: account events, bank activation events and the admin's log (the
audit history, append-only), notices (the proof a person was told, and the guard that tells
them once), accounts, banks and their keys (closed through a status), and the few rows each
account holds (passkeys, the authenticator app, recovery codes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from captcha.models import CaptchaStore
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import Model, Q
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from accounts.models import OtpChallenge
from security.models import SignedInSession
from security.sessions import records
from sms.models import SmsDelivery

#: Retention settings (whole days, 1 or more) and what each keeps.
RETENTION_SETTINGS = (
    "OTP_RETENTION_DAYS",
    "SMS_DELIVERY_RETENTION_DAYS",
    "TASK_RESULT_RETENTION_DAYS",
)


@dataclass(frozen=True)
class Sweep:
    """One table's rows that may go: ``due(now)`` selects them."""

    name: str
    label: Promise
    model: type[Model]
    due: Callable[[datetime], Q]
    #: Deleted as the schema's owner: the runtime role may not delete these (decision 131).
    as_owner: bool = False


def _days(setting: str) -> timedelta:
    return timedelta(days=getattr(settings, setting))


def _challenges_due(now: datetime) -> Q:
    # Created and last valid before the cutoff: a challenge lives minutes (a session hours).
    cutoff = now - _days("OTP_RETENTION_DAYS")
    return Q(created_at__lt=cutoff) & (Q(expires_at__isnull=True) | Q(expires_at__lt=cutoff))


def _task_results_due(now: datetime) -> Q:
    cutoff = now - _days("TASK_RESULT_RETENTION_DAYS")
    finished = (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED)
    return Q(finished_at__lt=cutoff, status__in=finished)


SWEEPS: tuple[Sweep, ...] = (
    Sweep(
        "sessions",
        gettext_lazy("Expired sessions"),
        Session,
        lambda now: Q(expire_date__lt=now),
    ),
    Sweep(
        "signed_in_sessions",
        gettext_lazy("Records of ended sessions"),
        SignedInSession,
        records.ended,
    ),
    Sweep(
        "captchas",
        gettext_lazy("Expired captchas"),
        CaptchaStore,
        lambda now: Q(expiration__lt=now),
    ),
    Sweep("otp_challenges", gettext_lazy("One-time codes"), OtpChallenge, _challenges_due),
    Sweep(
        "task_results",
        gettext_lazy("Finished background tasks"),
        DBTaskResult,
        _task_results_due,
    ),
    Sweep(
        "sms_deliveries",
        gettext_lazy("SMS delivery records"),
        SmsDelivery,
        lambda now: Q(created_at__lt=now - _days("SMS_DELIVERY_RETENTION_DAYS")),
        as_owner=True,
    ),
)


def settings_problems() -> list[str]:
    """A translated message for each retention setting that is not a whole number ≥ 1."""
    return [
        gettext("%(setting)s must be a whole number of days, 1 or more.") % {"setting": name}
        for name in RETENTION_SETTINGS
        if not isinstance(getattr(settings, name), int)
        or isinstance(getattr(settings, name), bool)
        or getattr(settings, name) < 1
    ]
