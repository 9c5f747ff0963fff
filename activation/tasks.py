"""Background work of the activation app. Arguments are ids only."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import DatabaseError, models
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django_tasks import task

from activation.models import ActivationEvent, ActivationOutcome
from activation.notifications import activation_sms_body
from sms.message import SmsAlreadyClaimed, SmsError, SmsMessage
from sms.models import ACCEPTED_STATUSES, SmsDelivery
from sms.retries import enqueue_at, next_attempt_at, worth_retrying
from sms.sending import send_sms

logger = logging.getLogger(__name__)


def _sms_due(events: QuerySet[ActivationEvent], *, now: datetime) -> QuerySet[ActivationEvent]:
    """Activations whose SMS may be attempted now: never tried, or a retry that is due.

    A claimed (``sms_claimed_at``) event is being sent, was sent, or may have been; an event
    that failed without a retry time was given up. The schedule is kept on the row, so
    neither a duplicate task nor the sweep can attempt it before its backoff is over.
    ``notified_at`` is always empty here (it follows a claim); it is named for the partial
    index ``activation_unnotified_idx``.
    """
    return events.filter(
        Q(sms_attempts=0) | Q(sms_retry_at__lte=now),
        outcome=ActivationOutcome.ACTIVATED,
        notified_at__isnull=True,
        sms_claimed_at__isnull=True,
        account__isnull=False,
    )


def dedupe_key(event: ActivationEvent) -> str:
    """The ``SmsDelivery`` key of the event's current attempt (see ``stale_claims``)."""
    return f"activation:{event.pk}:{event.sms_attempts}"


@task()
def send_activation_sms(activation_event_id: int) -> None:
    """Tell the person their account is active, once per activation.

    The event row is claimed (``sms_claimed_at``, with the attempt counted) by one conditional
    UPDATE before sending, so two workers, a retry and the sweep never send twice: the one
    whose UPDATE matched sends; the others find the row claimed and stop. ``notified_at`` is
    set only once the provider took the message; a claim without it is a send that died
    half-way or may have gone out, which ``send_missed_activation_sms`` reports and never
    repeats. When the provider refused the message the claim is released with the time of
    the next attempt (``SMS_RETRY_DELAYS_SECONDS``) and the task queues itself for then.
    """
    now = timezone.now()
    claimed = _sms_due(ActivationEvent.objects.filter(pk=activation_event_id), now=now).update(
        sms_claimed_at=now, sms_attempts=F("sms_attempts") + 1, sms_retry_at=None
    )
    if not claimed:
        return
    event = ActivationEvent.objects.select_related("account", "bank").get(pk=activation_event_id)
    account = event.account
    try:
        message = SmsMessage(
            to=account.mobile,
            body=activation_sms_body(event=event, language=account.preferred_language),
            purpose="activation",
        )
    except Exception:
        # Nothing was sent: release the claim; a fault in our code is not retried by itself.
        _release(event, retry_at=None)
        logger.exception("activation SMS for event %s could not be written", event.pk)
        raise
    try:
        send_sms(message, dedupe_key=dedupe_key(event))
    except SmsError as error:
        _after_refusal(event, error, now=now)
        raise
    except SmsAlreadyClaimed:
        logger.error("activation SMS for event %s: attempt already made", event.pk)
        return
    except Exception:
        # Not the provider's answer: whether the SMS left is unknown, so keep the claim.
        logger.exception("activation SMS for event %s failed; it may have been sent", event.pk)
        raise
    _mark_notified(event)


def _mark_notified(event: ActivationEvent) -> None:
    """Record that the provider took the SMS; a failure here keeps the claim (never resent)."""
    try:
        ActivationEvent.objects.filter(pk=event.pk, notified_at__isnull=True).update(
            notified_at=timezone.now()
        )
    except DatabaseError:
        logger.exception("activation SMS for event %s sent, but not marked so", event.pk)


def _release(event: ActivationEvent, *, retry_at: datetime | None) -> None:
    """Give the claim of this attempt back, with the time of the next one (None: give up)."""
    ActivationEvent.objects.filter(
        pk=event.pk, sms_attempts=event.sms_attempts, sms_claimed_at__isnull=False
    ).update(sms_claimed_at=None, sms_retry_at=retry_at)


def _after_refusal(event: ActivationEvent, error: SmsError, *, now: datetime) -> None:
    """Schedule the next attempt, or give up; keep the claim if the SMS may have gone."""
    attempt = event.sms_attempts
    if not worth_retrying(error):
        if not error.maybe_sent:
            _release(event, retry_at=None)
        logger.error(
            "activation SMS for event %s not retried after attempt %s (%s%s)",
            event.pk,
            attempt,
            error.reason,
            ", may have been sent" if error.maybe_sent else "",
        )
        return
    retry_at = next_attempt_at(attempt, now=now)
    _release(event, retry_at=retry_at)
    if retry_at is None:
        logger.error(
            "activation SMS for event %s given up after %s attempts (%s)",
            event.pk,
            attempt,
            error.reason,
        )
        return
    logger.warning(
        "activation SMS for event %s: attempt %s failed (%s); next attempt at %s",
        event.pk,
        attempt,
        error.reason,
        retry_at.isoformat(),
    )
    enqueue_at(send_activation_sms, retry_at, event.pk)


def queue_missed_activation_sms(*, older_than_seconds: int = 60) -> int:
    """Queue the activation SMS of every activation that has none yet; return how many.

    Covers a queue that was down when the activation committed, a retry that could not be
    queued, or a backend that cannot defer tasks (development). Safe to run from cron: each
    send is claimed once, and a retry is not attempted before its time.
    """
    now = timezone.now()
    cutoff = now - timedelta(seconds=older_than_seconds)
    missed = _sms_due(ActivationEvent.objects.filter(received_at__lt=cutoff), now=now)
    count = 0
    for event_id in missed.values_list("pk", flat=True).iterator():
        send_activation_sms.enqueue(event_id)
        count += 1
    return count


def stale_claims(*, older_than_seconds: int) -> QuerySet[ActivationEvent]:
    """Activation SMS claimed that long ago and not known to be sent: reported, never resent.

    A worker died between claim and send, or the send may have gone out (timeout, lost
    connection) and no delivery report says it did. Claims whose SMS record shows the
    provider took the message (its ``notified_at`` could not be written) are left out.
    """
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    key = Concat(
        Value("activation:"),
        Cast(OuterRef("pk"), models.CharField()),
        Value(":"),
        Cast(OuterRef("sms_attempts"), models.CharField()),
    )
    accepted = SmsDelivery.objects.filter(dedupe_key=key, status__in=ACCEPTED_STATUSES)
    return ActivationEvent.objects.filter(
        ~Exists(accepted),
        outcome=ActivationOutcome.ACTIVATED,
        notified_at__isnull=True,
        sms_claimed_at__lt=cutoff,
    )


def report_stale_claims(*, older_than_seconds: int) -> int:
    """Log each stale claim (ids only) and return how many there are."""
    stale = stale_claims(older_than_seconds=older_than_seconds).order_by("pk")
    ids = list(stale.values_list("pk", flat=True))
    if ids:
        logger.warning(
            "%s activation SMS claimed but not known to be sent (not sent again): events %s",
            len(ids),
            ", ".join(map(str, ids[:50])),
        )
    return len(ids)
