"""Staff send an activation SMS again once its delivery was given up (issue 17, decision 306).

Notices go out at most once (design.md §15): a notice that may have left is never sent again
by the portal itself. A person who never got the SMS (every attempt refused, an invalid number
since corrected, or the carrier reporting it undelivered) can still be told, by a staff member
who decides to, with a reason. That is a new ``Notice`` of kind ``activated_again`` about the
staff member's ``activation_sms_again`` event, so it has its own claim, attempts and SMS
records (``notice:<new id>:<attempt>``) and the at-most-once rules apply to it unchanged.

Refused while the newest activation notice of the account was sent (and not reported
undelivered) or is still on its way (owed, waiting for a retry, or taken by a worker): the
account's row is locked while this is checked and the new notice written, so two clicks make
one notice, not two.
"""

from __future__ import annotations

from django.db import transaction

from accounts import notices
from accounts.lifecycle import record_event
from accounts.models import AccountEvent, Notice, User
from accounts.notices import NoticeState, state_of
from accounts.tasks import dedupe_key
from sms.models import SmsDelivery, SmsStatus

#: The kinds of notice that carry an account's activation SMS.
ACTIVATION_KINDS = (Notice.Kind.ACTIVATED, Notice.Kind.ACTIVATED_AGAIN)
#: A delivery report that says the SMS the provider took never reached the phone.
NOT_DELIVERED = (SmsStatus.UNDELIVERED, SmsStatus.FAILED)


class ResendRefused(Exception):
    """Why the SMS is not sent again: ``none`` (no activation SMS was ever owed), ``sent``
    (it was sent and not reported undelivered), ``in_flight`` (it is still on its way)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def latest_activation_notice(account: User) -> Notice | None:
    return (
        Notice.objects.filter(account=account, kind__in=ACTIVATION_KINDS)
        .order_by("-created_at", "-id")
        .first()
    )


def _reported_undelivered(notice: Notice) -> bool:
    return SmsDelivery.objects.filter(
        dedupe_key=dedupe_key(notice), status__in=NOT_DELIVERED
    ).exists()


def refusal(notice: Notice | None) -> str | None:
    """Why the activation SMS of this (newest) notice may not be sent again; None: it may."""
    if notice is None:
        return "none"
    state = state_of(notice)
    if state == NoticeState.GIVEN_UP:
        return None
    if state == NoticeState.SENT:
        return None if _reported_undelivered(notice) else "sent"
    return "in_flight"


def activation_sms_resend(*, account: User, actor: User, reason: str) -> Notice:
    """Owe ``account`` its activation SMS once more, as a new notice; ``ResendRefused`` if not.

    The event records who asked and why, and which notice was given up; the notice is queued
    after commit like any other.
    """
    with transaction.atomic():
        account = User.objects.select_for_update().get(pk=account.pk)
        given_up = latest_activation_notice(account)
        if (code := refusal(given_up)) is not None:
            raise ResendRefused(code)
        activation_event_id = given_up.subject_id
        if given_up.kind == Notice.Kind.ACTIVATED_AGAIN:
            earlier = AccountEvent.objects.get(pk=given_up.subject_id)
            activation_event_id = earlier.details["activation_event"]
        event = record_event(
            account=account,
            kind=AccountEvent.Kind.ACTIVATION_SMS_AGAIN,
            source="staff",
            actor=actor,
            reason=reason,
            details={
                "activation_event": activation_event_id,
                "given_up_notice": given_up.pk,
                "last_error": given_up.last_error,
            },
        )
        return notices.owe(kind=Notice.Kind.ACTIVATED_AGAIN, account=account, subject_id=event.pk)
