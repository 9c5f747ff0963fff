"""Password reset: ID number + mobile → SMS code → new password (DESIGN §7, issue 5 item 3).

The pages never say whether the ID number and mobile matched an account. When they do not
(or the account is suspended, superseded or expired), a *decoy* reset is started: a challenge
row without an account whose code can never be right. It obeys the same send limits,
cooldown, expiry and wrong-try counts as a real one, but no SMS is sent.

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
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_ratelimit.core import get_usage

from absher_portal.client_ip import client_ip
from absher_portal.errors import too_many_requests
from accounts import lifecycle, otp
from accounts.models import AccountEvent, AccountStatus, OtpChallenge, OtpPurpose, User
from accounts.reset_forms import NewPasswordForm, ResetCodeForm, ResetStartForm
from accounts.tasks import notify_password_changed
from accounts.wizard import minutes_seconds, otp_error_message

logger = logging.getLogger(__name__)

RESET_SESSION_KEY = "password_reset"

#: Accounts whose password may be reset. A suspended person must not regain access this
#: way; superseded and expired accounts cannot sign in at all.
RESETTABLE_STATUSES = (AccountStatus.PENDING, AccountStatus.ACTIVE)

#: Send failures are not shown (that would tell a match from a decoy): they are logged, and
#: the person can ask for a new code once the cooldown is over.
SILENT_SEND_ERRORS = frozenset({"send_failed", "sms_invalid_number"})


def _now_ts() -> float:
    return timezone.now().timestamp()


def send_error_message(error: otp.OtpError) -> str:
    """What to say when a reset code could not be (or would not have been) sent."""
    if error.code == "locked":
        return _("Too many wrong codes were entered for these details. Wait an hour and try again.")
    return otp_error_message(error)


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
        return max(0, math.ceil(ready_at - _now_ts()))

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


# --- Views ----------------------------------------------------------------------------------


def _matching_account(*, national_id: str, mobile: str) -> User | None:
    """The account whose password these details may reset, or None."""
    return User.objects.filter(
        national_id=national_id, mobile=mobile, status__in=RESETTABLE_STATUSES
    ).first()


def _wait_before_next_request(request: HttpRequest) -> int:
    """Count one request from this address; the seconds to wait once over the limit, else 0."""
    usage = get_usage(
        request,
        group="password-reset",
        key=lambda _group, req: client_ip(req),
        rate=f"{settings.PASSWORD_RESET_REQUESTS_PER_IP}/h",
        increment=True,
    )
    return max(1, usage["time_left"]) if usage and usage["should_limit"] else 0


@method_decorator(never_cache, name="dispatch")
@method_decorator(sensitive_post_parameters("national_id", "mobile"), name="dispatch")
class PasswordResetStartView(View):
    """ID number and mobile. The answer is the same whether or not they match an account."""

    template_name = "accounts/reset/start.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render(ResetStartForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        if seconds := _wait_before_next_request(request):
            message = _("Too many attempts from your network. Wait a while and try again.")
            return too_many_requests(request, message=message, retry_after=seconds)
        form = ResetStartForm(request.POST)
        if not form.is_valid():
            return self.render(form)
        try:
            with same_duration(settings.PASSWORD_RESET_MIN_SECONDS):
                state = self._start(
                    national_id=form.cleaned_data["national_id"],
                    mobile=form.cleaned_data["mobile"],
                )
        except otp.OtpError as exc:
            form.add_error(None, send_error_message(exc))
            return self.render(form)
        state.save(request)
        return redirect("accounts:password_reset_verify")

    def _start(self, *, national_id: str, mobile: str) -> ResetState:
        ip = client_ip(self.request)
        account = _matching_account(national_id=national_id, mobile=mobile)
        if account is None:
            decoy = otp.issue_challenge(
                purpose=OtpPurpose.RESET,
                mobile=mobile,
                national_id=national_id,
                language=get_language(),
                ip=ip,
                decoy=True,
            )
            return ResetState(account_id=None, challenge_id=str(decoy.pk), sent=_now_ts())
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
        return ResetState(account_id=account.pk, challenge_id=str(challenge.pk), sent=_now_ts())

    def render(self, form: ResetStartForm, *, status: int = 200) -> HttpResponse:
        return render(self.request, self.template_name, {"form": form}, status=status)


@method_decorator(never_cache, name="dispatch")
@method_decorator(sensitive_post_parameters("code"), name="dispatch")
class PasswordResetVerifyView(View):
    """The code from the SMS, and "Resend code" after the cooldown."""

    template_name = "accounts/reset/verify.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.state = ResetState.load(request)
        if self.state is None:
            return redirect("accounts:password_reset")
        if self.state.challenge() is None:
            ResetState.clear(request)
            return redirect("accounts:password_reset")
        if self.state.verified:
            return redirect("accounts:password_reset_new")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render(self.form())

    def post(self, request: HttpRequest) -> HttpResponse:
        if "resend" in request.POST:
            return self._resend()
        form = self.form(data=request.POST)
        if not form.is_valid():
            return self.render(form)
        # Only the fact is kept, never the code; the challenge is consumed with the password.
        self.state.verified = True
        self.state.save(request)
        return redirect("accounts:password_reset_new")

    def form(self, data: Any = None) -> ResetCodeForm:
        challenge_id = self.state.challenge_id
        return ResetCodeForm(data, check=lambda code: otp.verify_code(challenge_id, code))

    def _resend(self) -> HttpResponseRedirect:
        state = self.state
        ip = client_ip(self.request)
        try:
            if (remaining := state.cooldown()) > 0:
                raise otp.OtpError("cooldown", seconds=remaining)
            account = state.account()
            with same_duration(settings.PASSWORD_RESET_MIN_SECONDS):
                if account is None:
                    # A decoy, or an account suspended meanwhile: pretend, send nothing.
                    otp.resend_code(state.challenge_id, language=get_language(), ip=ip, decoy=True)
                else:
                    self._resend_real(account, ip=ip)
        except otp.OtpError as exc:
            messages.error(self.request, send_error_message(exc))
        else:
            state.sent = _now_ts()
            state.save(self.request)
            messages.success(
                self.request,
                _("If the details match an account, a new code has been sent to its mobile."),
            )
        return redirect("accounts:password_reset_verify")

    def _resend_real(self, account: User, *, ip: str) -> None:
        try:
            otp.resend_code(self.state.challenge_id, language=account.preferred_language, ip=ip)
        except otp.OtpError as exc:
            if exc.code not in SILENT_SEND_ERRORS:
                raise
            logger.warning("password reset code for account %s could not be sent", account.pk)

    def render(self, form: ResetCodeForm) -> HttpResponse:
        challenge = self.state.challenge()
        cooldown = self.state.cooldown()
        context = {
            "form": form,
            "cooldown": cooldown,
            "cooldown_display": minutes_seconds(cooldown),
            "code_minutes": max(1, settings.OTP_TTL_SECONDS // 60),
            "locked": challenge is None or otp.is_locked(challenge),
        }
        return render(self.request, self.template_name, context)


@method_decorator(never_cache, name="dispatch")
@method_decorator(sensitive_post_parameters("new_password1", "new_password2"), name="dispatch")
class PasswordResetNewView(View):
    """The new password. Saving it ends every other session of the account."""

    template_name = "accounts/reset/new.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.state = ResetState.load(request)
        if self.state is None or not self.state.verified or self.state.account_id is None:
            return redirect("accounts:password_reset")
        self.account = self.state.account()
        if self.account is None:
            return self._start_again()
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render(NewPasswordForm(user=self.account))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = NewPasswordForm(request.POST, user=self.account)
        if not form.is_valid():
            return self.render(form)
        if not self._set_password(form.cleaned_data["new_password1"]):
            return self._start_again()
        ResetState.clear(request)
        return redirect("accounts:password_reset_done")

    def _set_password(self, password: str) -> bool:
        """Consume the code and save the new password in one transaction; False if too late."""
        with transaction.atomic():
            user = (
                User.objects.select_for_update()
                .filter(pk=self.account.pk, status__in=RESETTABLE_STATUSES)
                .first()
            )
            if user is None or not otp.consume_challenge(
                self.state.challenge_id,
                purpose=OtpPurpose.RESET,
                mobile=user.mobile,
                national_id=user.national_id,
            ):
                return False
            # A new password changes the session auth hash: every session of the account
            # that was signed in before ends on its next request.
            user.set_password(password)
            user.save(update_fields=["password", "updated_at"])
            lifecycle.record_event(
                account=user, kind=AccountEvent.Kind.PASSWORD_CHANGED, source="reset"
            )
            account_id = user.pk
            transaction.on_commit(lambda: notify_password_changed.enqueue(account_id), robust=True)
        return True

    def _start_again(self) -> HttpResponseRedirect:
        ResetState.clear(self.request)
        messages.error(
            self.request,
            _("Your verification code is no longer valid. Start the password reset again."),
        )
        return redirect("accounts:password_reset")

    def render(self, form: NewPasswordForm) -> HttpResponse:
        context = {"form": form, "username": self.account.username}
        return render(self.request, self.template_name, context)


@never_cache
def password_reset_done(request: HttpRequest) -> HttpResponse:
    """The password was changed: the person signs in with it (they are not signed in)."""
    return render(request, "accounts/reset/done.html")
