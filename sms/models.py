"""SMS delivery records: one row per attempt to send one SMS, never its body.

What the rows mean and how they move is explained in ``sms.records``, which writes them.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from absher_portal.masking import mask_mobile


class SmsStatus(models.TextChoices):
    SUBMITTING = "submitting", _("Being handed to the provider")
    UNKNOWN = "unknown", _("May have been sent")
    NOT_SENT = "not_sent", _("Refused by the provider")
    FAILED = "failed", _("Failed")
    QUEUED = "queued", _("Queued at the provider")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    UNDELIVERED = "undelivered", _("Not delivered")


#: Statuses meaning "this SMS did not reach the phone": the admin's "problems" view.
PROBLEM_STATUSES = (SmsStatus.NOT_SENT, SmsStatus.FAILED, SmsStatus.UNDELIVERED)

#: Statuses meaning "nobody knows yet whether it went": still being handed over (or the sender
#: died doing so), or an answer that left it open (timeout, connection lost, 500).
UNKNOWN_STATUSES = (SmsStatus.SUBMITTING, SmsStatus.UNKNOWN)

#: Statuses meaning "the provider took the message" (what became of it afterwards aside).
ACCEPTED_STATUSES = (
    SmsStatus.QUEUED,
    SmsStatus.SENDING,
    SmsStatus.SENT,
    SmsStatus.DELIVERED,
    SmsStatus.UNDELIVERED,
)


class SmsPurpose(models.TextChoices):
    REGISTRATION = "registration", _("Registration code")
    LOGIN = "login", _("Sign-in code")
    RESET = "reset", _("Password reset code")
    ACTIVATION = "activation", _("Account activated")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    SECURITY_CHANGED = "security_changed", _("Change to the ways to sign in")


class SmsDelivery(models.Model):
    """One attempt to send one SMS. Written by ``sms.sending.send_sms``; never the body."""

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
    # NULL for most rows (NULLs never collide; "" would), unique by a constraint (see Meta);
    # a notification sent at most once has one, e.g. "password_changed:<event id>:<attempt>".
    # Inserting it is that notification's claim.
    dedupe_key = models.CharField(  # noqa: DJ001 - NULL, not "": see above
        _("deduplication key"),
        max_length=64,
        null=True,
        blank=True,
        help_text=_("Set for notifications sent at most once: a second attempt cannot insert it."),
    )
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
            ),
            # A constraint, not unique=True: no second (LIKE) index on PostgreSQL.
            models.UniqueConstraint(fields=["dedupe_key"], name="smsdelivery_dedupe_key_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} → {mask_mobile(self.recipient)}"
