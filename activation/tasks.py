"""Background work of the activation app. Arguments are ids only."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from accounts.sms import SmsMessage, send_sms
from activation.models import ActivationEvent, ActivationOutcome
from activation.notifications import activation_sms_body

logger = logging.getLogger(__name__)


@task()
def send_activation_sms(activation_event_id: int) -> None:
    """Tell the person their account is active, once per activation.

    The event row is claimed (``notified_at``) before sending, so a retried task never sends
    twice; if the send fails the claim is released for the next try.
    """
    claimed = ActivationEvent.objects.filter(
        pk=activation_event_id,
        outcome=ActivationOutcome.ACTIVATED,
        notified_at__isnull=True,
        account__isnull=False,
    ).update(notified_at=timezone.now())
    if not claimed:
        return
    event = ActivationEvent.objects.select_related("account", "bank").get(pk=activation_event_id)
    account = event.account
    try:
        send_sms(
            SmsMessage(
                to=account.mobile,
                body=activation_sms_body(event=event, language=account.preferred_language),
                purpose="activation",
            )
        )
    except Exception:
        ActivationEvent.objects.filter(pk=activation_event_id).update(notified_at=None)
        logger.exception("activation SMS for event %s failed", activation_event_id)
        raise


def queue_missed_activation_sms(*, older_than_seconds: int = 60) -> int:
    """Queue the activation SMS of every activation that has none yet; return how many.

    Covers a queue that was down when the activation committed, or a provider failure with a
    backend that does not retry. Safe to run from cron: each send is claimed once.
    """
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    missed = ActivationEvent.objects.filter(
        outcome=ActivationOutcome.ACTIVATED,
        notified_at__isnull=True,
        account__isnull=False,
        received_at__lt=cutoff,
    ).values_list("pk", flat=True)
    count = 0
    for event_id in missed.iterator():
        send_activation_sms.enqueue(event_id)
        count += 1
    return count
