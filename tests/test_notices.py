"""One at-most-once design for every notice: claim + sweep (design.md §15, issue 12 item 6).

The same ``Notice`` row, ``send_notice`` task and ``send_missed_notices`` sweep carry the
activation SMS, the password-changed SMS and the mobile-moved email. Shown here on the email
(sent once however often its task runs, swept when never queued, retried after a failure)
and on a send that may have gone out (reported, never repeated); two workers racing one
notice on PostgreSQL send it once.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from io import StringIO
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from accounts import lifecycle
from accounts.models import Notice, User
from accounts.passwords import change_password
from accounts.tasks import send_notice
from sms.backends import BaseSmsBackend
from sms.message import SmsError, SmsMessage
from sms.models import SmsDelivery, SmsStatus
from tests.factories import make_user
from tests.people import CITIZEN_ID, MOBILE_E164, NEW_PASSWORD, OTHER_CITIZEN_ID
from tests.race_helpers import RACE_MARKS, THREADS, race

START = "2026-11-26 09:00:00+00:00"
SUBJECT = "Your mobile number was registered to another Absher portal account"


class QueueDown:
    def enqueue(self, *args, **kwargs):
        raise ConnectionError("task queue unavailable")


class MailServerDown(BaseEmailBackend):
    """The mail relay drops the connection (``smtplib`` raises)."""

    def send_messages(self, email_messages):
        raise SMTPServerDisconnected("Connection unexpectedly closed")


class TimeoutBackend(BaseSmsBackend):
    """Twilio did not answer in time: the SMS may have gone out."""

    def send(self, message: SmsMessage) -> str | None:
        raise SmsError("timeout", maybe_sent=True)


def sweep(*args: str) -> str:
    out = StringIO()
    call_command("send_missed_notices", *args, stdout=out, language="en")
    return out.getvalue()


def move_mobile(capture, *, run_tasks: bool = True) -> Notice:
    """A newer registration takes the active owner's mobile; the owner is owed an email."""
    owner = make_user("owner2024", OTHER_CITIZEN_ID, MOBILE_E164, preferred_language="en")
    newcomer = make_user("ahmed2024", CITIZEN_ID, status="pending", email="ahmed@example.sa")
    with capture(execute=run_tasks):
        lifecycle.account_move_mobile(from_account=owner, to_account=newcomer)
    return Notice.objects.get(kind=Notice.Kind.MOBILE_MOVED, account=owner)


def subjects() -> list[str]:
    return [message.subject for message in mail.outbox]


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


# --- the mobile-moved email -----------------------------------------------------------------
@pytest.mark.django_db
def test_the_mobile_moved_email_is_sent_once_when_its_task_runs_twice(
    clock, django_capture_on_commit_callbacks
):
    notice = move_mobile(django_capture_on_commit_callbacks)
    send_notice.call(notice.pk)  # the queue delivers the task a second time

    assert subjects() == [SUBJECT]
    notice.refresh_from_db()
    assert (notice.attempts, notice.sent_at is not None) == (1, True)
    assert notice.subject_id == User.objects.get(username="owner2024").events.get().pk


@pytest.mark.django_db
def test_the_mobile_moved_email_whose_task_was_never_queued_is_swept_once(
    clock, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("accounts.notices.send_notice", QueueDown())
    move_mobile(django_capture_on_commit_callbacks)
    monkeypatch.undo()
    assert mail.outbox == []

    assert "Queued 0 notices." in sweep()  # too recent: may still be in flight
    clock.shift(61)
    assert "Queued 1 notice." in sweep()
    assert "Queued 0 notices." in sweep()

    assert subjects() == [SUBJECT]


@pytest.mark.django_db
def test_a_mail_server_failure_is_retried_after_its_wait_and_sent_once(
    clock, settings, django_capture_on_commit_callbacks
):
    settings.SMS_RETRY_DELAYS_SECONDS = [30]
    settings.EMAIL_BACKEND = "tests.test_notices.MailServerDown"
    notice = move_mobile(django_capture_on_commit_callbacks)
    notice.refresh_from_db()
    assert (notice.attempts, notice.claimed_at, notice.last_error) == (
        1,
        None,
        "SMTPServerDisconnected",
    )
    assert notice.retry_at is not None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    send_notice.call(notice.pk)  # too early
    assert mail.outbox == []
    clock.shift(61)
    sweep()
    sweep()

    assert subjects() == [SUBJECT]
    notice.refresh_from_db()
    assert (notice.attempts, notice.sent_at is not None) == (2, True)


# --- a send that may have gone out ----------------------------------------------------------
@pytest.mark.django_db
def test_a_notice_that_may_have_been_sent_is_reported_by_the_sweep_and_never_resent(
    clock, settings, sms_outbox, caplog, django_capture_on_commit_callbacks
):
    account = make_user("sara2024", OTHER_CITIZEN_ID, MOBILE_E164)
    settings.SMS_BACKEND = "tests.test_notices.TimeoutBackend"
    with django_capture_on_commit_callbacks(execute=True):
        event = change_password(user=account, password=NEW_PASSWORD, source="account")
    notice = Notice.objects.get(kind=Notice.Kind.PASSWORD_CHANGED, subject_id=event.pk)
    settings.SMS_BACKEND = "locmem"

    clock.shift(timedelta(minutes=16))
    with caplog.at_level(logging.WARNING, logger="accounts.notices"):
        report = sweep()
    send_notice.call(notice.pk)
    sweep()

    assert "1 notice was taken by a worker but is not known to be sent" in report
    assert f"notices {notice.pk}" in caplog.text
    assert sms_outbox == []
    assert list(SmsDelivery.objects.values_list("status", flat=True)) == [SmsStatus.UNKNOWN]
    notice.refresh_from_db()
    assert (notice.attempts, notice.sent_at, notice.last_error) == (1, None, "timeout")


# --- the record commits with the change, or not at all --------------------------------------
@pytest.mark.django_db
def test_a_change_that_rolls_back_owes_nothing(django_capture_on_commit_callbacks):
    account = make_user("sara2024", OTHER_CITIZEN_ID, MOBILE_E164)
    with pytest.raises(RuntimeError), transaction.atomic():
        change_password(user=account, password=NEW_PASSWORD, source="account")
        raise RuntimeError("the request failed after the change")

    assert not Notice.objects.exists()


# --- one commit for a change and its task (decision 275) ------------------------------------
@pytest.mark.django_db
def test_with_the_database_queue_the_task_is_written_in_the_changes_own_transaction(
    database_tasks, django_capture_on_commit_callbacks
):
    account = make_user("sara2024", OTHER_CITIZEN_ID, MOBILE_E164)
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        change_password(user=account, password=NEW_PASSWORD, source="account")
        notice = Notice.objects.get(kind=Notice.Kind.PASSWORD_CHANGED)
        # Already in the queue table, inside the same transaction; nothing left for after it.
        queued = DBTaskResult.objects.get()
        assert queued.args_kwargs == {"args": [notice.pk], "kwargs": {}}
    assert callbacks == []


@pytest.mark.django_db
def test_with_the_database_queue_a_rolled_back_change_leaves_no_task(database_tasks):
    account = make_user("sara2024", OTHER_CITIZEN_ID, MOBILE_E164)
    with pytest.raises(RuntimeError), transaction.atomic():
        change_password(user=account, password=NEW_PASSWORD, source="account")
        raise RuntimeError("the request failed after the change")
    assert not Notice.objects.exists()
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db
def test_another_queue_is_given_the_task_only_after_the_commit(django_capture_on_commit_callbacks):
    account = make_user("sara2024", OTHER_CITIZEN_ID, MOBILE_E164)
    with django_capture_on_commit_callbacks() as callbacks:
        change_password(user=account, password=NEW_PASSWORD, source="account")
    assert len(callbacks) == 1


# --- two workers ----------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["mobile_moved", "password_changed"])
@RACE_MARKS[0]
@RACE_MARKS[1]
@RACE_MARKS[2]
def test_workers_racing_the_same_notice_send_it_once(
    kind, monkeypatch, sms_outbox, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("accounts.notices.send_notice", QueueDown())  # held back: no task yet
    if kind == "mobile_moved":
        notice = move_mobile(django_capture_on_commit_callbacks)
    else:
        account = make_user("sara2024", OTHER_CITIZEN_ID, MOBILE_E164)
        change_password(user=account, password=NEW_PASSWORD, source="account")
        notice = Notice.objects.get(kind=kind)

    outcomes = race([lambda: send_notice.call(notice.pk)] * THREADS)

    assert [o for o in outcomes if isinstance(o, BaseException)] == []
    assert len(mail.outbox) + len(sms_outbox) == 1
    notice.refresh_from_db()
    assert (notice.attempts, notice.sent_at is not None) == (1, True)


@pytest.mark.django_db
def test_a_task_row_that_cannot_be_written_leaves_the_change_and_its_notice_whole(
    database_tasks, monkeypatch, caplog
):
    """The task's INSERT runs in a savepoint: a grant missing after an upgrade, say, is
    logged and the sweep queues the notice later (decision 275)."""
    from django.db import DatabaseError
    from django_tasks_db.backend import DatabaseBackend

    def refuse(*args, **kwargs):
        raise DatabaseError("permission denied for table django_tasks_database_dbtaskresult")

    monkeypatch.setattr(DatabaseBackend, "enqueue", refuse)
    account = make_user("sara2024", OTHER_CITIZEN_ID, MOBILE_E164)
    with transaction.atomic():
        change_password(user=account, password=NEW_PASSWORD, source="account")
    account.refresh_from_db()
    assert account.check_password(NEW_PASSWORD)
    assert Notice.objects.filter(kind=Notice.Kind.PASSWORD_CHANGED).exists()
    assert not DBTaskResult.objects.exists()
    assert "the sweep will" in caplog.text
