"""Texts sent to people (SMS and email), each rendered in the recipient's language."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext, ngettext

from absher_portal.dates import format_datetime
from absher_portal.masking import mask_mobile
from accounts.models import AccountEvent, OtpPurpose, User


def webotp_line(code: str) -> str:
    """The WebOTP origin-bound line: ``@host #code`` with ASCII digits in any language."""
    host = urlsplit(settings.PUBLIC_ORIGIN).hostname or "localhost"
    return f"@{host} #{code}"


def otp_sms_body(*, code: str, purpose: str, language: str) -> str:
    """The SMS that carries a one-time code, in ``language``, ending with the WebOTP line."""
    minutes = max(1, settings.OTP_TTL_SECONDS // 60)
    with translation.override(language):
        if purpose == OtpPurpose.REGISTRATION:
            text = ngettext(
                "Your Absher portal registration code is %(code)s. "
                "It expires in %(minutes)d minute. Do not share it with anyone.",
                "Your Absher portal registration code is %(code)s. "
                "It expires in %(minutes)d minutes. Do not share it with anyone.",
                minutes,
            )
        elif purpose == OtpPurpose.LOGIN:
            text = ngettext(
                "Your Absher portal sign-in code is %(code)s. "
                "It expires in %(minutes)d minute. Do not share it with anyone.",
                "Your Absher portal sign-in code is %(code)s. "
                "It expires in %(minutes)d minutes. Do not share it with anyone.",
                minutes,
            )
        else:
            text = ngettext(
                "Your Absher portal password reset code is %(code)s. "
                "It expires in %(minutes)d minute. Do not share it with anyone.",
                "Your Absher portal password reset code is %(code)s. "
                "It expires in %(minutes)d minutes. Do not share it with anyone.",
                minutes,
            )
        body = text % {"code": code, "minutes": minutes}
    return f"{body}\n\n{webotp_line(code)}"


def password_changed_sms_body(*, language: str, when: datetime | None = None) -> str:
    """The SMS that tells a person their password was changed, in ``language``.

    It says when (Riyadh time): the SMS may arrive late, sent by the sweep after an outage,
    and a person who did not change it needs the time to tell support.
    """
    with translation.override(language):
        if when is None:
            return gettext(
                "Your Absher portal password was changed. "
                "If you did not do this, contact Absher portal support at once."
            )
        return gettext(
            "Your Absher portal password was changed at %(when)s. "
            "If you did not do this, contact Absher portal support at once."
        ) % {"when": format_datetime(when)}


def mobile_moved_email_message(*, account: User, event: AccountEvent | None) -> EmailMessage:
    """The email telling an account's owner that their mobile now belongs to a newer account."""
    new_mobile = ""
    if event is not None and (to_id := event.details.get("to_account")):
        new_mobile = User.objects.filter(pk=to_id).values_list("mobile", flat=True).first() or ""
    context = {
        "account": account,
        "masked_mobile": mask_mobile(new_mobile) if new_mobile else "",
        "when": event.created_at if event else None,
        "portal_url": settings.PUBLIC_ORIGIN,
    }
    with translation.override(account.preferred_language):
        subject = render_to_string("accounts/email/mobile_moved_subject.txt", context).strip()
        body = render_to_string("accounts/email/mobile_moved_message.txt", context)
    return EmailMessage(subject, body, None, [account.email])


def security_change_sms_body(*, kind: str, language: str, when: Any, details: dict) -> str:
    """The SMS for one change, in ``language``: what changed, when (Riyadh time), and what to
    do if it was not the person."""
    with translation.override(language):
        if_not_you = gettext("If this was not you, contact Absher portal support at once.")
        what = _what_changed(kind, details) % {"when": format_datetime(when)}
        return f"{what} {if_not_you}"


def _what_changed(kind: str, details: dict) -> str:
    Kind = AccountEvent.Kind
    texts = {
        Kind.PASSKEY_ADDED: gettext(
            "A passkey was added to your Absher portal account at %(when)s."
        ),
        Kind.PASSKEY_REMOVED: gettext(
            "A passkey was removed from your Absher portal account at %(when)s."
        ),
        Kind.PASSKEY_REFUSED: gettext(
            "A sign-in with one of your passkeys was refused at %(when)s: it may have been "
            "copied. Remove it on your security page."
        ),
        Kind.APP_ADDED: gettext(
            "An authenticator app was set up for your Absher portal account at %(when)s."
        ),
        Kind.APP_REMOVED: gettext(
            "The authenticator app was removed from your Absher portal account at %(when)s."
        ),
        Kind.RECOVERY_CODES_NEW: gettext(
            "New recovery codes were made for your Absher portal account at %(when)s; the old "
            "ones no longer work."
        ),
        Kind.RECOVERY_CODE_USED: gettext(
            "A recovery code was used to sign in to your Absher portal account at %(when)s."
        ),
    }
    if kind == Kind.RECOVERY_CODES_NEW and details.get("first"):
        # The first set replaces nothing: "the old ones no longer work" would puzzle.
        return gettext("Recovery codes were made for your Absher portal account at %(when)s.")
    if kind == Kind.NEW_DEVICE_SIGN_IN:
        device = str(details.get("device") or "")
        if device:
            # The browser's name comes from its own user agent: bounded, never markup (SMS),
            # and its "%" doubled, since the text is formatted once more with the time.
            return gettext(
                "New sign-in to your Absher portal account at %%(when)s from %(device)s."
            ) % {"device": device[:40].replace("%", "%%")}
        return gettext("New sign-in to your Absher portal account at %(when)s.")
    return texts[kind]
