"""An account's authenticator app and its recovery codes: data and constraints only.

The app's secret is stored encrypted (``authenticator.crypto``, decision 241) and a recovery
code only as a keyed hash (decision 244): neither row, nor a dump of both tables, gives a code.
Setting up, checking and removing are ``authenticator.totp``'s; making and using recovery
codes ``authenticator.recovery_codes``'.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuthenticatorApp(models.Model):
    """The one authenticator app of an account: confirmed, or being set up (no ``confirmed_at``).

    A row being set up holds the key shown on the setup page until the person confirms it with
    a first code; only a confirmed row is asked for at sign-in.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="authenticator_app"
    )
    #: AES-GCM ciphertext of the 20-byte TOTP secret, bound to this account (crypto.encrypt).
    secret = models.BinaryField(_("encrypted secret"))
    #: When the key now in ``secret`` was first shown (a setup expires, decision 242).
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("set up"), null=True, blank=True)
    #: The latest 30-second time step whose code was accepted: it and every step before it are
    #: refused from then on, so one code never works twice (RFC 6238 §5.2).
    last_used_step = models.BigIntegerField(null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("authenticator app")
        verbose_name_plural = _("authenticator apps")

    def __str__(self) -> str:
        return f"authenticator app of account {self.user_id}"


class RecoveryCode(models.Model):
    """One single-use recovery code of an account, as a keyed hash (HMAC-SHA256, hex)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")
        constraints = [
            models.UniqueConstraint(fields=["user", "digest"], name="recovery_code_uniq"),
            models.CheckConstraint(condition=~Q(digest=""), name="recovery_code_has_digest"),
        ]

    def __str__(self) -> str:
        return f"recovery code of account {self.user_id}"
