"""Password reset pages (design.md §7): ID number + mobile → SMS code → new password.

Thin views over ``services``: the pages never say whether the details matched an account.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from absher_portal.client_ip import client_ip
from absher_portal.errors import too_many_requests
from accounts import limits, otp
from accounts.error_messages import NETWORK_RATE_LIMITED, RESET_SEND_ERRORS, code_error
from accounts.forms import code_page_context
from accounts.recovery import services
from accounts.recovery.forms import NewPasswordForm, ResetCodeForm, ResetStartForm
from accounts.recovery.services import ResetState


@method_decorator(never_cache, name="dispatch")
@method_decorator(sensitive_post_parameters("national_id", "mobile"), name="dispatch")
class PasswordResetStartView(View):
    """ID number and mobile. The answer is the same whether or not they match an account."""

    template_name = "accounts/reset/start.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render(ResetStartForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        if wait := limits.RESET_REQUESTS_PER_ADDRESS.hit(client_ip(request)).retry_after:
            message = str(NETWORK_RATE_LIMITED)
            return too_many_requests(request, message=message, retry_after=wait)
        form = ResetStartForm(request.POST)
        if not form.is_valid():
            return self.render(form)
        try:
            state = services.start_reset(
                national_id=form.cleaned_data["national_id"],
                mobile=form.cleaned_data["mobile"],
                ip=client_ip(request),
            )
        except otp.OtpError as exc:
            form.add_error(None, ValidationError(code_error(exc, RESET_SEND_ERRORS), code=exc.code))
            return self.render(form)
        state.save(request)
        return redirect("accounts:password_reset_verify")

    def render(self, form: ResetStartForm) -> HttpResponse:
        return render(self.request, self.template_name, {"form": form})


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
        return self.render(ResetCodeForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        if "resend" in request.POST:
            return self.resend()
        form = ResetCodeForm(request.POST)
        if not form.is_valid():
            return self.render(form)
        try:
            otp.verify_code(self.state.challenge_id, form.cleaned_data["code"])
        except otp.OtpError as exc:
            form.add_code_error(exc)
            return self.render(form)
        # Only the fact is kept, never the code; the challenge is consumed with the password.
        self.state.verified = True
        self.state.save(request)
        return redirect("accounts:password_reset_new")

    def resend(self) -> HttpResponseRedirect:
        try:
            services.resend_reset_code(self.state, ip=client_ip(self.request))
        except otp.OtpError as exc:
            messages.error(self.request, code_error(exc, RESET_SEND_ERRORS))
        else:
            self.state.save(self.request)
            messages.success(
                self.request,
                _("If the details match an account, a new code has been sent to its mobile."),
            )
        return redirect("accounts:password_reset_verify")

    def render(self, form: ResetCodeForm) -> HttpResponse:
        challenge = self.state.challenge()
        locked_for = otp.locked_for(challenge) if challenge is not None else 0
        context = code_page_context(form, cooldown=self.state.cooldown(), locked_for=locked_for)
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
            return self.start_again()
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render(NewPasswordForm(user=self.account))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = NewPasswordForm(request.POST, user=self.account)
        if not form.is_valid():
            return self.render(form)
        if not services.set_new_password(self.state, form.cleaned_data["new_password1"]):
            return self.start_again()
        ResetState.clear(request)
        return redirect("accounts:password_reset_done")

    def start_again(self) -> HttpResponseRedirect:
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
