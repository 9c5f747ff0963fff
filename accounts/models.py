"""Accounts, their append-only history, one-time-code challenges, and the notices owed.

Models hold data and constraints only. Status changes go through ``accounts.lifecycle``;
codes are issued and checked by ``accounts.otp``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from absher_portal.masking import mask_mobile
from accounts.managers import STAFF_WITHOUT_MOBILE, UserManager
from accounts.states import HOLDING_STATUSES, AccountStatus
from accounts.validators import NationalIdValidator, SaudiMobileValidator, UsernameValidator

_HOLDS = Q(status__in=HOLDING_STATUSES)


class IdKind(models.TextChoices):
    CITIZEN = "citizen", _("Citizen (national ID)")
    RESIDENT = "resident", _("Resident (iqama)")
    BORDER = "border", _("Border number")


class User(AbstractBaseUser, PermissionsMixin):
    """A person's portal account, identified by their national ID, iqama or border number."""

    national_id = models.CharField(
        _("ID number"), max_length=10, validators=[NationalIdValidator()], db_index=True
    )
    id_kind = models.CharField(_("ID kind"), max_length=10, choices=IdKind.choices)
    username = models.CharField(_("username"), max_length=30, validators=[UsernameValidator()])
    mobile = models.CharField(
        _("mobile number"),
        max_length=16,
        blank=True,
        db_index=True,
        validators=[SaudiMobileValidator()],
        help_text=_("E.164. Empty when the number was moved to a newer account."),
    )
    email = models.EmailField(_("email address"))
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=settings.LANGUAGES, default="ar"
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=AccountStatus.choices,
        default=AccountStatus.PENDING,
    )
    is_staff = models.BooleanField(_("staff status"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["national_id", "mobile", "email"]

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        permissions = [
            ("approve_account", _("Can approve a pending account without a bank confirmation")),
            ("reject_account", _("Can reject a pending account")),
            ("suspend_account", _("Can suspend and reinstate an active account")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["national_id"], condition=_HOLDS, name="user_national_id_held_uniq"
            ),
            models.UniqueConstraint(
                Lower("username"), condition=_HOLDS, name="user_username_ci_held_uniq"
            ),
            models.UniqueConstraint(
                fields=["mobile"], condition=_HOLDS & ~Q(mobile=""), name="user_mobile_held_uniq"
            ),
            models.CheckConstraint(
                condition=Q(status__in=AccountStatus.values), name="user_status_valid"
            ),
            # Staff sign in with a code sent to their mobile, like everyone (design.md §9).
            models.CheckConstraint(
                condition=Q(is_staff=False) | ~Q(mobile=""),
                name="user_staff_has_mobile",
                violation_error_code="staff_without_mobile",
                violation_error_message=STAFF_WITHOUT_MOBILE,
            ),
        ]
        indexes = [
            models.Index(Lower("username"), name="user_username_lower_idx"),
            # Staff lists by status, newest first, and the expiry sweep (pending, created
            # before a cutoff). It replaces ``db_index`` on status, which on PostgreSQL also
            # made a ``varchar_pattern_ops`` index for LIKE that nothing here does.
            models.Index(fields=["status", "created_at"], name="user_status_created_idx"),
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        """Pending and active people may sign in; the rest may not (design.md §7)."""
        return self.status in (AccountStatus.PENDING, AccountStatus.ACTIVE)

    @property
    def masked_national_id(self) -> str:
        return mask_national_id(self.national_id)


def mask_national_id(national_id: str) -> str:
    """Show the first and last two digits only: enough to recognise, too little to reuse."""
    if len(national_id) < 4:
        return "•" * len(national_id)
    return f"{national_id[:2]}{'•' * (len(national_id) - 4)}{national_id[-2:]}"


class AccountEvent(models.Model):
    """One entry of an account's history. Rows are written once and never changed."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", pgettext_lazy("account event", "Registered")
        SUPERSEDED = "superseded", pgettext_lazy("account event", "Superseded")
        MOBILE_RELEASED = "mobile_released", _("Mobile number moved to another account")
        MOBILE_RECEIVED = "mobile_received", _("Mobile number taken over from another account")
        ACTIVATED = "activated", pgettext_lazy("account event", "Activated")
        APPROVED = "approved", pgettext_lazy("account event", "Approved by staff")
        REJECTED = "rejected", pgettext_lazy("account event", "Rejected by staff")
        SUSPENDED = "suspended", pgettext_lazy("account event", "Suspended")
        REINSTATED = "reinstated", pgettext_lazy("account event", "Reinstated")
        EXPIRED = "expired", pgettext_lazy("account event", "Expired")
        PASSWORD_CHANGED = "password_changed", pgettext_lazy("account event", "Password changed")
        # The ways to sign in (design.md "Security page"): each change is told to the person.
        PASSKEY_ADDED = "passkey_added", pgettext_lazy("account event", "Passkey added")
        PASSKEY_REMOVED = "passkey_removed", pgettext_lazy("account event", "Passkey removed")
        PASSKEY_REFUSED = "passkey_refused", _("Passkey refused: it may have been copied")
        APP_ADDED = "app_added", pgettext_lazy("account event", "Authenticator app set up")
        APP_REMOVED = "app_removed", pgettext_lazy("account event", "Authenticator app removed")
        RECOVERY_CODES_NEW = "recovery_codes_new", _("New recovery codes made")
        RECOVERY_CODE_USED = "recovery_code_used", _("Recovery code used")
        NEW_DEVICE_SIGN_IN = "new_device_sign_in", _("Sign-in from a new browser")
        # Staff sent an activation SMS again after it was given up (activation/resend.py).
        ACTIVATION_SMS_AGAIN = "activation_sms_again", _("Activation SMS sent again by staff")

    account = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="events", verbose_name=_("account")
    )
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    from_status = models.CharField(
        _("from status"), max_length=12, choices=AccountStatus.choices, blank=True
    )
    to_status = models.CharField(
        _("to status"), max_length=12, choices=AccountStatus.choices, blank=True
    )
    actor = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff member"),
    )
    source = models.CharField(_("source"), max_length=40)
    reason = models.TextField(_("reason"), blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("account event")
        verbose_name_plural = _("account events")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d %H:%M})"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("Account events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[override]
        raise ValueError("Account events are append-only.")


class OtpPurpose(models.TextChoices):
    REGISTRATION = "registration", _("Registration")
    LOGIN = "login", _("Sign-in")
    RESET = "reset", _("Password reset")


class OtpChallenge(models.Model):
    """A one-time code sent to a mobile. Only an HMAC of the code is stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    purpose = models.CharField(max_length=12, choices=OtpPurpose.choices)
    mobile = models.CharField(max_length=16)
    national_id = models.CharField(max_length=10, blank=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True)
    code_hmac = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Unused since issue 13: wrong codes count per person and purpose (accounts.wrong_codes,
    # decision 111). Kept so the release before, which writes it, runs during the deploy;
    # a later release drops the column.
    failures = models.PositiveSmallIntegerField(default=0)
    sends = models.PositiveSmallIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)
    consumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        indexes = [
            models.Index(fields=["mobile", "created_at"]),
            # Housekeeping's sweep of challenges past OTP_RETENTION_DAYS (housekeeping/).
            models.Index(fields=["created_at"], name="otpchallenge_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {mask_mobile(self.mobile)}"


class Notice(models.Model):
    """One message a person is owed because of a change (design.md §15), sent at most once.

    Written in the same transaction as the change, so a lost task cannot lose it. The claim
    (``claimed_at``, with the attempt counted) comes before the send and ``sent_at`` after
    the channel took the message; a claim without ``sent_at`` may have gone out and is never
    repeated. ``subject_id`` is the row the notice is about: the ``ActivationEvent`` of an
    activation, the ``AccountEvent`` of a password change or a mobile move.
    """

    class Kind(models.TextChoices):
        ACTIVATED = "activated", _("Account activated (SMS)")
        PASSWORD_CHANGED = "password_changed", _("Password changed (SMS)")
        MOBILE_MOVED = "mobile_moved", _("Mobile number moved (email)")
        SECURITY_CHANGED = "security_changed", _("Change to the ways to sign in (SMS)")
        # The activation SMS again, as a new notice: its subject is the staff member's
        # ``activation_sms_again`` event (activation/resend.py, decision 306).
        ACTIVATED_AGAIN = "activated_again", _("Account activated, sent again by staff (SMS)")

    kind = models.CharField(_("notice"), max_length=20, choices=Kind.choices)
    account = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="notices", verbose_name=_("account")
    )
    subject_id = models.PositiveBigIntegerField(_("about record"))
    created_at = models.DateTimeField(_("owed since"), default=timezone.now)
    claimed_at = models.DateTimeField(_("taken by a worker"), null=True, blank=True)
    sent_at = models.DateTimeField(_("accepted for delivery"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    retry_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject_id"], name="notice_kind_subject_uniq")
        ]
        indexes = [
            # The sweep (never attempted, retry due, stale claims): the few rows not yet sent.
            models.Index(
                fields=["created_at"], condition=Q(sent_at__isnull=True), name="notice_unsent_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"
