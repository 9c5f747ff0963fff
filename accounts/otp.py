"""One-time codes sent by SMS (design.md §5).

A code is six digits from ``secrets``; only an HMAC of it, keyed by ``OTP_HMAC_KEY`` (in
development ``SECRET_KEY``) and bound to the challenge and its purpose, is stored; a code made
under a key now in ``OTP_HMAC_KEY_FALLBACKS`` still verifies (rotation, decision 302). A code
allows ``OTP_MAX_ATTEMPTS`` wrong tries; over every session, resend and challenge, a person has
``OTP_MAX_FAILURES`` wrong codes per purpose in any hour, counted here when a code is checked
(``accounts.wrong_codes``). Sends are
limited per IP address and, per purpose, per mobile and per ID number (a reset: per
ID-and-mobile pair) in the shared cache (decision 100), and a resend waits
``OTP_RESEND_COOLDOWN_SECONDS``.

The SMS is sent by the request itself, after the challenge row is committed, so a provider
failure is shown to the person at once.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from absher_portal import metrics
from accounts import limits, wrong_codes
from accounts.limits import Usage
from accounts.models import OtpChallenge, OtpPurpose
from accounts.notifications import otp_sms_body
from accounts.otp_keys import code_hmac, code_matches
from sms.message import SmsError, SmsMessage, mask_recipient
from sms.sending import send_sms

logger = logging.getLogger(__name__)

CODE_LENGTH = 6


class OtpError(Exception):
    """Why a code could not be sent or accepted. ``code`` is stable; forms map it to text."""

    def __init__(self, code: str, **params: int) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def _now() -> datetime:
    """The current time. Used for mocking in tests."""
    return timezone.now()


def generate_code() -> str:
    return f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"


def _personal_send_limits(purpose: str, *, mobile: str, national_id: str) -> list[tuple]:
    """The per-person counters a send of ``purpose`` counts against (decision 100).

    Each purpose has its own, so nobody can spend another person's quota: a sign-in send
    (which needs the account's password) is the only one counted against the quota that
    protects the sign-in code; a registration, which anyone may start with any mobile, counts
    against the registration quotas; a password reset counts only per (ID number, mobile)
    pair, the same for a real reset and a decoy, never per mobile or per ID alone, so random
    IDs with someone's mobile (or random mobiles with someone's ID) spend nothing of theirs.
    """
    if purpose == OtpPurpose.RESET:
        return [(limits.RESET_SENDS_PER_PAIR, f"{national_id}|{mobile}")]
    if purpose == OtpPurpose.LOGIN:
        by_mobile, by_id = limits.SIGNIN_SENDS_PER_MOBILE, limits.SIGNIN_SENDS_PER_ID
    else:
        by_mobile, by_id = limits.REGISTRATION_SENDS_PER_MOBILE, limits.REGISTRATION_SENDS_PER_ID
    return [(limit, value) for limit, value in ((by_mobile, mobile), (by_id, national_id)) if value]


def _consume_send_quota(*, purpose: str, mobile: str, national_id: str, ip: str) -> list[Usage]:
    """Count one send against every limit of its purpose; refuse when any is exhausted.

    Every attempt counts, refused ones too, so hammering the button does not help. Returns
    the counters that belong to the person (their mobile, their ID number), for
    :func:`_give_back_send_quota`: a send the provider certainly did not make is given back to
    those. The per-address counter keeps it, so a client cannot hammer the provider through
    the portal while it refuses.
    """
    personal = [
        limit.hit(value)
        for limit, value in _personal_send_limits(purpose, mobile=mobile, national_id=national_id)
    ]
    by_address = [limits.OTP_SENDS_PER_ADDRESS.hit(ip)] if ip else []
    if any(usage.exceeded for usage in (*personal, *by_address)):
        raise OtpError("rate_limited")
    return personal


def _give_back_send_quota(counted: list[Usage]) -> None:
    """Undo the personal counts of a send that never left, so an outage costs no quota."""
    for usage in counted:
        limits.give_back(usage)


#: The stored "HMAC" of a decoy challenge: not hexadecimal, so no code can ever match it.
DECOY_HMAC = "decoy"


def _set_new_code(challenge: OtpChallenge, *, decoy: bool = False, save: bool = True) -> str | None:
    """Give a challenge (locked by the caller, or not yet saved: ``save=False``, the caller
    inserts it with its code in one statement) a fresh code; return it.

    A decoy gets no code at all, only the same timestamps and counters.
    """
    code = None if decoy else generate_code()
    now = _now()
    challenge.code_hmac = DECOY_HMAC if code is None else code_hmac(challenge, code)
    challenge.sent_at = now
    challenge.expires_at = now + timedelta(seconds=settings.OTP_TTL_SECONDS)
    challenge.attempts = 0
    challenge.sends += 1
    if save:
        challenge.save(update_fields=["code_hmac", "sent_at", "expires_at", "attempts", "sends"])
    return code


def _send(challenge: OtpChallenge, code: str, *, language: str, quota: list[Usage]) -> None:
    """Send a committed code by SMS; on failure make the code unusable at once.

    A send the provider certainly did not make is not counted against the person's limits,
    so retrying through an outage does not lock them out for an hour. Password reset keeps
    the count: its decoys never fail, and a real reset must count exactly like one
    (decision 46), or the limits would tell which details match an account.
    """
    body = otp_sms_body(code=code, purpose=challenge.purpose, language=language)
    try:
        send_sms(SmsMessage(to=challenge.mobile, body=body, purpose=challenge.purpose))
        metrics.otp_sent(challenge.purpose, ok=True)
    except SmsError as exc:
        logger.warning(
            "OTP SMS to %s failed (%s)",
            mask_recipient(challenge.mobile),
            getattr(exc, "reason", ""),
        )
        # Treat the code as never received (after a timeout it may still arrive): make it
        # unusable and let the person retry at once.
        OtpChallenge.objects.filter(pk=challenge.pk).update(code_hmac="", sent_at=None)
        challenge.code_hmac, challenge.sent_at = "", None
        if challenge.purpose != OtpPurpose.RESET and not getattr(exc, "maybe_sent", False):
            _give_back_send_quota(quota)
        metrics.otp_sent(challenge.purpose, ok=False)
        reason = getattr(exc, "reason", "")
        raise OtpError(
            "sms_invalid_number" if reason == "invalid_number" else "send_failed"
        ) from exc


def issue_challenge(
    *,
    purpose: str,
    mobile: str,
    language: str,
    ip: str,
    national_id: str = "",
    user_id: int | None = None,
    decoy: bool = False,
) -> OtpChallenge:
    """Create a challenge for ``mobile`` and send its first code.

    Refused while the person's wrong codes for ``purpose`` are at the cap: the code could
    not be checked. A ``decoy`` (password reset for details that match no account) goes
    through every check and counter but gets no code and sends nothing, so it cannot be told
    from a real challenge.
    """
    key = wrong_codes.person_key(
        purpose=purpose, mobile=mobile, national_id=national_id, user_id=user_id
    )
    if seconds := wrong_codes.wait(key):
        raise OtpError("locked", seconds=seconds)
    quota = _consume_send_quota(purpose=purpose, mobile=mobile, national_id=national_id, ip=ip)
    # The id is made here (a UUID), so the code's HMAC, which is bound to it, is set before the
    # one INSERT: no insert-then-update.
    challenge = OtpChallenge(
        purpose=purpose, mobile=mobile, national_id=national_id, user_id=user_id
    )
    code = _set_new_code(challenge, decoy=decoy, save=False)
    challenge.save(force_insert=True)
    if code is not None:
        _send(challenge, code, language=language, quota=quota)
    return challenge


def cooldown_remaining(challenge: OtpChallenge) -> int:
    """Seconds until a new code may be requested (0 when it may be now)."""
    if challenge.sent_at is None:
        return 0
    ready_at = challenge.sent_at + timedelta(seconds=settings.OTP_RESEND_COOLDOWN_SECONDS)
    return max(0, int((ready_at - _now()).total_seconds() + 0.999))


def locked_for(challenge: OtpChallenge) -> int:
    """Seconds until codes of this challenge's person and purpose are checked again (0: now)."""
    return wrong_codes.wait(wrong_codes.challenge_key(challenge))


def resend_code(
    challenge_id: object, *, language: str, ip: str, decoy: bool = False
) -> OtpChallenge:
    """Send a new code for an existing challenge, after the cooldown and within the limits.

    The row is locked while the cooldown is checked and the new code set, so parallel
    resends send one SMS, not one each.
    """
    with transaction.atomic():
        challenge = OtpChallenge.objects.select_for_update().get(pk=challenge_id)
        if challenge.verified_at is not None:
            raise OtpError("already_verified")
        if seconds := locked_for(challenge):
            raise OtpError("locked", seconds=seconds)
        if (remaining := cooldown_remaining(challenge)) > 0:
            raise OtpError("cooldown", seconds=remaining)
        quota = _consume_send_quota(
            purpose=challenge.purpose,
            mobile=challenge.mobile,
            national_id=challenge.national_id,
            ip=ip,
        )
        code = _set_new_code(challenge, decoy=decoy)
    if code is not None:
        _send(challenge, code, language=language, quota=quota)
    return challenge


def verify_code(challenge_id: object, code: str) -> OtpChallenge:
    """Accept ``code`` once for this challenge, or raise ``OtpError`` saying why not.

    The checks of one person's codes for this purpose take turns (``wrong_codes.take_turn``);
    a wrong code is counted against the person's cap and the challenge's tries, committed
    before the error is raised. So neither parallel guesses in one session nor guesses spread
    over many sessions exceed the limits, and a right code is never refused by them.
    """
    error: OtpError | None = None
    with transaction.atomic():
        challenge = OtpChallenge.objects.select_for_update().get(pk=challenge_id)
        key = wrong_codes.challenge_key(challenge)
        wrong_codes.take_turn(key)
        now = _now()
        if challenge.verified_at is not None:
            error = OtpError("already_verified")
        elif seconds := wrong_codes.wait(key):
            error = OtpError("locked", seconds=seconds)
        elif challenge.attempts >= settings.OTP_MAX_ATTEMPTS:
            error = OtpError("attempts_exhausted")
        elif not challenge.code_hmac or challenge.expires_at is None or now >= challenge.expires_at:
            error = OtpError("expired")
        else:
            error = _compare(challenge, code, key=key, now=now)
    metrics.otp_checked(challenge.purpose, "verified" if error is None else error.code)
    if error is not None:
        raise error
    return challenge


def _compare(challenge: OtpChallenge, code: str, *, key: str, now: datetime) -> OtpError | None:
    """Compare the code (the person's turn is held); count it if wrong; what to refuse it with."""
    if code_matches(challenge, code):
        challenge.verified_at = now
        challenge.save(update_fields=["verified_at"])
        return None
    counted = wrong_codes.count_wrong(key)
    challenge.attempts += 1
    challenge.save(update_fields=["attempts"])
    if counted.time_left:  # this wrong code reached the cap
        return OtpError("locked", seconds=counted.time_left)
    if challenge.attempts >= settings.OTP_MAX_ATTEMPTS:
        return OtpError("attempts_exhausted")
    return OtpError("wrong_code", remaining=settings.OTP_MAX_ATTEMPTS - challenge.attempts)


def consume_challenge(challenge_id: object, *, purpose: str, mobile: str, national_id: str) -> bool:
    """Mark a verified challenge used, exactly once; False if it cannot be used for this.

    A verification is good for ``OTP_TTL_SECONDS`` after it happened.
    """
    now = _now()
    updated = OtpChallenge.objects.filter(
        pk=challenge_id,
        purpose=purpose,
        mobile=mobile,
        national_id=national_id,
        verified_at__gt=now - timedelta(seconds=settings.OTP_TTL_SECONDS),
        consumed_at__isnull=True,
    ).update(consumed_at=now)
    return updated == 1
