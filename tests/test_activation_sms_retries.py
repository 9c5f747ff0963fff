"""Notice SMS through a Twilio outage: retried with backoff, never sent twice.

Mostly the activation SMS; the password-changed SMS goes through the same ``send_notice``.

Tasks go to the database queue and are run by the real ``db_worker`` command; Twilio is its real
client with an offline HTTP client (``tests/twilio_fakes.py``); the clock is moved by hand.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult

from accounts import notices
from accounts.lifecycle import record_event
from accounts.models import AccountEvent, Notice
from accounts.tasks import send_notice
from sms.models import SmsDelivery, SmsStatus
from tests.activation_helpers import activate_pending_citizen, run_worker
from tests.factories import make_user
from tests.people import MOBILE_E164, OTHER_CITIZEN_ID, OTHER_MOBILE
from tests.race_helpers import race
from tests.twilio_fakes import CREATED, OUTAGES, message_sid

# The fixtures anb_bank and offline_twilio.
pytest_plugins = ["tests.bank_signing", "tests.twilio_fixtures"]

pytestmark = pytest.mark.django_db(transaction=True)

START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
DOWN = OUTAGES["http_503"]


@pytest.fixture(autouse=True)
def _retries_from_start(database_tasks, settings, time_machine):
    settings.SMS_RETRY_DELAYS_SECONDS = [30, 120, 600, 1800, 7200]
    time_machine.move_to(START, tick=False)


def sweep() -> None:
    call_command("send_missed_notices", "--older-than", "0", verbosity=0)


@pytest.fixture
def notice(anb_bank, offline_twilio) -> Notice:
    """An activation committed with its SMS notice's task queued (not yet run)."""
    result = activate_pending_citizen(
        anb_bank, key_id="anb-retry-1", event_id="evt-retry-1", confirmed_at=START
    )
    assert result.body == {"status": "activated"}
    return Notice.objects.get(kind=Notice.Kind.ACTIVATED)


def state(notice: Notice) -> tuple[int, bool, bool, datetime | None]:
    """Attempts, claimed, accepted by the provider (``sent_at``), next attempt."""
    notice.refresh_from_db()
    claimed, sent = notice.claimed_at is not None, notice.sent_at is not None
    return notice.attempts, claimed, sent, notice.retry_at


def task_runs() -> list[tuple[str, datetime | None, list]]:
    """Each queued run of a task: its status, when it was due (None: at once) and its args.

    Sorted by due time: with the clock stopped, every run is enqueued at the same instant.
    """
    runs = [
        (result.status, result.task.run_after, result.args_kwargs["args"])
        for result in DBTaskResult.objects.all()
    ]
    return sorted(runs, key=lambda run: run[1] or datetime.min.replace(tzinfo=UTC))


def activation_records() -> list[str]:
    return list(
        SmsDelivery.objects.filter(purpose="activation")
        .order_by("id")
        .values_list("status", flat=True)
    )


def test_two_failures_then_success_send_one_sms_with_growing_waits(
    notice, offline_twilio, time_machine
):
    offline_twilio.script(DOWN, OUTAGES["connect_timeout"], CREATED)

    run_worker()
    assert state(notice) == (1, False, False, START + timedelta(seconds=30))
    run_worker()  # the retry is not due yet
    assert len(offline_twilio.calls) == 1

    time_machine.shift(30)
    run_worker()
    assert state(notice) == (2, False, False, START + timedelta(seconds=150))

    time_machine.shift(120)
    run_worker()
    run_worker()

    assert len(offline_twilio.sent_bodies()) == 1
    assert len(offline_twilio.calls) == 3
    assert state(notice) == (3, True, True, None)
    assert task_runs() == [
        ("FAILED", None, [notice.pk]),
        ("FAILED", START + timedelta(seconds=30), [notice.pk]),
        ("SUCCESSFUL", START + timedelta(seconds=150), [notice.pk]),
    ]
    assert activation_records() == [SmsStatus.FAILED, SmsStatus.FAILED, SmsStatus.QUEUED]


def test_gives_up_after_the_last_wait_and_the_sweep_leaves_it(
    notice, offline_twilio, time_machine, settings, caplog
):
    settings.SMS_RETRY_DELAYS_SECONDS = [30, 60]
    offline_twilio.script(DOWN)

    with caplog.at_level(logging.ERROR, logger="accounts.tasks"):
        for wait in (0, 30, 60, 3600):
            time_machine.shift(wait)
            run_worker()
        sweep()
        run_worker()

    assert len(offline_twilio.calls) == 3
    assert state(notice) == (3, False, False, None)
    assert activation_records() == [SmsStatus.FAILED] * 3
    assert f"notice {notice.pk} (activated) given up after 3 attempts" in caplog.text


@pytest.mark.parametrize("outage", ["invalid_number_21211", "not_mobile_21614"])
def test_a_number_twilio_refuses_is_not_tried_again(notice, offline_twilio, time_machine, outage):
    offline_twilio.script(OUTAGES[outage])

    run_worker()
    time_machine.shift(3600)
    sweep()
    run_worker()

    assert len(offline_twilio.calls) == 1
    assert state(notice) == (1, False, False, None)
    assert activation_records() == [SmsStatus.NOT_SENT]


@pytest.mark.parametrize("outage", ["timeout", "http_500", "reset_after_send", "chunked_reply"])
def test_a_send_that_may_have_gone_through_is_never_repeated(
    notice, offline_twilio, time_machine, outage
):
    offline_twilio.script(OUTAGES[outage], CREATED)

    run_worker()
    time_machine.shift(3600)
    sweep()
    run_worker()

    assert len(offline_twilio.calls) == 1
    # Kept as claimed (it may have been delivered), but not shown as accepted.
    assert state(notice) == (1, True, False, None)
    assert activation_records() == [SmsStatus.UNKNOWN]


def test_the_sweep_waits_for_a_scheduled_retry_and_both_together_send_once(
    notice, offline_twilio, time_machine, settings
):
    settings.SMS_RETRY_DELAYS_SECONDS = [300]
    offline_twilio.script(DOWN, CREATED)
    run_worker()

    time_machine.shift(120)
    call_command("send_missed_notices", verbosity=0)  # the retry is not due yet
    assert DBTaskResult.objects.filter(status="READY").count() == 1

    time_machine.shift(180)
    call_command("send_missed_notices", verbosity=0)  # due: queued beside the retry
    assert DBTaskResult.objects.filter(status="READY").count() == 2
    run_worker()

    assert len(offline_twilio.sent_bodies()) == 1
    assert state(notice) == (2, True, True, None)


def test_a_record_that_cannot_be_written_after_the_send_does_not_send_again(
    notice, offline_twilio, time_machine
):
    SmsDelivery.objects.create(
        recipient=MOBILE_E164,
        purpose="login",
        backend="twilio",
        provider_message_id=message_sid(1),  # the SID Twilio will give the activation SMS
        status=SmsStatus.DELIVERED,
    )

    run_worker()
    time_machine.shift(3600)
    sweep()
    send_notice.call(notice.pk)
    run_worker()

    assert len(offline_twilio.sent_bodies()) == 1
    assert state(notice) == (1, True, True, None)  # Twilio took it: the record is only bookkeeping
    assert task_runs() == [("SUCCESSFUL", None, [notice.pk])]


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_workers_running_the_same_task_at_once_send_one_sms(notice, offline_twilio):
    outcomes = race([lambda: send_notice.call(notice.pk)] * 8)

    assert [o for o in outcomes if isinstance(o, BaseException)] == []
    assert len(offline_twilio.calls) == 1
    assert state(notice) == (1, True, True, None)


def test_the_password_changed_notice_is_retried_the_same_way(offline_twilio, time_machine):
    account = make_user("sara2024", OTHER_CITIZEN_ID, OTHER_MOBILE)
    offline_twilio.script(DOWN, CREATED)
    with transaction.atomic():
        change = record_event(
            account=account, kind=AccountEvent.Kind.PASSWORD_CHANGED, source="reset"
        )
        notice = notices.owe(
            kind=Notice.Kind.PASSWORD_CHANGED, account=account, subject_id=change.pk
        )

    run_worker()
    run_worker()
    assert len(offline_twilio.calls) == 1
    time_machine.shift(30)
    run_worker()

    assert len(offline_twilio.sent_bodies()) == 1
    assert task_runs() == [
        ("FAILED", None, [notice.pk]),
        ("SUCCESSFUL", START + timedelta(seconds=30), [notice.pk]),
    ]
    assert state(notice) == (2, True, True, None)
