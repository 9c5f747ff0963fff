"""Password reset's services (design.md §7): ID number + mobile → SMS code → new password.

The pages never say whether the ID number and mobile matched an account. When they do not
(or the account is suspended, superseded or expired), a *decoy* reset is started: a challenge
row without an account whose code can never be right (``otp.issue_challenge(decoy=True)``). It
obeys the same send limits, cooldown, expiry and wrong-try counts as a real one, but no SMS is
sent.

The session keeps one key, ``RESET_SESSION_KEY``: the account pk (None for a decoy), the
challenge id, the time the last code was sent and whether the code was verified. Never the
code, the ID number or the mobile.
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language

from accounts import otp
from accounts.models import AccountStatus, OtpChallenge, OtpPurpose, User
from accounts.passwords import change_password

logger = logging.getLogger(__name__)

RESET_SESSION_KEY = "password_reset"

#: Accounts whose password may be reset. A suspended person must not regain access this
#: way; superseded and expired accounts cannot sign in at all.
RESETTABLE_STATUSES = (AccountStatus.PENDING, AccountStatus.ACTIVE)

#: Send failures are not shown (that would tell a match from a decoy): they are logged, and
#: the person can ask for a new code once the cooldown is over.
SILENT_SEND_ERRORS = frozenset({"send_failed", "sms_invalid_number"})


def now_ts() -> float:
    return timezone.now().timestamp()


# --- The reset in progress ------------------------------------------------------------------


@contextmanager
def same_duration(seconds: float) -> Iterator[None]:
    """Make a block take at least ``seconds``, so a real reset and a decoy look alike.

    A match calls the SMS provider inside the request and a decoy does not; without this the
    response time alone would tell whether an ID number and mobile belong to an account. A
    provider slower than the floor still shows (the floor is a setting; see decision 46).
    """
    started = time.monotonic()
    try:
        yield
    finally:
        remaining = seconds - (time.monotonic() - started)
        if remaining > 0:
            time.sleep(remaining)


@dataclass
class ResetState:
    """The reset kept in the session. ``account_id`` is None for a decoy."""

    account_id: int | None
    challenge_id: str
    sent: float
    verified: bool = False

    @classmethod
    def load(cls, request: HttpRequest) -> ResetState | None:
        data = request.session.get(RESET_SESSION_KEY)
        if not isinstance(data, dict) or not data.get("challenge"):
            return None
        try:
            return cls(
                account_id=int(data["account"]) if data.get("account") else None,
                challenge_id=str(uuid.UUID(str(data["challenge"]))),
                sent=float(data.get("sent") or 0),
                verified=bool(data.get("verified")),
            )
        except (TypeError, ValueError):
            return None

    def save(self, request: HttpRequest) -> None:
        request.session[RESET_SESSION_KEY] = {
            "account": self.account_id,
            "challenge": self.challenge_id,
            "sent": self.sent,
            "verified": self.verified,
        }

    @staticmethod
    def clear(request: HttpRequest) -> None:
        request.session.pop(RESET_SESSION_KEY, None)

    def cooldown(self) -> int:
        """Seconds until "Resend code" works, counted from the last (pretended) send.

        Counted here rather than from the challenge, so a real code whose SMS failed (which
        the page does not reveal) waits exactly like a decoy.
        """
        ready_at = self.sent + settings.OTP_RESEND_COOLDOWN_SECONDS
        return max(0, math.ceil(ready_at - now_ts()))

    def challenge(self) -> OtpChallenge | None:
        return OtpChallenge.objects.filter(
            pk=self.challenge_id, purpose=OtpPurpose.RESET, user_id=self.account_id
        ).first()

    def account(self) -> User | None:
        if self.account_id is None:
            return None
        return User.objects.filter(pk=self.account_id, status__in=RESETTABLE_STATUSES).first()


# A decoy (details matching no account) is a reset challenge from ``otp`` with ``decoy=True``:
# the same checks, counters, send limits, wrong tries, expiry and lock-out as a real one, but
# no code that can match and no SMS.


def matching_account(*, national_id: str, mobile: str) -> User | None:
    """The account whose password these details may reset, or None."""
    return User.objects.filter(
        national_id=national_id, mobile=mobile, status__in=RESETTABLE_STATUSES
    ).first()


def start_reset(*, national_id: str, mobile: str, ip: str) -> ResetState:
    """Send a reset code if the details match an account, else start a decoy; the same either way.

    Raises ``otp.OtpError`` for what a decoy would show too (limits, a lock); a send failure
    of a real code is only logged (showing it would tell a match from a decoy).
    """
    with same_duration(settings.PASSWORD_RESET_MIN_SECONDS):
        account = matching_account(national_id=national_id, mobile=mobile)
        if account is None:
            decoy = otp.issue_challenge(
                purpose=OtpPurpose.RESET,
                mobile=mobile,
                national_id=national_id,
                language=get_language(),
                ip=ip,
                decoy=True,
            )
            return ResetState(account_id=None, challenge_id=str(decoy.pk), sent=now_ts())
        try:
            challenge = otp.issue_challenge(
                purpose=OtpPurpose.RESET,
                mobile=mobile,
                national_id=national_id,
                language=account.preferred_language,
                ip=ip,
                user_id=account.pk,
            )
        except otp.OtpError as exc:
            if exc.code not in SILENT_SEND_ERRORS:
                raise
            logger.warning("password reset code for account %s could not be sent", account.pk)
            # The challenge exists with an unusable code; "Resend code" gives a new one.
            challenge = (
                OtpChallenge.objects.filter(
                    purpose=OtpPurpose.RESET, user_id=account.pk, mobile=mobile
                )
                .order_by("-created_at")
                .first()
            )
            if challenge is None:  # pragma: no cover - issue_challenge created it
                raise
        return ResetState(account_id=account.pk, challenge_id=str(challenge.pk), sent=now_ts())


def resend_reset_code(state: ResetState, *, ip: str) -> None:
    """A new code after the cooldown (a decoy pretends); ``otp.OtpError`` says why not."""
    if (remaining := state.cooldown()) > 0:
        raise otp.OtpError("cooldown", seconds=remaining)
    account = state.account()
    with same_duration(settings.PASSWORD_RESET_MIN_SECONDS):
        if account is None:
            # A decoy, or an account suspended meanwhile: pretend, send nothing.
            otp.resend_code(state.challenge_id, language=get_language(), ip=ip, decoy=True)
        else:
            try:
                otp.resend_code(state.challenge_id, language=account.preferred_language, ip=ip)
            except otp.OtpError as exc:
                if exc.code not in SILENT_SEND_ERRORS:
                    raise
                logger.warning("password reset code for account %s could not be sent", account.pk)
    state.sent = now_ts()


def set_new_password(state: ResetState, password: str) -> bool:
    """Use the verified code and save the new password in one transaction; False if too late."""
    with transaction.atomic():
        user = (
            User.objects.select_for_update()
            .filter(pk=state.account_id, status__in=RESETTABLE_STATUSES)
            .first()
        )
        if user is None or not otp.consume_challenge(
            state.challenge_id,
            purpose=OtpPurpose.RESET,
            mobile=user.mobile,
            national_id=user.national_id,
        ):
            return False
        change_password(user=user, password=password, source="reset")
    return True
