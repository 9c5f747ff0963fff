"""Rows for the housekeeping tests: some past their retention, some young, and the audit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from captcha.models import CaptchaStore
from django.contrib.sessions.models import Session
from django.db.models import Model
from django.utils.crypto import get_random_string
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from accounts.models import AccountEvent, OtpChallenge, User
from security.models import SignedInSession
from sms.models import SmsDelivery
from tests.factories import make_user
from tests.otp_helpers import issue
from tests.people import CITIZEN_ID, MOBILE_E164, OTHER_CITIZEN_ID, OTHER_MOBILE_E164

#: When the old rows are made; NOW is when housekeeping runs: past every default retention.
T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=200)


@dataclass
class Rows:
    old: dict[type[Model], list] = field(default_factory=dict)
    young: dict[type[Model], list] = field(default_factory=dict)
    account: User | None = None

    def remaining(self, which: str) -> dict[str, int]:
        """How many of the old (or young) rows of each table are still there."""
        rows = self.old if which == "old" else self.young
        return {
            model._meta.label: model._base_manager.filter(pk__in=[r.pk for r in items]).count()
            for model, items in rows.items()
        }


def task_result(status: str, *, finished: datetime | None) -> DBTaskResult:
    return DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [1], "kwargs": {}},
        task_path="accounts.tasks.send_notice",
        backend_name="default",
        run_after=datetime(9999, 1, 1, tzinfo=UTC),
        finished_at=finished,
        exception_class_path="",
        traceback="",
    )


def session(expires: datetime) -> Session:
    return Session.objects.create(
        session_key=get_random_string(32), session_data="e30:", expire_date=expires
    )


def signed_in(account: User, at: datetime) -> SignedInSession:
    return SignedInSession.objects.create(
        account=account,
        key_digest=get_random_string(64),
        sealed_key="sealed",
        created_at=at,
        last_seen_at=at,
    )


def make_rows(time_machine) -> Rows:
    """Old rows at T0 (one of each kind that goes), young ones just before NOW; clock at NOW."""
    rows = Rows()
    time_machine.move_to(T0, tick=False)
    account = make_user("ahmed2024", CITIZEN_ID, MOBILE_E164)
    rows.account = account
    audit = AccountEvent.objects.create(account=account, kind="registered", source="test")
    queued = task_result(TaskResultStatus.READY, finished=None)
    old_challenge = issue()  # sends its SMS: one SMS delivery record at T0
    rows.old = {
        OtpChallenge: [old_challenge],
        SmsDelivery: list(SmsDelivery.objects.all()),
        Session: [session(T0 + timedelta(minutes=30))],
        SignedInSession: [signed_in(account, T0)],
        CaptchaStore: [CaptchaStore.objects.get(hashkey=CaptchaStore.generate_key())],
        DBTaskResult: [
            task_result(TaskResultStatus.SUCCESSFUL, finished=T0),
            task_result(TaskResultStatus.FAILED, finished=T0),
        ],
    }
    time_machine.move_to(NOW - timedelta(minutes=1), tick=False)
    before = set(SmsDelivery.objects.values_list("pk", flat=True))
    young_challenge = issue(mobile=OTHER_MOBILE_E164, national_id=OTHER_CITIZEN_ID)
    rows.young = {
        # The audit, and a task still queued, stay however old.
        AccountEvent: [audit],
        User: [account],
        OtpChallenge: [young_challenge],
        SmsDelivery: list(SmsDelivery.objects.exclude(pk__in=before)),
        Session: [session(NOW + timedelta(minutes=30))],
        SignedInSession: [signed_in(account, NOW - timedelta(minutes=1))],
        CaptchaStore: [CaptchaStore.objects.get(hashkey=CaptchaStore.generate_key())],
        DBTaskResult: [
            task_result(TaskResultStatus.SUCCESSFUL, finished=NOW - timedelta(days=1)),
            queued,
        ],
    }
    time_machine.move_to(NOW, tick=False)
    return rows
