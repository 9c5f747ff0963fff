"""The activation SMS through a Twilio outage: retried with backoff, never sent twice.

Tasks go to the database queue and are run by the real ``db_worker`` command; Twilio is its real
client with an offline HTTP client (``tests/twilio_fakes.py``); the clock is moved by hand.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django_tasks_db.models import DBTaskResult

from accounts.lifecycle import record_event
from accounts.models import AccountEvent
from accounts.tasks import notify_password_changed
from activation.models import ActivationEvent
from activation.tasks import send_activation_sms
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
    call_command("send_missed_activation_sms", "--older-than", "0", verbosity=0)


@pytest.fixture
def event(anb_bank, offline_twilio) -> ActivationEvent:
    """An activation committed with its SMS task queued (not yet run)."""
    result = activate_pending_citizen(
        anb_bank, key_id="anb-retry-1", event_id="evt-retry-1", confirmed_at=START
    )
    assert result.body == {"status": "activated"}
    return ActivationEvent.objects.get()


def state(event: ActivationEvent) -> tuple[int, bool, bool, datetime | None]:
    """Attempts, claimed, accepted by the provider (``notified_at``), next attempt."""
    event.refresh_from_db()
    claimed, notified = event.sms_claimed_at is not None, event.notified_at is not None
    return event.sms_attempts, claimed, notified, event.sms_retry_at


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
    event, offline_twilio, time_machine
):
    offline_twilio.script(DOWN, OUTAGES["connect_timeout"], CREATED)

    run_worker()
    assert state(event) == (1, False, False, START + timedelta(seconds=30))
    run_worker()  # the retry is not due yet
    assert len(offline_twilio.calls) == 1

    time_machine.shift(30)
    run_worker()
    assert state(event) == (2, False, False, START + timedelta(seconds=150))

    time_machine.shift(120)
    run_worker()
    run_worker()

    assert len(offline_twilio.sent_bodies()) == 1
    assert len(offline_twilio.calls) == 3
    assert state(event) == (3, True, True, None)
    assert task_runs() == [
        ("FAILED", None, [event.pk]),
        ("FAILED", START + timedelta(seconds=30), [event.pk]),
        ("SUCCESSFUL", START + timedelta(seconds=150), [event.pk]),
    ]
    assert activation_records() == [SmsStatus.FAILED, SmsStatus.FAILED, SmsStatus.QUEUED]


def test_gives_up_after_the_last_wait_and_the_sweep_leaves_it(
    event, offline_twilio, time_machine, settings, caplog
):
    settings.SMS_RETRY_DELAYS_SECONDS = [30, 60]
    offline_twilio.script(DOWN)

    with caplog.at_level(logging.ERROR, logger="activation.tasks"):
        for wait in (0, 30, 60, 3600):
            time_machine.shift(wait)
            run_worker()
        sweep()
        run_worker()

    assert len(offline_twilio.calls) == 3
    assert state(event) == (3, False, False, None)
    assert activation_records() == [SmsStatus.FAILED] * 3
    assert f"activation SMS for event {event.pk} given up after 3 attempts" in caplog.text


@pytest.mark.parametrize("outage", ["invalid_number_21211", "not_mobile_21614"])
def test_a_number_twilio_refuses_is_not_tried_again(event, offline_twilio, time_machine, outage):
    offline_twilio.script(OUTAGES[outage])

    run_worker()
    time_machine.shift(3600)
    sweep()
    run_worker()

    assert len(offline_twilio.calls) == 1
    assert state(event) == (1, False, False, None)
    assert activation_records() == [SmsStatus.NOT_SENT]


@pytest.mark.parametrize("outage", ["timeout", "http_500", "reset_after_send", "chunked_reply"])
def test_a_send_that_may_have_gone_through_is_never_repeated(
    event, offline_twilio, time_machine, outage
):
    offline_twilio.script(OUTAGES[outage], CREATED)

    run_worker()
    time_machine.shift(3600)
    sweep()
    run_worker()

    assert len(offline_twilio.calls) == 1
    # Kept as claimed (it may have been delivered), but not shown as accepted.
    assert state(event) == (1, True, False, None)
    assert activation_records() == [SmsStatus.UNKNOWN]


def test_the_sweep_waits_for_a_scheduled_retry_and_both_together_send_once(
    event, offline_twilio, time_machine, settings
):
    settings.SMS_RETRY_DELAYS_SECONDS = [300]
    offline_twilio.script(DOWN, CREATED)
    run_worker()

    time_machine.shift(120)
    call_command("send_missed_activation_sms", verbosity=0)  # the retry is not due yet
    assert DBTaskResult.objects.filter(status="READY").count() == 1

    time_machine.shift(180)
    call_command("send_missed_activation_sms", verbosity=0)  # due: queued beside the retry
    assert DBTaskResult.objects.filter(status="READY").count() == 2
    run_worker()

    assert len(offline_twilio.sent_bodies()) == 1
    assert state(event) == (2, True, True, None)


def test_a_record_that_cannot_be_written_after_the_send_does_not_send_again(
    event, offline_twilio, time_machine
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
    send_activation_sms.call(event.pk)
    run_worker()

    assert len(offline_twilio.sent_bodies()) == 1
    assert state(event) == (1, True, True, None)  # Twilio took it: the record is only bookkeeping
    assert task_runs() == [("SUCCESSFUL", None, [event.pk])]


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_workers_running_the_same_task_at_once_send_one_sms(event, offline_twilio):
    outcomes = race([lambda: send_activation_sms.call(event.pk)] * 8)

    assert [o for o in outcomes if isinstance(o, BaseException)] == []
    assert len(offline_twilio.calls) == 1
    assert state(event) == (1, True, True, None)


def test_the_password_changed_notice_is_retried_the_same_way(offline_twilio, time_machine):
    account = make_user("sara2024", OTHER_CITIZEN_ID, OTHER_MOBILE)
    change = record_event(account=account, kind=AccountEvent.Kind.PASSWORD_CHANGED, source="reset")
    offline_twilio.script(DOWN, CREATED)
    notify_password_changed.enqueue(account.pk)

    run_worker()
    run_worker()
    assert len(offline_twilio.calls) == 1
    time_machine.shift(30)
    run_worker()

    assert len(offline_twilio.sent_bodies()) == 1
    assert task_runs() == [
        ("FAILED", None, [account.pk]),
        ("SUCCESSFUL", START + timedelta(seconds=30), [account.pk, 2, change.pk]),
    ]
