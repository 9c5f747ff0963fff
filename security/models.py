"""What the security app keeps: the person's signed-in sessions (design.md §19)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SignedInSession(models.Model):
    """One signed-in session of an account: where it is signed in, for the security page.

    The session store (``django_session`` and its cache) is the truth; this is its index by
    account, so the person can see their sessions and end any of them, and staff's
    suspension can end them all. Written when a session signs in, its last activity moved
    forward at most once a minute, removed when the session ends (``security.sessions``).

    The session key itself is never stored as is (decision 261): ``key_digest`` (SHA-256 of
    the key) finds the row from the request that holds the key, and ``sealed_key`` (the key
    encrypted under a key derived from ``SECRET_KEY``) lets another request delete that
    session from the store.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="signed_in_sessions",
        verbose_name=_("account"),
        db_index=False,  # the list's index below starts with the account
    )
    key_digest = models.CharField(_("session key digest"), max_length=64, unique=True)
    sealed_key = models.TextField(_("sealed session key"))
    created_at = models.DateTimeField(_("signed in at"))
    last_seen_at = models.DateTimeField(_("last active at"))
    browser = models.CharField(_("browser"), max_length=40, blank=True)
    platform = models.CharField(_("system"), max_length=40, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(_("internet address"), null=True, blank=True)

    class Meta:
        verbose_name = _("signed-in session")
        verbose_name_plural = _("signed-in sessions")
        indexes = [
            # The security page's list: one account's sessions, latest activity first.
            models.Index(fields=["account", "-last_seen_at"], name="signedin_account_seen_idx"),
            # The sweep of sessions past their idle or absolute limit (``prune_ended``).
            models.Index(fields=["last_seen_at"], name="signedin_seen_idx"),
            models.Index(fields=["created_at"], name="signedin_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.browser or '?'} / {self.platform or '?'}"
