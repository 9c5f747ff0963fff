"""The "your password was changed" SMS: one notice per change, sent at most once.

The change writes a ``Notice`` (kind ``password_changed``, its subject the change's event) in
its own transaction; ``send_notice`` claims it before sending, so a task run twice, or by two
workers at once, sends one SMS, and ``send_missed_notices`` sends it when its task was never
queued.
"""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from accounts.models import AccountEvent, Notice, User
from accounts.passwords import change_password
from accounts.tasks import send_notice
from sms.message import SmsError
from sms.models import SmsDelivery, SmsStatus
from tests.factories import make_user, sign_in_as
from tests.otp_helpers import FAILING_BACKEND
from tests.people import NEW_PASSWORD, OTHER_CITIZEN_ID, OTHER_MOBILE, PASSWORD
from tests.race_helpers import race

START = "2026-11-26 09:00:00+00:00"


@pytest.fixture
def account() -> User:
    return make_user("sara2024", OTHER_CITIZEN_ID, OTHER_MOBILE)


def new_password(account: User, *, run_tasks: bool, capture) -> Notice:
    """Change the password through the one service; its notice's task runs after commit or
    (``run_tasks=False``) is held back, as if the queue had lost it."""
    with capture(execute=run_tasks):
        event = change_password(user=account, password=NEW_PASSWORD, source="account")
    return Notice.objects.get(kind=Notice.Kind.PASSWORD_CHANGED, subject_id=event.pk)


class QueueDown:
    def enqueue(self, *args, **kwargs):
        raise ConnectionError("task queue unavailable")


@pytest.mark.django_db
def test_a_change_on_the_account_page_sends_one_notice_even_if_its_task_runs_again(
    client, account, sms_outbox, django_capture_on_commit_callbacks
):
    sign_in_as(client, account)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:change_password"),
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )
    assert response.status_code == HTTPStatus.FOUND
    assert len(sms_outbox) == 1

    event = account.events.get(kind=AccountEvent.Kind.PASSWORD_CHANGED)
    notice = Notice.objects.get(kind=Notice.Kind.PASSWORD_CHANGED, subject_id=event.pk)
    send_notice.call(notice.pk)  # the queue delivers the task a second time

    assert [m["purpose"] for m in sms_outbox] == ["password_changed"]
    assert SmsDelivery.objects.get().dedupe_key == f"notice:{notice.pk}:1"


@pytest.mark.django_db
def test_each_change_gets_its_notice(account, sms_outbox, django_capture_on_commit_callbacks):
    first = new_password(account, run_tasks=True, capture=django_capture_on_commit_callbacks)
    second = new_password(account, run_tasks=True, capture=django_capture_on_commit_callbacks)

    assert first.pk != second.pk
    assert len(sms_outbox) == 2


@pytest.mark.django_db
def test_a_failed_attempt_run_again_sends_nothing_and_its_retry_sends_once(
    account, settings, sms_outbox, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(START, tick=False)
    settings.SMS_RETRY_DELAYS_SECONDS = [30]
    notice = new_password(account, run_tasks=False, capture=django_capture_on_commit_callbacks)
    settings.SMS_BACKEND = FAILING_BACKEND
    with pytest.raises(SmsError):
        send_notice.call(notice.pk)

    settings.SMS_BACKEND = "locmem"
    send_notice.call(notice.pk)  # attempt 1 again: its retry is not due
    assert sms_outbox == []
    time_machine.shift(30)
    send_notice.call(notice.pk)
    send_notice.call(notice.pk)

    assert len(sms_outbox) == 1
    assert list(SmsDelivery.objects.order_by("id").values_list("status", flat=True)) == [
        SmsStatus.FAILED,
        SmsStatus.SENT,
    ]


@pytest.mark.django_db
def test_a_notice_whose_task_was_never_queued_is_sent_by_the_sweep_once(
    account, sms_outbox, monkeypatch, time_machine, django_capture_on_commit_callbacks
):
    """The queue was down when the password changed: the change still commits with its
    notice, and the cron sweep sends it, once, however often it runs."""
    time_machine.move_to(START, tick=False)
    monkeypatch.setattr("accounts.notices.send_notice", QueueDown())
    notice = new_password(account, run_tasks=True, capture=django_capture_on_commit_callbacks)
    monkeypatch.undo()
    assert sms_outbox == []
    account.refresh_from_db()
    assert account.check_password(NEW_PASSWORD)

    call_command("send_missed_notices", verbosity=0)  # too recent: may still be in flight
    assert sms_outbox == []
    time_machine.shift(61)
    call_command("send_missed_notices", verbosity=0)
    call_command("send_missed_notices", verbosity=0)

    assert [m["purpose"] for m in sms_outbox] == ["password_changed"]
    notice.refresh_from_db()
    assert (notice.attempts, notice.sent_at is not None) == (1, True)


@pytest.mark.django_db
def test_a_notice_that_does_not_exist_sends_nothing(sms_outbox):
    send_notice.call(987654)

    assert sms_outbox == []


@pytest.mark.django_db
def test_an_account_without_a_mobile_gives_the_notice_up_without_sending(
    account, sms_outbox, django_capture_on_commit_callbacks
):
    account.mobile = ""
    account.save(update_fields=["mobile"])

    notice = new_password(account, run_tasks=True, capture=django_capture_on_commit_callbacks)

    notice.refresh_from_db()
    assert sms_outbox == []
    assert (notice.attempts, notice.claimed_at, notice.retry_at) == (1, None, None)
    assert notice.last_error == "no_recipient"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_workers_running_the_same_notice_at_once_send_one_sms(
    account, sms_outbox, monkeypatch, django_capture_on_commit_callbacks
):
    # Outside a test transaction the task would run at commit: hold it back.
    monkeypatch.setattr("accounts.notices.send_notice", QueueDown())
    notice = new_password(account, run_tasks=True, capture=django_capture_on_commit_callbacks)
    assert sms_outbox == []

    outcomes = race([lambda: send_notice.call(notice.pk)] * 8)

    assert [o for o in outcomes if isinstance(o, BaseException)] == []
    assert len(sms_outbox) == 1
    assert SmsDelivery.objects.count() == 1
