"""Banks, their signing keys and activation channels, and the confirmations they send."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def _in_language(english: str, arabic: str) -> str:
    return arabic if (get_language() or "ar").startswith("ar") else english


class ChannelKind(models.TextChoices):
    ONLINE = "online", _("Online banking")
    ATM = "atm", _("ATM")
    APP = "app", _("Mobile app")
    PHONE = "phone", _("Phone banking")


class Bank(models.Model):
    code = models.SlugField(_("code"), max_length=20, unique=True)
    name_en = models.CharField(_("name in English"), max_length=100)
    name_ar = models.CharField(_("name in Arabic"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("bank")
        verbose_name_plural = _("banks")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The bank's name in the active language."""
        return _in_language(self.name_en, self.name_ar)


class BankKey(models.Model):
    """A bank's Ed25519 public key; the portal never holds a bank's private key."""

    bank = models.ForeignKey(
        Bank, on_delete=models.PROTECT, related_name="keys", verbose_name=_("bank")
    )
    key_id = models.CharField(_("key id"), max_length=100, unique=True)
    public_key_pem = models.TextField(_("public key (PEM)"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("bank key")
        verbose_name_plural = _("bank keys")
        ordering = ["bank", "-created_at"]

    def __str__(self) -> str:
        return self.key_id


class ActivationChannel(models.Model):
    """How a person confirms their registration through one of a bank's channels."""

    bank = models.ForeignKey(
        Bank, on_delete=models.CASCADE, related_name="channels", verbose_name=_("bank")
    )
    kind = models.CharField(_("channel"), max_length=10, choices=ChannelKind.choices)
    name_en = models.CharField(_("name in English"), max_length=100)
    name_ar = models.CharField(_("name in Arabic"), max_length=100)
    steps_en = models.TextField(_("steps in English"), help_text=_("One step per line."))
    steps_ar = models.TextField(_("steps in Arabic"), help_text=_("One step per line."))
    phone_number = models.CharField(
        _("phone number"),
        max_length=16,
        blank=True,
        validators=[
            RegexValidator(
                r"^\+?[0-9]{3,15}$",
                _("Enter the number as digits only, for example 920003344 or +966112345678."),
                code="phone_number",
            )
        ],
        help_text=_(
            "The number to call, for a phone banking channel. Where the steps quote it, "
            "people can tap it to call."
        ),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("shown"), default=True)

    class Meta:
        verbose_name = _("activation channel")
        verbose_name_plural = _("activation channels")
        ordering = ["bank__code", "position", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _in_language(self.name_en, self.name_ar)

    @property
    def steps(self) -> list[str]:
        """The steps in the active language, one per non-empty line."""
        text = _in_language(self.steps_en, self.steps_ar)
        return [line.strip() for line in text.splitlines() if line.strip()]


class ActivationOutcome(models.TextChoices):
    ACTIVATED = "activated", _("Activated")
    ALREADY_ACTIVE = "already_active", _("Already active")
    NO_PENDING_ACCOUNT = "no_pending_account", _("No pending account")
    MOBILE_MISMATCH = "mobile_mismatch", _("Mobile number does not match")


class ActivationEvent(models.Model):
    """One signed confirmation from a bank, kept with the answer it got (for replays)."""

    bank = models.ForeignKey(
        Bank,
        on_delete=models.PROTECT,
        related_name="activation_events",
        verbose_name=_("bank"),
    )
    key = models.ForeignKey(
        BankKey, on_delete=models.PROTECT, related_name="+", verbose_name=_("signing key")
    )
    event_id = models.CharField(_("event id"), max_length=100)
    fingerprint = models.CharField(
        _("fingerprint"),
        max_length=64,
        help_text=_("SHA-256 of the normalised confirmation: tells a replay from a reused id."),
    )
    national_id = models.CharField(_("ID number"), max_length=10)
    mobile = models.CharField(_("mobile number"), max_length=16)
    channel = models.CharField(_("channel"), max_length=10, choices=ChannelKind.choices)
    confirmed_at = models.DateTimeField(_("confirmed at the bank"))
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activation_events",
        verbose_name=_("account"),
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=ActivationOutcome.choices)
    response_status = models.PositiveSmallIntegerField(_("response status"))
    response_body = models.JSONField(_("response body"))
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("activation event")
        verbose_name_plural = _("activation events")
        ordering = ["-received_at", "-id"]
        permissions = [
            (
                "resend_activation_sms",
                _("Can send again an activation SMS that was given up"),
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["bank", "event_id"], name="activation_event_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.bank.code}:{self.event_id}"
