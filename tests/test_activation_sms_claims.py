"""A claimed activation SMS that is not known to be sent shows, and is never sent again.

The claim (``sms_claimed_at``) keeps the SMS at most once; ``notified_at`` says the provider
took it. A worker that dies between the two, or a send that may have gone through, leaves a
claim without ``notified_at``: ``send_missed_activation_sms`` reports it and sends nothing.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from activation.models import ActivationEvent
from activation.tasks import send_activation_sms
from sms.backends import BaseSmsBackend
from sms.message import SmsMessage
from sms.models import SmsDelivery, SmsStatus
from tests.activation_helpers import activate_pending_citizen
from tests.people import MOBILE_E164

pytest_plugins = ["tests.bank_signing"]  # the anb_bank fixture

START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
STALE = "1 activation SMS was taken by a worker but is not known to be sent"


class DyingWorkerBackend(BaseSmsBackend):
    """The worker process is killed while it hands the SMS over (SIGTERM → SystemExit)."""

    def send(self, message: SmsMessage) -> str | None:
        raise SystemExit("worker killed")


@pytest.fixture
def event(anb_bank, time_machine, django_capture_on_commit_callbacks) -> ActivationEvent:
    """An activation whose SMS task was queued but has not run (the queue holds it)."""
    time_machine.move_to(START, tick=False)
    with django_capture_on_commit_callbacks(execute=False):
        activate_pending_citizen(
            anb_bank, key_id="anb-claims-1", event_id="evt-claims-1", confirmed_at=START
        )
    return ActivationEvent.objects.get()


def sweep(*args: str) -> str:
    """The sweep's report, in English whatever language an earlier test left active."""
    out = StringIO()
    call_command("send_missed_activation_sms", *args, stdout=out, language="en")
    return out.getvalue()


@pytest.mark.django_db
def test_a_worker_dying_after_its_claim_leaves_the_sms_unsent_reported_and_never_resent(
    event, settings, sms_outbox, time_machine, caplog
):
    settings.SMS_BACKEND = "tests.test_activation_sms_claims.DyingWorkerBackend"
    with pytest.raises(SystemExit):
        send_activation_sms.call(event.pk)

    event.refresh_from_db()
    assert event.sms_claimed_at == START
    assert event.notified_at is None  # not shown as sent
    assert SmsDelivery.objects.get().status == SmsStatus.SUBMITTING

    settings.SMS_BACKEND = "locmem"
    time_machine.shift(timedelta(minutes=10))
    assert STALE not in sweep()  # might still be in flight

    time_machine.shift(timedelta(minutes=6))
    with caplog.at_level(logging.WARNING, logger="activation.tasks"):
        first, second = sweep(), sweep()

    assert STALE in first
    assert STALE in second
    assert f"events {event.pk}" in caplog.text
    assert sms_outbox == []
    send_activation_sms.call(event.pk)
    assert sms_outbox == []


@pytest.mark.django_db
def test_a_successful_send_sets_notified_at_and_is_not_reported(event, sms_outbox, time_machine):
    send_activation_sms.call(event.pk)

    event.refresh_from_db()
    assert (event.sms_claimed_at, event.notified_at) == (START, START)
    time_machine.shift(timedelta(hours=1))
    assert "not known to be sent" not in sweep()
    assert len(sms_outbox) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "reported"),
    [
        # The provider took it; only marking the event failed (the worker died after Twilio
        # answered): not a lost SMS.
        (SmsStatus.QUEUED, False),
        (SmsStatus.DELIVERED, False),
        # Not known to have gone: a person must look.
        (SmsStatus.SUBMITTING, True),
        (SmsStatus.UNKNOWN, True),
        (SmsStatus.FAILED, True),
    ],
)
def test_a_claim_is_reported_unless_its_sms_record_says_the_provider_took_it(
    event, time_machine, status, reported
):
    ActivationEvent.objects.filter(pk=event.pk).update(sms_claimed_at=START, sms_attempts=1)
    SmsDelivery.objects.create(
        recipient=MOBILE_E164,
        purpose="activation",
        backend="twilio",
        status=status,
        dedupe_key=f"activation:{event.pk}:1",
    )
    # The record of an earlier attempt says nothing about this one.
    SmsDelivery.objects.create(
        recipient=MOBILE_E164,
        purpose="activation",
        backend="twilio",
        status=SmsStatus.DELIVERED,
        dedupe_key=f"activation:{event.pk}:0",
    )
    time_machine.shift(timedelta(minutes=30))

    assert (STALE in sweep()) is reported


@pytest.mark.django_db
@pytest.mark.parametrize("argument", ["--stale-after=-1", "--stale-after=99999999999"])
def test_an_impossible_stale_after_is_refused_without_a_traceback(argument):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--stale-after must be between 0 and"):
        sweep(argument)


# --- The migration that split the claim from the success -------------------------------------


def notified_at_in_the_database(event_id: int) -> datetime | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT notified_at FROM activation_activationevent WHERE id = %s", [event_id]
        )
        value = cursor.fetchone()[0]
    if isinstance(value, str):  # SQLite
        value = datetime.fromisoformat(value)
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_keeps_every_claim_both_ways(event, restore_latest):
    claimed = START - timedelta(hours=1)
    ActivationEvent.objects.filter(pk=event.pk).update(
        sms_claimed_at=claimed, notified_at=None, sms_attempts=1
    )

    call_command("migrate", "activation", "0007", verbosity=0)

    # The old code reads notified_at as the claim: it must not send this SMS again.
    assert notified_at_in_the_database(event.pk) == claimed

    call_command("migrate", "activation", verbosity=0)

    event.refresh_from_db()
    assert (event.sms_claimed_at, event.notified_at) == (claimed, claimed)
