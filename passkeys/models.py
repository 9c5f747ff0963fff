"""A person's passkeys and the random handle their authenticators know the account by.

The public key, the credential id and the signature counter are what the relying party keeps
of a passkey (WebAuthn §6.1); the private key never leaves the person's device. Nothing here
is a secret: a database dump lets nobody sign in.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User

#: A credential id is at most 1023 bytes (WebAuthn §5.8.3, "credential ID").
CREDENTIAL_ID_MAX_BYTES = 1023
#: The person's own name for a passkey, in characters.
NAME_MAX_LENGTH = 64
#: The size of the user handle, in bytes (WebAuthn allows up to 64; all of it random).
HANDLE_BYTES = 64


class UserHandle(models.Model):
    """The WebAuthn user handle of an account: 64 random bytes, made once, never changed.

    An authenticator stores it with each discoverable credential and returns it at sign-in,
    so it must say nothing about the person (never the ID number or the username).
    """

    account = models.OneToOneField(
        User,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="webauthn_handle",
        verbose_name=_("account"),
    )
    handle = models.BinaryField(_("user handle"), max_length=HANDLE_BYTES, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("passkey user handle")
        verbose_name_plural = _("passkey user handles")

    def __str__(self) -> str:
        return str(self.account_id)


class Passkey(models.Model):
    """One credential of one person: its public key, counter and the person's name for it."""

    owner = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="passkeys", verbose_name=_("account")
    )
    credential_id = models.BinaryField(
        _("credential id"), max_length=CREDENTIAL_ID_MAX_BYTES, unique=True
    )
    public_key = models.BinaryField(_("public key"))
    sign_count = models.PositiveBigIntegerField(_("signature counter"), default=0)
    #: How the browser may reach the authenticator ("internal", "hybrid", "usb"...), as it said.
    transports = models.JSONField(_("transports"), default=list, blank=True)
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    #: The authenticator's model (its AAGUID), for staff; all zeros when it does not say.
    aaguid = models.CharField(_("authenticator model"), max_length=36, blank=True)
    #: A passkey that may be copied to the person's other devices (synced by their account).
    backup_eligible = models.BooleanField(_("may be synced"), default=False)
    backed_up = models.BooleanField(_("synced"), default=False)
    created_at = models.DateTimeField(_("added"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("passkey")
        verbose_name_plural = _("passkeys")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="passkey_name_once_per_owner"),
        ]

    def __str__(self) -> str:
        return self.name
