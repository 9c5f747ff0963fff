"""The authenticator app (TOTP, RFC 6238): set it up, check its codes, remove it (design.md §19).

A code is the app's HMAC of the current 30-second time step (6 digits, SHA-1: what every app
does by default). A code is accepted for the step before, the current one and the one after
(±30 s of clock drift), and only for a step later than the last one accepted: one code never
works twice, nor an older code after a newer one (RFC 6238 §5.2). The check and the record of
the step it used happen under a row lock, so two requests carrying the same code at the same
moment cannot both pass.

The secret never leaves this module in clear except to be shown once on the setup page: it is
stored sealed with ``FACTOR_SECRET_KEYS`` (``authenticator.crypto``, decision 241), also
while it waits for its first code (decision 242), never in the session.
"""

from __future__ import annotations

import base64
import hmac
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

import pyotp
import segno
from django.db import transaction
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from accounts.models import AccountEvent, User
from accounts.security_changes import record_security_change
from authenticator import crypto
from authenticator.models import AuthenticatorApp
from pages.service import service_details

logger = logging.getLogger(__name__)

STEP_SECONDS = 30
DIGITS = 6
#: Time steps accepted on either side of the current one.
DRIFT_STEPS = 1
#: 160 bits, the length RFC 4226 recommends for the shared secret.
SECRET_BYTES = 20
#: How long a key shown on the setup page waits for its first code before a new one is made.
SETUP_SECONDS = 15 * 60


class Check(StrEnum):
    """What became of a code: accepted, not the app's code, or a code already used."""

    ACCEPTED = "accepted"
    WRONG = "wrong"
    USED = "used"


class AlreadySetUp(Exception):
    """The account has an authenticator app already (one per account)."""


class SetupExpired(Exception):
    """The key being confirmed is gone or older than ``SETUP_SECONDS``: show a new one."""


@dataclass(frozen=True)
class SetupKey:
    """The key the setup page shows: as text (base32) and as an ``otpauth://`` URI."""

    secret: str
    uri: str

    @property
    def grouped(self) -> str:
        """The key in groups of four letters, as people copy it by hand."""
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))


def _now() -> float:
    """Used for mocking in tests."""
    return time.time()


def _context(user_id: int) -> bytes:
    return f"authenticator-app:{user_id}".encode()


def _lock_account(user: User) -> None:
    """Make concurrent changes to one account's factors take turns (the account's row lock)."""
    User.objects.select_for_update().filter(pk=user.pk).first()


def _totp(secret: bytes) -> pyotp.TOTP:
    text = base64.b32encode(secret).decode("ascii")
    return pyotp.TOTP(text, digits=DIGITS, interval=STEP_SECONDS)


def _match(secret: bytes, code: str, *, last_used_step: int | None) -> tuple[Check, int | None]:
    """Whether ``code`` is the app's for a step within the drift, and which step; a step
    already used (or older) counts as used."""
    totp = _totp(secret)
    now_step = totp.timecode(_now())
    used = False
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            if last_used_step is None or step > last_used_step:
                return Check.ACCEPTED, step
            used = True
    return (Check.USED if used else Check.WRONG), None


def _setup_expired(app: AuthenticatorApp) -> bool:
    return timezone.now() - app.created_at > timedelta(seconds=SETUP_SECONDS)


def _setup_key(user: User, secret: bytes) -> SetupKey:
    text = base64.b32encode(secret).decode("ascii").rstrip("=")
    # The issuer is the name people know the service by; a colon would end the label early.
    issuer = service_details().name.replace(":", " ")
    uri = pyotp.TOTP(text, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=user.username, issuer_name=issuer
    )
    return SetupKey(secret=text, uri=uri)


# --- reading --------------------------------------------------------------------------------
def confirmed_app(user: User) -> AuthenticatorApp | None:
    """The account's authenticator app, if it was set up (confirmed with a first code)."""
    return AuthenticatorApp.objects.filter(user=user, confirmed_at__isnull=False).first()


def has_app(user: User) -> bool:
    """Whether sign-in asks this account for a code from its authenticator app."""
    return AuthenticatorApp.objects.filter(user=user, confirmed_at__isnull=False).exists()


def qr_code_svg(uri: str) -> SafeString:
    """``uri`` as a QR code, SVG markup for the page itself: nothing fetched, no style attribute
    (the CSP allows neither). The picture is named by the element around it."""
    svg = segno.make(uri, error="m", micro=False).svg_inline(
        scale=1, dark="#000", light="#fff", omitsize=True, svgclass="qr-code-svg"
    )
    # segno writes the markup from its own numbers (the URI is only in the modules drawn).
    hidden = '<svg aria-hidden="true" focusable="false" ' + svg.removeprefix("<svg ")
    return mark_safe(hidden)  # noqa: S308  # nosec B308 B703


# --- setting up and removing ----------------------------------------------------------------
def app_setup_start(*, user: User) -> SetupKey:
    """The key to show on the setup page: the one waiting for its first code if it is recent,
    else a new one (stored sealed, replacing any older unconfirmed key)."""
    with transaction.atomic():
        _lock_account(user)
        app = AuthenticatorApp.objects.filter(user=user).first()
        if app is not None and app.confirmed_at is not None:
            raise AlreadySetUp
        if app is not None and not _setup_expired(app):
            try:
                return _setup_key(user, crypto.decrypt(app.secret, context=_context(user.pk)))
            except crypto.SecretUnavailable:
                pass  # the key it was sealed with is gone: make a new one
        secret = secrets.token_bytes(SECRET_BYTES)
        AuthenticatorApp.objects.update_or_create(
            user=user,
            defaults={
                "secret": crypto.encrypt(secret, context=_context(user.pk)),
                "created_at": timezone.now(),
                "confirmed_at": None,
                "last_used_step": None,
                "last_used_at": None,
            },
        )
    return _setup_key(user, secret)


def app_setup_confirm(*, user: User, code: str) -> Check:
    """Set the app up if ``code`` is its code for the key being set up; records ``app_added``
    (and its SMS notice). ``SetupExpired`` if that key is gone or too old."""
    with transaction.atomic():
        _lock_account(user)
        app = AuthenticatorApp.objects.filter(user=user).first()
        if app is not None and app.confirmed_at is not None:
            raise AlreadySetUp
        if app is None or _setup_expired(app):
            raise SetupExpired
        try:
            secret = crypto.decrypt(app.secret, context=_context(user.pk))
        except crypto.SecretUnavailable as error:
            raise SetupExpired from error
        check, step = _match(secret, code, last_used_step=None)
        if check is not Check.ACCEPTED:
            return check
        app.confirmed_at = timezone.now()
        app.last_used_step = step
        app.save(update_fields=["confirmed_at", "last_used_step"])
        record_security_change(account=user, kind=AccountEvent.Kind.APP_ADDED, source="security")
    return Check.ACCEPTED


def app_remove(*, user: User) -> bool:
    """Remove the account's app (and any key waiting for its first code); records
    ``app_removed`` (and its SMS notice) when an app that was set up goes."""
    with transaction.atomic():
        _lock_account(user)
        app = AuthenticatorApp.objects.filter(user=user).first()
        if app is None:
            return False
        app.delete()
        if app.confirmed_at is None:
            return False
        record_security_change(account=user, kind=AccountEvent.Kind.APP_REMOVED, source="security")
    return True


# --- signing in -----------------------------------------------------------------------------
def app_code_check(*, user: User, code: str) -> Check:
    """Check a sign-in code from the account's app, using up its time step when accepted."""
    with transaction.atomic():
        app = (
            AuthenticatorApp.objects.select_for_update()
            .filter(user=user, confirmed_at__isnull=False)
            .first()
        )
        if app is None:
            return Check.WRONG
        try:
            secret = crypto.decrypt(app.secret, context=_context(user.pk))
        except crypto.SecretUnavailable:
            logger.error("account %s: its authenticator app's secret opens with no key", user.pk)
            return Check.WRONG
        check, step = _match(secret, code, last_used_step=app.last_used_step)
        if check is Check.ACCEPTED:
            app.last_used_step = step
            app.last_used_at = timezone.now()
            app.save(update_fields=["last_used_step", "last_used_at"])
    return check


# --- key rotation ---------------------------------------------------------------------------
def app_secrets_reseal() -> tuple[int, int]:
    """Seal every secret not sealed with the first of ``FACTOR_SECRET_KEYS`` with it again:
    how many were resealed, and how many no configured key opens (left as they are)."""
    resealed = unopenable = 0
    for pk in AuthenticatorApp.objects.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            app = AuthenticatorApp.objects.select_for_update().filter(pk=pk).first()
            if app is None or crypto.sealed_with_current_key(app.secret):
                continue
            try:
                secret = crypto.decrypt(app.secret, context=_context(app.user_id))
            except crypto.SecretUnavailable:
                unopenable += 1
                continue
            app.secret = crypto.encrypt(secret, context=_context(app.user_id))
            app.save(update_fields=["secret"])
            resealed += 1
    return resealed, unopenable
