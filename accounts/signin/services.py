"""Sign-in's policy and state (design.md §7): throttles, lockout, captcha, the pending sign-in.

The counters are declared in ``accounts.limits``:

- every password post counts against the client address (``SIGNIN_ATTEMPTS_PER_ADDRESS``);
- wrong passwords count against a throttle key (:func:`throttle_key`): the account's, whichever
  of its identifiers was typed (username in any case, ID number in any digits), else the
  normalised identifier (``selectors.normalize_identifier``), so an unknown identifier locks
  exactly like a known one typed in one form (decision 98).
  ``LOGIN_LOCKOUT_FAILURES`` of them within ``LOGIN_LOCKOUT_SECONDS`` lock the key for
  ``LOGIN_LOCKOUT_SECONDS`` from the last one;
- after ``LOGIN_FAILURES_BEFORE_CAPTCHA`` wrong passwords for a key the captcha is
  demanded for it until someone signs in to that account (at most a day). Only for it: the
  failures of other identifiers at the same address never put the captcha in front of anyone
  (a carrier's shared address hides thousands of people; decision 171). What an address can do
  is bounded by its attempts (``SIGNIN_ATTEMPTS_PER_ADDRESS``), wrong or right.

Wrong codes of the second step other than the SMS code (an authenticator app's, a recovery
code) count on the same key as wrong passwords, and the lockout stops them too
(:func:`second_step_key`, decision 245).

A successful sign-in lifts the captcha demand but does not reset the failure counts: they age
out with their window. The session holds only the account's id, the SMS challenge's id (once a
code was sent), the time the password was accepted, the page to go on to (a path on this
site) and the account's session auth hash (what Django keeps in every signed-in session), so a
password changed meanwhile ends the sign-in half-way — never the password or a code. Once
signed in, the session records the factors passed (``accounts.factors``): the password, when
it was accepted, and the second step's, now.
"""

from __future__ import annotations

import hashlib
import math
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils.crypto import constant_time_compare

from absher_portal import metrics
from accounts import factors, limits, otp
from accounts.access import HOME_OF_STATUS, safe_next_url
from accounts.error_messages import NETWORK_RATE_LIMITED, lockout_message
from accounts.models import OtpChallenge, OtpPurpose, User
from accounts.selectors import find_account_by_identifier_once, normalize_identifier
from accounts.signin import devices

#: The one session key of a sign-in between the password and the code.
PENDING_SIGNIN_KEY = "signin_pending"
#: How long the code step stays open after the password was accepted.
PENDING_SIGNIN_SECONDS = 15 * 60
#: How long an identifier keeps demanding the captcha when nobody signs in with it.
CAPTCHA_MEMORY_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class Refusal:
    """A password post refused before the password is looked at: why, and for how long."""

    message: str
    code: str
    wait: int


# --- throttling -----------------------------------------------------------------------------
def _cache():
    return caches[settings.LIMITS_CACHE]


def _cache_key(kind: str, identifier_key: str) -> str:
    digest = hashlib.sha256(identifier_key.encode("utf-8")).hexdigest()
    return f"signin:{kind}:{digest}"


def account_key(user: User) -> str:
    """The throttle key of an account: its primary key, the same for all its identifiers."""
    return f"account:{user.pk}"


def throttle_key(request: HttpRequest, identifier: str) -> str:
    """What a wrong password for ``identifier`` counts against ("" for an empty identifier).

    On a browser that signed in to the account before, that device's own key
    (``devices.device_key``: a stranger's failures never lock it); else the account's key when
    an account holds the identifier, else the normalised identifier. They are prefixed apart,
    so nothing typed can name an account's counter. The lookup is
    the one the password check reuses (``selectors.find_account_by_identifier_once``).
    """
    normalised = normalize_identifier(identifier)
    if not normalised:
        return ""
    user = find_account_by_identifier_once(request, identifier)
    if user is None:
        return f"identifier:{normalised}"
    return devices.device_key(request, user) or account_key(user)


def ip_attempt_wait(ip: str) -> int:
    """Count one password post from ``ip``; once the hourly limit is exceeded, the seconds
    until the window ends (what the refusal tells the person), else 0."""
    if not ip:
        return 0
    return limits.SIGNIN_ATTEMPTS_PER_ADDRESS.hit(ip).retry_after


def second_step_key(request: HttpRequest, user: User) -> str:
    """What a wrong code after the password counts against: the key the password counted on
    in this browser (its device key if it signed in to the account before, else the account's),
    so the person's own browsers are never locked by a stranger (decision 105)."""
    return devices.device_key(request, user) or account_key(user)


def lockout_remaining(identifier_key: str) -> int:
    """Seconds until this identifier may be tried again (0: now)."""
    if not identifier_key:
        return 0
    until = _cache().get(_cache_key("lock", identifier_key))
    if until is None:
        return 0
    return max(0, math.ceil(until - time.time()))


def refusal_before_password(identifier_key: str, ip: str) -> Refusal | None:
    """Count the post against its address; refuse it if the address or identifier is barred."""
    if seconds := ip_attempt_wait(ip):
        return Refusal(str(NETWORK_RATE_LIMITED), "ip_rate_limited", seconds)
    if seconds := lockout_remaining(identifier_key):
        return Refusal(lockout_message(seconds), "locked", seconds)
    return None


def captcha_required(identifier_key: str) -> bool:
    """Whether a password post for this identifier needs the captcha: only when it is the one
    under attack, whatever the address (decision 171)."""
    return bool(identifier_key) and bool(_cache().get(_cache_key("captcha", identifier_key)))


def record_failure(identifier_key: str, *, factor: str = factors.Factor.PASSWORD) -> Refusal | None:
    """Count a wrong password (or code: ``factor``) against its identifier; any lockout."""
    metrics.sign_in(factor, ok=False)
    refusal = None
    if identifier_key:
        failures = limits.SIGNIN_FAILURES_PER_IDENTIFIER.hit(identifier_key).count
        if failures >= settings.LOGIN_FAILURES_BEFORE_CAPTCHA:
            _cache().set(_cache_key("captcha", identifier_key), True, CAPTCHA_MEMORY_SECONDS)
        if failures >= settings.LOGIN_LOCKOUT_FAILURES:
            # A full period from now, its end stored: a fixed window could end it at once.
            seconds = settings.LOGIN_LOCKOUT_SECONDS
            _cache().set(_cache_key("lock", identifier_key), time.time() + seconds, seconds + 5)
            refusal = Refusal(lockout_message(seconds), "locked", seconds)
            metrics.sign_in_locked(factor)
    return refusal


def forget_captcha_demand(*identifier_keys: str) -> None:
    """Someone signed in: that account's key no longer needs the captcha."""
    _cache().delete_many([_cache_key("captcha", key) for key in identifier_keys if key])


# --- the code -------------------------------------------------------------------------------
def send_sign_in_code(user: User, *, ip: str) -> OtpChallenge:
    """Send the sign-in code to the account's mobile; ``otp.OtpError`` says why not.

    ``no_mobile``: the number was moved to a newer registration. Only the right password
    reaches this, so saying so reveals nothing to a stranger.
    """
    if not user.mobile:
        raise otp.OtpError("no_mobile")
    return otp.issue_challenge(
        purpose=OtpPurpose.LOGIN,
        mobile=user.mobile,
        language=user.preferred_language,
        ip=ip,
        national_id=user.national_id,
        user_id=user.pk,
    )


def account_to_sign_in(user_id: int) -> User | None:
    """The account of a pending sign-in, read again; None if it may no longer sign in (it was
    suspended or moved on since the password step: the caller says nothing about why)."""
    user = User.objects.filter(pk=user_id).first()
    if user is None or user.status not in HOME_OF_STATUS:
        return None
    return user


def complete_sign_in(*, user_id: int, challenge_id: object) -> User | None:
    """The account to sign in once its SMS code was right, using the code; None if it may not."""
    user = account_to_sign_in(user_id)
    if user is None or not user.mobile:
        return None
    if not otp.consume_challenge(
        challenge_id, purpose=OtpPurpose.LOGIN, mobile=user.mobile, national_id=user.national_id
    ):
        return None
    return user


# --- the pending sign-in in the session -------------------------------------------------------
@dataclass(frozen=True)
class PendingSignIn:
    """A sign-in waiting for its second step: whose, which SMS challenge (None until a code is
    sent: an account with an authenticator app is asked for the app's code first), since
    when, and where to after."""

    user: User
    challenge: OtpChallenge | None
    password_at: int
    next_url: str


def start_pending_sign_in(
    request: HttpRequest, *, user: User, challenge: OtpChallenge | None, next_url: str = ""
) -> None:
    """Keep the sign-in's state for the second step; ``next_url`` only if it is this site's."""
    request.session[PENDING_SIGNIN_KEY] = {
        "user_id": user.pk,
        "challenge_id": str(challenge.pk) if challenge else "",
        "started_at": int(time.time()),
        "next": safe_next_url(request, next_url),
        # The password it was accepted with, as Django's session keeps it (an HMAC of the
        # password's hash): a password changed meanwhile ends the sign-in half-way.
        "auth": user.get_session_auth_hash(),
    }


def attach_challenge(request: HttpRequest, challenge: OtpChallenge) -> None:
    """The pending sign-in now waits for the SMS code of ``challenge`` ("Send a code by SMS
    instead"); its start time, and so its deadline, stay as they were."""
    data = dict(request.session[PENDING_SIGNIN_KEY])
    data["challenge_id"] = str(challenge.pk)
    request.session[PENDING_SIGNIN_KEY] = data


def end_pending_sign_in(request: HttpRequest) -> None:
    """Forget the pending sign-in (signed in, refused or locked: it is over either way)."""
    request.session.pop(PENDING_SIGNIN_KEY, None)


def pending_sign_in(request: HttpRequest) -> PendingSignIn | None:
    """The sign-in waiting for its code, if still open."""
    data = request.session.get(PENDING_SIGNIN_KEY)
    if not isinstance(data, dict):
        return None
    try:
        started_at = int(data["started_at"])
        raw_challenge = str(data["challenge_id"])
        challenge_id = uuid.UUID(raw_challenge) if raw_challenge else None
        user_id = int(data["user_id"])
    except (KeyError, TypeError, ValueError):
        return None
    if time.time() - started_at > PENDING_SIGNIN_SECONDS:
        return None
    user = User.objects.filter(pk=user_id).first()
    challenge = None
    if challenge_id is not None:
        challenge = OtpChallenge.objects.filter(
            pk=challenge_id, purpose=OtpPurpose.LOGIN, user_id=user_id
        ).first()
        if challenge is None:
            return None
    if user is None or not _same_password(user, data.get("auth")):
        return None
    next_url = safe_next_url(request, data.get("next", ""))
    return PendingSignIn(user, challenge, password_at=started_at, next_url=next_url)


def _same_password(user: User, kept: object) -> bool:
    """Whether the account's password is still the one its pending sign-in was accepted with
    (under the current ``SECRET_KEY`` or a fallback, as Django checks a session's)."""
    if not isinstance(kept, str) or not kept:
        return False
    known = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
    return any(constant_time_compare(kept, value) for value in known)


def record_sign_in_factors(
    request: HttpRequest, *, password_at: int, second: str = factors.Factor.SMS
) -> None:
    """The session just signed in passed the password (at ``password_at``) and ``second``
    (the SMS code, an authenticator app's code or a recovery code), now.

    Called after ``login()``, which starts the session anew for this account. The captcha
    demand is lifted for the account and for this browser's device key, if it has one.
    """
    factors.record(request.session, factors.Factor.PASSWORD, at=password_at)
    factors.record(request.session, second)
    user = request.user
    forget_captcha_demand(account_key(user), devices.device_key(request, user) or "")


def landing_url(user: User, next_url: str) -> str:
    """Where a completed sign-in goes: the page asked for (already checked), else home."""
    return next_url or resolve_url(HOME_OF_STATUS[user.status])
