"""A claimed notice that is not known to be sent shows, and is never sent again.

The claim (``Notice.claimed_at``) keeps a notice at most once; ``sent_at`` says the channel
took it. A worker that dies between the two, or a send that may have gone through, leaves a
claim without ``sent_at``: ``send_missed_notices`` reports it and sends nothing. Shown here on
the activation SMS; the same code sends every kind (tests/test_notices.py).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import Notice
from accounts.tasks import send_notice
from activation.models import ActivationEvent
from sms.backends import BaseSmsBackend
from sms.message import SmsMessage
from sms.models import SmsDelivery, SmsStatus
from tests.activation_helpers import activate_pending_citizen
from tests.people import MOBILE_E164

pytest_plugins = ["tests.bank_signing"]  # the anb_bank fixture

START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
STALE = "1 notice was taken by a worker but is not known to be sent"


class DyingWorkerBackend(BaseSmsBackend):
    """The worker process is killed while it hands the SMS over (SIGTERM → SystemExit)."""

    def send(self, message: SmsMessage) -> str | None:
        raise SystemExit("worker killed")


@pytest.fixture
def notice(anb_bank, time_machine, django_capture_on_commit_callbacks) -> Notice:
    """An activation whose SMS task was queued but has not run (the queue holds it)."""
    time_machine.move_to(START, tick=False)
    with django_capture_on_commit_callbacks(execute=False):
        activate_pending_citizen(
            anb_bank, key_id="anb-claims-1", event_id="evt-claims-1", confirmed_at=START
        )
    return Notice.objects.get(kind=Notice.Kind.ACTIVATED)


def sweep(*args: str) -> str:
    """The sweep's report, in English whatever language an earlier test left active."""
    out = StringIO()
    call_command("send_missed_notices", *args, stdout=out, language="en")
    return out.getvalue()


@pytest.mark.django_db
def test_a_worker_dying_after_its_claim_leaves_the_sms_unsent_reported_and_never_resent(
    notice, settings, sms_outbox, time_machine, caplog
):
    settings.SMS_BACKEND = "tests.test_activation_sms_claims.DyingWorkerBackend"
    with pytest.raises(SystemExit):
        send_notice.call(notice.pk)

    notice.refresh_from_db()
    assert notice.claimed_at == START
    assert notice.sent_at is None  # not shown as sent
    assert SmsDelivery.objects.get().status == SmsStatus.SUBMITTING

    settings.SMS_BACKEND = "locmem"
    time_machine.shift(timedelta(minutes=10))
    assert STALE not in sweep()  # might still be in flight

    time_machine.shift(timedelta(minutes=6))
    with caplog.at_level(logging.WARNING, logger="accounts.notices"):
        first, second = sweep(), sweep()

    assert STALE in first
    assert STALE in second
    assert f"notices {notice.pk}" in caplog.text
    assert sms_outbox == []
    send_notice.call(notice.pk)
    assert sms_outbox == []


@pytest.mark.django_db
def test_a_successful_send_sets_sent_at_and_is_not_reported(notice, sms_outbox, time_machine):
    send_notice.call(notice.pk)

    notice.refresh_from_db()
    assert (notice.claimed_at, notice.sent_at) == (START, START)
    time_machine.shift(timedelta(hours=1))
    assert "not known to be sent" not in sweep()
    assert len(sms_outbox) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "reported"),
    [
        # The provider took it; only marking the notice failed (the worker died after Twilio
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
    notice, time_machine, status, reported
):
    Notice.objects.filter(pk=notice.pk).update(claimed_at=START, attempts=1)
    SmsDelivery.objects.create(
        recipient=MOBILE_E164,
        purpose="activation",
        backend="twilio",
        status=status,
        dedupe_key=f"notice:{notice.pk}:1",
    )
    # The record of an earlier attempt says nothing about this one.
    SmsDelivery.objects.create(
        recipient=MOBILE_E164,
        purpose="activation",
        backend="twilio",
        status=SmsStatus.DELIVERED,
        dedupe_key=f"notice:{notice.pk}:0",
    )
    time_machine.shift(timedelta(minutes=30))

    assert (STALE in sweep()) is reported


@pytest.mark.django_db
@pytest.mark.parametrize("argument", ["--stale-after=-1", "--stale-after=99999999999"])
def test_an_impossible_stale_after_is_refused_without_a_traceback(argument):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--stale-after must be between 0 and"):
        sweep(argument)


# --- The migration that moved the claim columns into notices ----------------------------------


def claim_columns(event_id: int) -> tuple:
    """(claimed, notified, attempts, retry) as the old columns hold them, times in UTC."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sms_claimed_at, notified_at, sms_attempts, sms_retry_at "
            "FROM activation_activationevent WHERE id = %s",
            [event_id],
        )
        claimed, notified, attempts, retry = cursor.fetchone()

    def utc(value):
        if isinstance(value, str):  # SQLite
            value = datetime.fromisoformat(value)
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)

    return utc(claimed), utc(notified), attempts, utc(retry)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_keeps_every_claim_both_ways(notice, restore_latest):
    """Claimed and not known to be sent stays so; a retry keeps its time; a claim whose old
    SMS record says the provider took it becomes sent. Backwards, the columns get them all."""
    event = ActivationEvent.objects.get()
    claimed, retry = START - timedelta(hours=1), START + timedelta(minutes=2)
    # (Outside a test transaction the immediate backend sent it at once: undo that.)
    Notice.objects.filter(pk=notice.pk).update(claimed_at=claimed, sent_at=None, attempts=2)

    call_command("migrate", "activation", "0008", verbosity=0)

    # The old code reads a claim without notified_at as "may have been sent": never resent.
    assert claim_columns(event.pk) == (claimed, None, 2, None)
    assert not Notice.objects.filter(kind=Notice.Kind.ACTIVATED).exists()

    call_command("migrate", "activation", verbosity=0)

    moved = Notice.objects.get(kind=Notice.Kind.ACTIVATED, subject_id=event.pk)
    assert (moved.claimed_at, moved.sent_at, moved.attempts, moved.retry_at) == (
        claimed,
        None,
        2,
        None,
    )
    assert moved.created_at == event.received_at

    # A retry waiting, and (separately) a claim the provider took under the old key.
    Notice.objects.filter(pk=moved.pk).update(claimed_at=None, retry_at=retry)
    call_command("migrate", "activation", "0008", verbosity=0)
    assert claim_columns(event.pk) == (None, None, 2, retry)
    call_command("migrate", "activation", verbosity=0)
    assert Notice.objects.get(kind=Notice.Kind.ACTIVATED).retry_at == retry

    call_command("migrate", "activation", "0008", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE activation_activationevent SET sms_claimed_at = %s, sms_retry_at = NULL "
            "WHERE id = %s",
            [claimed, event.pk],
        )
    SmsDelivery.objects.create(
        recipient=MOBILE_E164,
        purpose="activation",
        backend="twilio",
        status=SmsStatus.DELIVERED,
        dedupe_key=f"activation:{event.pk}:2",
    )
    call_command("migrate", "activation", verbosity=0)
    assert Notice.objects.get(kind=Notice.Kind.ACTIVATED).sent_at == claimed
