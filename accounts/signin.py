"""Sign-in (DESIGN §7): identifier and password, then the code sent by SMS, then a session.

Throttling lives in the shared cache through django-ratelimit's ``get_usage``, like the code
send limits of ``accounts.otp``:

- every password post counts against the client address (``LOGIN_ATTEMPTS_PER_IP`` an hour);
- wrong passwords count against the normalised identifier (``selectors.normalize_identifier``),
  whether or not an account holds it, so an unknown identifier locks exactly like a known one.
  ``LOGIN_LOCKOUT_FAILURES`` of them within ``LOGIN_LOCKOUT_SECONDS`` lock the identifier for
  ``LOGIN_LOCKOUT_SECONDS`` from the last one;
- after ``LOGIN_FAILURES_BEFORE_CAPTCHA`` wrong passwords for an identifier the captcha is
  demanded for it until someone signs in with it (at most a day); after as many from one
  address within the hour, the captcha is demanded from that address for the rest of the hour.

A successful sign-in lifts the captcha demand but does not reset the failure counts: they age
out with their window. The session holds only the account's id, the challenge's id and the
time the password was accepted — never the password or the code.
"""

from __future__ import annotations

import hashlib
import math
import time
import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_ratelimit.core import get_usage

from absher_portal.client_ip import client_ip
from absher_portal.errors import too_many_requests
from accounts import otp
from accounts.access import HOME_OF_STATUS
from accounts.models import OtpChallenge, OtpPurpose, User, mask_mobile
from accounts.selectors import normalize_identifier
from accounts.signin_forms import SignInCodeForm, SignInForm
from accounts.wizard import minutes_seconds, otp_error_message

#: The one session key of a sign-in between the password and the code.
PENDING_SIGNIN_KEY = "signin_pending"
#: How long the code step stays open after the password was accepted.
PENDING_SIGNIN_SECONDS = 15 * 60
#: How long an identifier keeps demanding the captcha when nobody signs in with it.
CAPTCHA_MEMORY_SECONDS = 24 * 60 * 60

BACKEND = "accounts.backends.UsernameBackend"


# --- throttling -----------------------------------------------------------------------------
def _cache():
    return caches[settings.RATELIMIT_USE_CACHE]


def _cache_key(kind: str, identifier_key: str) -> str:
    digest = hashlib.sha256(identifier_key.encode("utf-8")).hexdigest()
    return f"signin:{kind}:{digest}"


def _count(group: str, value: str, rate: str, *, increment: bool) -> int:
    usage = get_usage(None, group=group, key=lambda _g, _r: value, rate=rate, increment=increment)
    return usage["count"] if usage else 0


def _ip_failure_rate() -> str:
    return f"{settings.LOGIN_FAILURES_BEFORE_CAPTCHA}/h"


def ip_attempt_wait(ip: str) -> int:
    """Count one password post from ``ip``; once the hourly limit is exceeded, the seconds
    until the window ends (what the refusal tells the person), else 0."""
    if not ip:
        return 0
    usage = get_usage(
        None,
        group="signin-ip",
        key=lambda _g, _r: ip,
        rate=f"{settings.LOGIN_ATTEMPTS_PER_IP}/h",
        increment=True,
    )
    return max(1, usage["time_left"]) if usage and usage["should_limit"] else 0


def lockout_remaining(identifier_key: str) -> int:
    """Seconds until this identifier may be tried again (0: now)."""
    if not identifier_key:
        return 0
    until = _cache().get(_cache_key("lock", identifier_key))
    if until is None:
        return 0
    return max(0, math.ceil(until - time.time()))


def captcha_required(identifier_key: str, ip: str) -> bool:
    """Whether a password post for this identifier from this address needs the captcha."""
    if identifier_key and _cache().get(_cache_key("captcha", identifier_key)):
        return True
    if not ip:
        return False
    failures = _count("signin-fail-ip", ip, _ip_failure_rate(), increment=False)
    return failures >= settings.LOGIN_FAILURES_BEFORE_CAPTCHA


def record_failure(identifier_key: str, ip: str) -> int:
    """Count a wrong password; return the seconds of the lockout it started (0: none)."""
    seconds = 0
    if identifier_key:
        lockout_seconds = settings.LOGIN_LOCKOUT_SECONDS
        failures = _count(
            "signin-fail-id",
            identifier_key,
            f"{settings.LOGIN_LOCKOUT_FAILURES}/{lockout_seconds}s",
            increment=True,
        )
        if failures >= settings.LOGIN_FAILURES_BEFORE_CAPTCHA:
            _cache().set(_cache_key("captcha", identifier_key), True, CAPTCHA_MEMORY_SECONDS)
        if failures >= settings.LOGIN_LOCKOUT_FAILURES:
            # The lock runs a full period from now, and stores its end: fixed rate-limit
            # windows alone could release it seconds after the last failure.
            until = time.time() + lockout_seconds
            _cache().set(_cache_key("lock", identifier_key), until, lockout_seconds + 5)
            seconds = lockout_seconds
    if ip:
        _count("signin-fail-ip", ip, _ip_failure_rate(), increment=True)
    return seconds


def forget_captcha_demand(*identifier_keys: str) -> None:
    """Someone signed in: the identifiers of that account no longer need the captcha."""
    _cache().delete_many([_cache_key("captcha", key) for key in identifier_keys if key])


def lockout_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many attempts. Try again in %(minutes)d minute.",
        "Too many attempts. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def signin_otp_error_message(error: otp.OtpError) -> str:
    """The registration's messages about sending codes, in the sign-in's words where needed."""
    if error.code == "locked":
        return str(SignInCodeForm.error_messages["locked"])
    if error.code == "sms_invalid_number":
        # Registration can ask for another number; here the number is the account's own.
        return _(
            "The mobile number on your account cannot receive SMS messages, so we cannot "
            "send you a sign-in code. Ask the portal's support to update your number."
        )
    return otp_error_message(error)


# --- the pending sign-in in the session -------------------------------------------------------
def start_pending_sign_in(request: HttpRequest, *, user: User, challenge: OtpChallenge) -> None:
    request.session[PENDING_SIGNIN_KEY] = {
        "user_id": user.pk,
        "challenge_id": str(challenge.pk),
        "started_at": int(time.time()),
    }


def pending_sign_in(request: HttpRequest) -> tuple[User, OtpChallenge] | None:
    """The account and challenge of the sign-in waiting for its code, if still open."""
    data = request.session.get(PENDING_SIGNIN_KEY)
    if not isinstance(data, dict):
        return None
    try:
        started_at = int(data["started_at"])
        challenge_id = uuid.UUID(str(data["challenge_id"]))
        user_id = int(data["user_id"])
    except (KeyError, TypeError, ValueError):
        return None
    if time.time() - started_at > PENDING_SIGNIN_SECONDS:
        return None
    user = User.objects.filter(pk=user_id).first()
    challenge = OtpChallenge.objects.filter(
        pk=challenge_id, purpose=OtpPurpose.LOGIN, user_id=user_id
    ).first()
    if user is None or challenge is None:
        return None
    return user, challenge


# --- views ----------------------------------------------------------------------------------
@method_decorator(never_cache, name="dispatch")
@method_decorator(sensitive_post_parameters("password", "captcha_1"), name="dispatch")
class SignInView(View):
    """Identifier and password; on success a code is sent and the code step opens."""

    template_name = "accounts/signin/login.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and (home := HOME_OF_STATUS.get(request.user.status)):
            return redirect(home)
        form = SignInForm(captcha=captcha_required("", client_ip(request)))
        return self.render(form)

    def post(self, request: HttpRequest) -> HttpResponse:
        ip = client_ip(request)
        raw_identifier = request.POST.get("identifier", "")
        key = normalize_identifier(raw_identifier)
        if seconds := ip_attempt_wait(ip):
            message = _("Too many attempts from your network. Wait a while and try again.")
            return self.refuse(raw_identifier, message, code="ip_rate_limited", wait=seconds)
        if seconds := lockout_remaining(key):
            return self.refuse(
                raw_identifier, lockout_message(seconds), code="locked", wait=seconds
            )

        form = SignInForm(request.POST, captcha=captcha_required(key, ip))
        if not form.is_valid():
            if form.credentials_rejected and (seconds := record_failure(key, ip)):
                message = lockout_message(seconds)
                return self.refuse(raw_identifier, message, code="locked", wait=seconds)
            if captcha_required(key, ip):
                form.demand_captcha()
            return self.render(form)

        user: User = form.user  # type: ignore[assignment]  # a valid form names the account
        if not user.mobile:
            # Only the right password reaches this: saying so reveals nothing to a stranger.
            form.add_error(
                None,
                ValidationError(
                    _(
                        "We cannot send you a sign-in code: this account's mobile number was "
                        "moved to a newer registration. If your account still waits for bank "
                        "activation, register again with your current mobile number; otherwise "
                        "ask the portal's support to update your number."
                    ),
                    code="no_mobile",
                ),
            )
            return self.render(form)
        try:
            challenge = otp.issue_challenge(
                purpose=OtpPurpose.LOGIN,
                mobile=user.mobile,
                language=user.preferred_language,
                ip=ip,
                national_id=user.national_id,
                user_id=user.pk,
            )
        except otp.OtpError as exc:
            form.add_error(None, ValidationError(signin_otp_error_message(exc), code=exc.code))
            return self.render(form)
        start_pending_sign_in(request, user=user, challenge=challenge)
        return redirect("accounts:login_verify")

    def render(self, form: SignInForm, *, status: int = 200) -> HttpResponse:
        return render(self.request, self.template_name, {"form": form}, status=status)

    def refuse(self, identifier: str, message: str, *, code: str, wait: int) -> HttpResponse:
        """Answer 429 without looking at the password: the "too many attempts" page saying
        when to come back; the refused form (identifier kept) stays in its context."""
        form = SignInForm(initial={"identifier": identifier[:40]})
        form.refuse(ValidationError(message, code=code))
        return too_many_requests(
            self.request, message=message, retry_after=wait, context={"form": form}
        )


@method_decorator(never_cache, name="dispatch")
@method_decorator(sensitive_post_parameters("code"), name="dispatch")
class SignInVerifyView(View):
    """The code from the SMS (and a resend button); the right one signs the person in."""

    template_name = "accounts/signin/verify.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        pending = pending_sign_in(request)
        if pending is None:
            if request.session.pop(PENDING_SIGNIN_KEY, None) is not None:
                messages.warning(request, _("Your sign-in has expired. Sign in again."))
            return redirect("accounts:login")
        self.user, self.challenge = pending
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render(SignInCodeForm(challenge=self.challenge))

    def post(self, request: HttpRequest) -> HttpResponse:
        if "resend" in request.POST:
            return self.resend()
        form = SignInCodeForm(request.POST, challenge=self.challenge)
        if not form.is_valid():
            return self.render(form)
        return self.complete()

    def resend(self) -> HttpResponse:
        try:
            otp.resend_code(
                self.challenge.pk,
                language=self.user.preferred_language,
                ip=client_ip(self.request),
            )
        except otp.OtpError as exc:
            messages.error(self.request, signin_otp_error_message(exc))
        else:
            messages.success(self.request, _("A new code has been sent to your mobile."))
        return redirect("accounts:login_verify")

    def complete(self) -> HttpResponse:
        """The code was right: re-check the account now, use the code once, sign in."""
        request = self.request
        del request.session[PENDING_SIGNIN_KEY]
        user = User.objects.filter(pk=self.user.pk).first()
        home = HOME_OF_STATUS.get(user.status) if user is not None else None
        if (
            user is None
            or home is None
            or not user.mobile
            or not otp.consume_challenge(
                self.challenge.pk,
                purpose=OtpPurpose.LOGIN,
                mobile=user.mobile,
                national_id=user.national_id,
            )
        ):
            # Suspended (or moved on) since the password step: say nothing about why.
            messages.error(request, _("We could not sign you in. Sign in again."))
            return redirect("accounts:login")
        login(request, user, backend=BACKEND)
        forget_captcha_demand(user.username.lower(), user.national_id)
        return redirect(home)

    def render(self, form: SignInCodeForm) -> HttpResponse:
        self.challenge.refresh_from_db()  # the form's check may have counted a wrong try
        cooldown = otp.cooldown_remaining(self.challenge)
        context = {
            "form": form,
            "mobile": mask_mobile(self.user.mobile),
            "cooldown": cooldown,
            "cooldown_display": minutes_seconds(cooldown),
            "code_minutes": max(1, settings.OTP_TTL_SECONDS // 60),
            "locked": otp.is_locked(self.challenge),
        }
        return render(self.request, self.template_name, context)


@never_cache
@sensitive_post_parameters()
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """End the session (POST only, so no link or prefetch can sign anyone out)."""
    logout(request)
    messages.success(request, _("You have signed out."))
    return redirect("accounts:home")
