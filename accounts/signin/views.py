"""Sign-in pages (design.md §7): identifier and password, then a second step, then a session.

The second step is the code sent by SMS, or a way the account prefers (an authenticator app,
``accounts.signin.steps``), whose pages build on :class:`SecondStepView` like the SMS code's.
Thin views: the policy (throttles, lockout, captcha) and the pending sign-in live in
``services``; the password is checked through ``django.contrib.auth.authenticate()``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from absher_portal import metrics
from absher_portal.client_ip import client_ip
from absher_portal.errors import too_many_requests
from absher_portal.masking import mask_mobile_local
from accounts import otp
from accounts.access import HOME_OF_STATUS, completed_sign_in, safe_next_url
from accounts.error_messages import CODE_RESENT, SIGNIN_CODE_ERRORS, code_error, lockout_message
from accounts.factors import Factor
from accounts.forms import code_page_context
from accounts.models import User
from accounts.signin import devices, services, steps
from accounts.signin.forms import SignInCodeForm, SignInForm
from accounts.signin.services import PENDING_SIGNIN_KEY, Refusal


@method_decorator(never_cache, name="dispatch")
@method_decorator(sensitive_post_parameters("password", "captcha_1"), name="dispatch")
class SignInView(View):
    """Identifier and password; on success a code is sent and the code step opens."""

    template_name = "accounts/signin/login.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        # A session that skipped the code is not signed in here: it gets the form.
        if completed_sign_in(request) and (home := HOME_OF_STATUS.get(request.user.status)):
            return redirect(home)
        # Nobody is asked for the captcha before saying who they are (decision 171).
        form = SignInForm()
        return self.render(form)

    def post(self, request: HttpRequest) -> HttpResponse:
        ip = client_ip(request)
        raw_identifier = request.POST.get("identifier", "")
        key = services.throttle_key(request, raw_identifier)
        if refusal := services.refusal_before_password(key, ip):
            return self.refuse(raw_identifier, refusal)
        form = SignInForm(request.POST, request=request, captcha=services.captcha_required(key))
        if not form.is_valid():
            if form.credentials_rejected and (
                refusal := services.record_failure(key, factor=Factor.PASSWORD)
            ):
                return self.refuse(raw_identifier, refusal)
            if services.captcha_required(key):
                form.demand_captcha()
            return self.render(form)
        metrics.sign_in(Factor.PASSWORD, ok=True)
        next_url = request.POST.get("next", "")
        if preferred := steps.preferred_step(form.user):
            # An authenticator app: its code is asked for, and no SMS is sent unless asked.
            services.start_pending_sign_in(
                request, user=form.user, challenge=None, next_url=next_url
            )
            return redirect(preferred.url)
        try:
            challenge = services.send_sign_in_code(form.user, ip=ip)
        except otp.OtpError as exc:
            message = code_error(exc, SIGNIN_CODE_ERRORS)
            form.add_error(None, ValidationError(message, code=exc.code))
            return self.render(form)
        services.start_pending_sign_in(
            request, user=form.user, challenge=challenge, next_url=next_url
        )
        return redirect("accounts:login_verify")

    def render(self, form: SignInForm, *, status: int = 200) -> HttpResponse:
        """The form, carrying on the page to go to after signing in (if it is this site's)."""
        request = self.request
        next_url = safe_next_url(request, request.POST.get("next", request.GET.get("next")))
        context = {"form": form, "next": next_url}
        return render(request, self.template_name, context, status=status)

    def refuse(self, identifier: str, refusal: Refusal) -> HttpResponse:
        """Answer 429 without looking at the password: the "too many attempts" page saying
        when to come back; the refused form (identifier kept) stays in its context."""
        form = SignInForm(initial={"identifier": identifier[:40]})
        form.refuse(ValidationError(refusal.message, code=refusal.code))
        context = {"form": form}
        return too_many_requests(
            self.request, message=refusal.message, retry_after=refusal.wait, context=context
        )


class SecondStepView(View):
    """What every page after the password shares (the SMS code, an app's code, a recovery code).

    It reads the pending sign-in (none, or expired: back to the sign-in page), refuses while
    the account is locked here and counts a wrong code as a wrong password (decision 245),
    offers the other steps the account has, and signs the person in once a step is passed.
    """

    pending: services.PendingSignIn
    user: User

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        pending = services.pending_sign_in(request)
        if pending is None:
            if request.session.pop(PENDING_SIGNIN_KEY, None) is not None:
                messages.warning(request, _("Your sign-in has expired. Sign in again."))
            return redirect("accounts:login")
        self.pending, self.user = pending, pending.user
        return super().dispatch(request, *args, **kwargs)

    def locked_out(self) -> HttpResponse | None:
        """The "too many attempts" page, ending the sign-in, while wrong passwords and codes
        lock this account in this browser; None when a code may be checked."""
        if seconds := services.lockout_remaining(services.second_step_key(self.request, self.user)):
            return self.refuse(Refusal(lockout_message(seconds), "locked", seconds))
        return None

    def count_wrong_code(self, factor: str) -> HttpResponse | None:
        """Count a wrong code like a wrong password; the lockout page if it locked the account."""
        key = services.second_step_key(self.request, self.user)
        if refusal := services.record_failure(key, factor=factor):
            return self.refuse(refusal)
        return None

    def refuse(self, refusal: Refusal) -> HttpResponse:
        services.end_pending_sign_in(self.request)
        return too_many_requests(self.request, message=refusal.message, retry_after=refusal.wait)

    def other_steps(self) -> list[steps.SecondStep]:
        """The account's other ways through this step, as links on this page."""
        return [step for step in steps.second_steps(self.user) if step.url != self.request.path]

    def account(self) -> User | None:
        """The account read again: it may have been suspended since the password step."""
        return services.account_to_sign_in(self.user.pk)

    def not_signed_in(self) -> HttpResponse:
        """The account may no longer sign in: say nothing about why."""
        services.end_pending_sign_in(self.request)
        messages.error(self.request, _("We could not sign you in. Sign in again."))
        return redirect("accounts:login")

    def sign_in(self, user: User, factor: str) -> HttpResponse:
        """Sign ``user`` in, having passed the password and ``factor``; record both (after
        ``login()``, which starts the session anew) and go where the sign-in was going."""
        request = self.request
        services.end_pending_sign_in(request)
        # The one backend by name: the user was read again, so it carries none of its own.
        login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        metrics.sign_in(factor, ok=True)
        services.record_sign_in_factors(
            request, password_at=self.pending.password_at, second=factor
        )
        response = redirect(services.landing_url(user, self.pending.next_url))
        devices.remember(response, user)
        return response


@method_decorator(never_cache, name="dispatch")
@method_decorator(sensitive_post_parameters("code"), name="dispatch")
class SignInVerifyView(SecondStepView):
    """The code from the SMS (and a resend button); the right one signs the person in.

    A sign-in asked for an authenticator app's code first has no SMS code yet: "Send a code
    by SMS instead" posts ``sms_instead`` here, which sends one and shows this page.
    """

    template_name = "accounts/signin/verify.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        if self.pending.challenge is None:
            return self.to_preferred_step()
        return self.render(SignInCodeForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        if "sms_instead" in request.POST:
            return self.send_code()
        if self.pending.challenge is None:
            return self.to_preferred_step()
        if "resend" in request.POST:
            return self.resend()
        form = SignInCodeForm(request.POST)
        if not form.is_valid():
            return self.render(form)
        try:
            otp.verify_code(self.pending.challenge.pk, form.cleaned_data["code"])
        except otp.OtpError as exc:
            metrics.sign_in(Factor.SMS, ok=False)
            form.add_code_error(exc)
            return self.render(form)
        user = services.complete_sign_in(
            user_id=self.user.pk, challenge_id=self.pending.challenge.pk
        )
        if user is None:  # suspended (or moved on) since the password step
            return self.not_signed_in()
        return self.sign_in(user, Factor.SMS)

    def to_preferred_step(self) -> HttpResponse:
        """No SMS code was sent: back to the step the account was asked for."""
        preferred = steps.preferred_step(self.user)
        if preferred is None:  # the app was removed meanwhile
            services.end_pending_sign_in(self.request)
            messages.warning(self.request, _("Your sign-in has expired. Sign in again."))
            return redirect("accounts:login")
        return redirect(preferred.url)

    def send_code(self) -> HttpResponse:
        """Send the SMS code now ("Send a code by SMS instead"); once sent, this is its page."""
        if self.pending.challenge is None:
            try:
                challenge = services.send_sign_in_code(self.user, ip=client_ip(self.request))
            except otp.OtpError as exc:
                messages.error(self.request, code_error(exc, SIGNIN_CODE_ERRORS))
                return self.to_preferred_step()
            services.attach_challenge(self.request, challenge)
        return redirect("accounts:login_verify")

    def resend(self) -> HttpResponse:
        language, ip = self.user.preferred_language, client_ip(self.request)
        try:
            otp.resend_code(self.pending.challenge.pk, language=language, ip=ip)
        except otp.OtpError as exc:
            messages.error(self.request, code_error(exc, SIGNIN_CODE_ERRORS))
        else:
            messages.success(self.request, str(CODE_RESENT))
        return redirect("accounts:login_verify")

    def render(self, form: SignInCodeForm) -> HttpResponse:
        challenge = self.pending.challenge
        challenge.refresh_from_db()  # the check may have counted a wrong try
        cooldown = otp.cooldown_remaining(challenge)
        locked_for = otp.locked_for(challenge)
        context = code_page_context(form, cooldown=cooldown, locked_for=locked_for)
        context["mobile"] = mask_mobile_local(self.user.mobile)
        context["other_steps"] = self.other_steps()
        return render(self.request, self.template_name, context)


@never_cache
@sensitive_post_parameters()
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """End the session (POST only, so no link or prefetch can sign anyone out)."""
    logout(request)
    messages.success(request, _("You have signed out."))
    return redirect("accounts:home")
