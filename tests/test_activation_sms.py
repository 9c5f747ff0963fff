"""The activation SMS: once per activation, in the person's language (issue 4, item 2).

It is a ``Notice`` of kind ``activated`` written with the activation, sent by ``send_notice``
and swept by ``send_missed_notices`` like every other notice (design.md §15).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from accounts.models import AccountStatus, Notice
from accounts.tasks import send_notice
from activation.keys import generate_private_key, public_key_pem
from activation.models import ActivationEvent, Bank, BankKey
from activation.services import Confirmation, activation_confirm
from tests.factories import make_user
from tests.otp_helpers import FAILING_BACKEND
from tests.people import CITIZEN_ID, MOBILE, MOBILE_E164, OTHER_MOBILE_E164

pytestmark = pytest.mark.django_db


@pytest.fixture
def key() -> BankKey:
    return BankKey.objects.create(
        bank=Bank.objects.get(code="anb"),
        key_id="anb-test-1",
        public_key_pem=public_key_pem(generate_private_key().public_key()),
    )


def confirm(key: BankKey, *, event_id: str = "evt-1", mobile: str = MOBILE_E164):
    confirmation = Confirmation(
        event_id=event_id,
        national_id=CITIZEN_ID,
        mobile=mobile,
        channel="atm",
        confirmed_at=datetime(2026, 11, 26, 9, 0, tzinfo=UTC),
    )
    return activation_confirm(key=key, confirmation=confirmation)


def activation_notice() -> Notice:
    return Notice.objects.get(
        kind=Notice.Kind.ACTIVATED, subject_id=ActivationEvent.objects.get().pk
    )


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "Arab National Bank"), ("ar", "البنك العربي الوطني")]
)
def test_activation_sends_one_sms_in_the_persons_language(
    key, sms_outbox, django_capture_on_commit_callbacks, language, expected
):
    make_user("ahmed2024", CITIZEN_ID, MOBILE, status="pending", preferred_language=language)
    with django_capture_on_commit_callbacks(execute=True):
        result = confirm(key)
    assert result.body == {"status": "activated"}
    assert [(m["to"], m["purpose"]) for m in sms_outbox] == [(MOBILE_E164, "activation")]
    assert expected in sms_outbox[0]["body"]


def test_a_task_run_twice_sends_once(key, sms_outbox, django_capture_on_commit_callbacks):
    make_user("ahmed2024", CITIZEN_ID, MOBILE, status="pending")
    with django_capture_on_commit_callbacks(execute=True):
        confirm(key)
    notice = activation_notice()
    send_notice.call(notice.pk)
    assert len(sms_outbox) == 1
    assert notice.account.status == AccountStatus.ACTIVE


def test_a_failed_send_can_be_retried_once_its_wait_is_over(
    key, sms_outbox, settings, django_capture_on_commit_callbacks, time_machine
):
    time_machine.move_to("2026-11-26 09:00:00+00:00", tick=False)
    settings.SMS_RETRY_DELAYS_SECONDS = [30]
    make_user("ahmed2024", CITIZEN_ID, MOBILE, status="pending")
    settings.SMS_BACKEND = FAILING_BACKEND
    with django_capture_on_commit_callbacks(execute=True):
        confirm(key)
    notice = activation_notice()
    assert notice.sent_at is None
    settings.SMS_BACKEND = "locmem"
    send_notice.call(notice.pk)  # too early: the retry waits 30 s
    assert sms_outbox == []
    time_machine.shift(30)
    send_notice.call(notice.pk)
    assert len(sms_outbox) == 1
    notice.refresh_from_db()
    assert (notice.sent_at is not None, notice.attempts) == (True, 2)


def test_without_a_queue_that_can_wait_the_sweep_makes_the_retry(
    key, sms_outbox, settings, django_capture_on_commit_callbacks, time_machine
):
    """The immediate backend (development) cannot defer a task: the cron sweep retries."""
    from django.core.management import call_command

    time_machine.move_to("2026-11-26 09:00:00+00:00", tick=False)
    make_user("ahmed2024", CITIZEN_ID, MOBILE, status="pending")
    settings.SMS_BACKEND = FAILING_BACKEND
    with django_capture_on_commit_callbacks(execute=True):
        confirm(key)
    settings.SMS_BACKEND = "locmem"

    time_machine.shift(120)
    call_command("send_missed_notices")
    call_command("send_missed_notices")

    assert [m["purpose"] for m in sms_outbox] == ["activation"]


def test_no_sms_when_nothing_was_activated(key, sms_outbox, django_capture_on_commit_callbacks):
    make_user("ahmed2024", CITIZEN_ID, MOBILE, status="pending")
    with django_capture_on_commit_callbacks(execute=True):
        result = confirm(key, mobile=OTHER_MOBILE_E164)
    assert result.body["error"] == "mobile_mismatch"
    assert sms_outbox == []
    assert not Notice.objects.exists()


def test_a_failed_queue_does_not_fail_the_activation_and_the_sweep_sends_it(
    key, sms_outbox, monkeypatch, django_capture_on_commit_callbacks, time_machine
):
    from django.core.management import call_command

    time_machine.move_to("2026-11-26 09:00:00+00:00", tick=False)
    make_user("ahmed2024", CITIZEN_ID, MOBILE, status="pending")

    class QueueDown:
        def enqueue(self, *args, **kwargs):
            raise ConnectionError("task queue unavailable")

    monkeypatch.setattr("accounts.notices.send_notice", QueueDown())
    with django_capture_on_commit_callbacks(execute=True):
        result = confirm(key)
    assert result.body == {"status": "activated"}
    assert sms_outbox == []
    monkeypatch.undo()

    call_command("send_missed_notices")  # too recent: may still be in flight
    assert sms_outbox == []
    time_machine.shift(61)
    call_command("send_missed_notices")
    call_command("send_missed_notices")
    assert [m["purpose"] for m in sms_outbox] == ["activation"]


def test_an_activation_and_its_sms_task_are_one_transaction_without_savepoints(
    key, database_tasks, django_capture_on_commit_callbacks
):
    """Issue 16: the task's row is written in the activation's transaction (decision 275) and
    the status change takes no savepoint inside it (the row is locked already)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_tasks_db.models import DBTaskResult

    make_user("ahmed2024", CITIZEN_ID, MOBILE, status="pending")
    with (
        django_capture_on_commit_callbacks() as callbacks,
        CaptureQueriesContext(connection) as queries,
    ):
        assert confirm(key).body == {"status": "activated"}
    # Two pairs: the service's own transaction (a savepoint only because the test runs inside
    # one of its own) and the task's row (so a failed INSERT spares the activation); none for
    # the status change.
    assert len([q for q in queries if "SAVEPOINT" in q["sql"]]) == 4
    assert callbacks == []
    assert DBTaskResult.objects.get().args_kwargs == {
        "args": [Notice.objects.get().pk],
        "kwargs": {},
    }
