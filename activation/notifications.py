"""Texts the activation app sends to people, in the recipient's language."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from absher_portal.dates import format_datetime
from accounts.models import AccountEvent, Notice
from activation.models import ActivationEvent
from sms.message import SmsMessage


def activation_sms_body(*, event: ActivationEvent, language: str) -> str:
    """The "your account is active" SMS, saying when (it may arrive late, sent by the sweep).

    Worded to stay in one GSM-7 part in English with the longest date and the seeded banks
    (tests/test_dates_shown.py checks it).
    """
    with translation.override(language):
        return _(
            "Your Absher portal account was activated through %(bank)s (%(channel)s) "
            "at %(when)s. If this was not you, call your bank now."
        ) % {
            "bank": event.bank.name,
            "channel": event.get_channel_display(),
            "when": format_datetime(event.received_at),
        }


def activation_notice_sms(notice: Notice) -> SmsMessage | None:
    """The activation SMS a ``Notice`` of kind ``activated`` is owed (its subject is the event)."""
    return _activation_sms(notice, activation_event_id=notice.subject_id)


def activation_again_notice_sms(notice: Notice) -> SmsMessage | None:
    """The same SMS, sent again by staff: the subject is their ``activation_sms_again`` event,
    which names the activation event (activation/resend.py)."""
    staff_event = AccountEvent.objects.get(pk=notice.subject_id)
    return _activation_sms(notice, activation_event_id=staff_event.details["activation_event"])


def _activation_sms(notice: Notice, *, activation_event_id: int) -> SmsMessage | None:
    account = notice.account
    if not account.mobile:
        return None
    event = ActivationEvent.objects.select_related("bank").get(pk=activation_event_id)
    return SmsMessage(
        to=account.mobile,
        body=activation_sms_body(event=event, language=account.preferred_language),
        purpose="activation",
    )
