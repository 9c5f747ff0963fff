"""The activation SMS task the release before notices queued (decision 97).

A worker of this release may still find ``send_activation_sms`` in the queue: it sends the
event's notice (migration 0009 wrote one for every activation) through ``send_notice``, so the
SMS goes out at most once. To be removed one release after notices.
"""

from __future__ import annotations

from django_tasks import task

from accounts.models import Notice
from accounts.tasks import send_notice_of
from activation.models import ActivationEvent, ActivationOutcome


@task()
def send_activation_sms(activation_event_id: int) -> None:
    event = ActivationEvent.objects.filter(
        pk=activation_event_id, outcome=ActivationOutcome.ACTIVATED, account__isnull=False
    ).first()
    if event is not None:
        send_notice_of(Notice.Kind.ACTIVATED, subject_id=event.pk, account_id=event.account_id)
