"""A record of every SMS the portal tried to send, and how far it got (issue 6, item 5).

One row per attempt: who it was for (E.164), why (purpose), which backend carried it, the
provider's message id and the delivery status the provider reported afterwards. The body is
never stored: registration, sign-in and reset bodies hold one-time codes.

Statuses only move forward. Twilio reports ``queued → sending → sent → delivered`` (or
``undelivered``/``failed``), but its callbacks are separate HTTP requests that may arrive out of
order or twice; a late "sent" must not overwrite "delivered". Each status has a rank, and an
update is a single conditional ``UPDATE … WHERE rank(status) < rank(new)`` so two callbacks
racing each other cannot move a row backwards either.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


class SmsStatus(models.TextChoices):
    NOT_SENT = "not_sent", _("Refused by the provider")
    FAILED = "failed", _("Failed")
    QUEUED = "queued", _("Queued at the provider")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    UNDELIVERED = "undelivered", _("Not delivered")


#: Statuses meaning "this SMS did not reach the phone": the admin's "problems" view.
PROBLEM_STATUSES = (SmsStatus.NOT_SENT, SmsStatus.FAILED, SmsStatus.UNDELIVERED)

#: How far along a status is. A callback may only raise a row's rank; the final verdicts
#: share the top rank, so whichever arrives first stands.
STATUS_RANK = {
    SmsStatus.QUEUED: 1,
    SmsStatus.SENDING: 2,
    SmsStatus.SENT: 3,
    SmsStatus.DELIVERED: 4,
    SmsStatus.UNDELIVERED: 4,
    SmsStatus.FAILED: 4,
    SmsStatus.NOT_SENT: 4,
}

#: Twilio's ``MessageStatus`` values (outbound messages) in this table's words. ``read`` is a
#: read receipt (delivered and more); ``canceled`` is a scheduled message that never left.
TWILIO_STATUSES = {
    "accepted": SmsStatus.QUEUED,
    "scheduled": SmsStatus.QUEUED,
    "queued": SmsStatus.QUEUED,
    "sending": SmsStatus.SENDING,
    "sent": SmsStatus.SENT,
    "delivered": SmsStatus.DELIVERED,
    "read": SmsStatus.DELIVERED,
    "undelivered": SmsStatus.UNDELIVERED,
    "failed": SmsStatus.FAILED,
    "canceled": SmsStatus.FAILED,
}

#: SmsError reasons after which the provider certainly holds no message: it answered "no".
REFUSAL_REASONS = frozenset({"invalid_number", "rate_limited", "not_configured"})


class SmsPurpose(models.TextChoices):
    REGISTRATION = "registration", _("Registration code")
    LOGIN = "login", _("Sign-in code")
    RESET = "reset", _("Password reset code")
    ACTIVATION = "activation", _("Account activated")
    PASSWORD_CHANGED = "password_changed", _("Password changed")


class SmsDelivery(models.Model):
    """One attempt to send one SMS. Written by ``accounts.sms.send_sms``; never the body."""

    recipient = models.CharField(_("recipient"), max_length=16)
    purpose = models.CharField(_("purpose"), max_length=20, choices=SmsPurpose.choices)
    backend = models.CharField(_("SMS backend"), max_length=100)
    # NULL, not "": many rows have no id, and an id, once known, is unique (and indexed).
    provider_message_id = models.CharField(
        _("provider message id"), max_length=64, null=True, blank=True, unique=True
    )
    status = models.CharField(_("status"), max_length=12, choices=SmsStatus.choices)
    error_code = models.PositiveIntegerField(
        _("provider error code"),
        null=True,
        blank=True,
        help_text=_("Twilio's error code, e.g. 21211 (invalid number) or 30003 (unreachable)."),
    )
    error_reason = models.CharField(_("error"), max_length=30, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("SMS delivery")
        verbose_name_plural = _("SMS deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="smsdelivery_status_idx"),
            models.Index(fields=["recipient", "-created_at"], name="smsdelivery_recipient_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=SmsStatus.values), name="smsdelivery_status_valid"
            )
        ]

    def __str__(self) -> str:
        from accounts.models import mask_mobile

        return f"{self.get_purpose_display()} → {mask_mobile(self.recipient)}"


def record_attempt(
    *,
    recipient: str,
    purpose: str,
    backend: str,
    provider_message_id: str | None = None,
    error_reason: str = "",
    error_code: int | None = None,
) -> SmsDelivery | None:
    """Write the row for one send attempt; never let bookkeeping undo or fake a send.

    A provider id means the provider took the message (``queued``); no id and no error means
    a backend that reaches no provider (console, locmem, file) took it (``sent``). An error
    is ``not_sent`` when the provider refused it, ``failed`` otherwise (timeout, outage).
    A database failure here is logged and swallowed: the SMS has already gone (or not), and
    raising would make a caller retry a message that was in fact sent.
    """
    if error_reason:
        status = SmsStatus.NOT_SENT if error_reason in REFUSAL_REASONS else SmsStatus.FAILED
    else:
        status = SmsStatus.QUEUED if provider_message_id else SmsStatus.SENT
    try:
        with transaction.atomic():  # a savepoint: a failure here leaves a caller's block usable
            return SmsDelivery.objects.create(
                recipient=recipient[:16],
                purpose=purpose[:20],
                backend=backend[:100],
                provider_message_id=provider_message_id or None,
                status=status,
                error_reason=error_reason[:30],
                error_code=error_code if error_code and error_code > 0 else None,
            )
    except DatabaseError:
        logger.exception("could not record an SMS attempt (purpose=%s)", purpose)
        return None


def apply_provider_status(
    provider_message_id: str, status: SmsStatus, *, error_code: int | None = None
) -> bool:
    """Move the row with this provider id forward to ``status``; False if nothing moved.

    One conditional UPDATE: the row moves only if its current status ranks lower, so a late
    or repeated callback, or one racing another, never moves it backwards.
    """
    rank = STATUS_RANK[status]
    lower = [value for value, other in STATUS_RANK.items() if other < rank]
    changes: dict[str, object] = {"status": status, "updated_at": timezone.now()}
    if error_code is not None and error_code > 0:
        changes["error_code"] = error_code
    updated = SmsDelivery.objects.filter(
        provider_message_id=provider_message_id, status__in=lower
    ).update(**changes)
    return updated > 0
