"""Sign-in's second step with the authenticator app or a recovery code (design.md §19).

Both pages are :class:`accounts.signin.views.SecondStepView`: the pending sign-in, the
lockout shared with wrong passwords, the other ways offered, and signing in are the SMS code
page's. "Send a code by SMS instead" posts to that page (``accounts:login_verify``).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from accounts.factors import Factor
from accounts.signin.views import SecondStepView
from authenticator import recovery_codes, totp
from authenticator.forms import AppCodeForm, RecoveryCodeForm


@method_decorator(never_cache, name="dispatch")
@method_decorator(sensitive_post_parameters("code"), name="dispatch")
class AppCodeView(SecondStepView):
    """The code the authenticator app shows; the right one signs the person in, no SMS sent."""

    template_name = "authenticator/signin/app_code.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render(AppCodeForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        if refused := self.locked_out():
            return refused
        form = AppCodeForm(request.POST)
        if not form.is_valid():
            return self.render(form)
        user = self.account()
        if user is None:
            return self.not_signed_in()
        check = totp.app_code_check(user=user, code=form.cleaned_data["code"])
        if check is not totp.Check.ACCEPTED:
            if refused := self.count_wrong_code(Factor.TOTP):
                return refused
            form.add_check_error(check)
            return self.render(form)
        return self.sign_in(user, Factor.TOTP)

    def render(self, form: AppCodeForm) -> HttpResponse:
        context = {"form": form, "other_steps": self.other_steps()}
        return render(self.request, self.template_name, context)


@method_decorator(never_cache, name="dispatch")
@method_decorator(sensitive_post_parameters("code"), name="dispatch")
class RecoveryCodeView(SecondStepView):
    """One of the account's recovery codes; the right one signs the person in and is used up."""

    template_name = "authenticator/signin/recovery_code.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render(RecoveryCodeForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        if refused := self.locked_out():
            return refused
        form = RecoveryCodeForm(request.POST)
        if not form.is_valid():
            return self.render(form)
        user = self.account()
        if user is None:
            return self.not_signed_in()
        left = recovery_codes.recovery_code_use(user=user, typed=form.cleaned_data["code"])
        if left is None:
            if refused := self.count_wrong_code(Factor.RECOVERY_CODE):
                return refused
            form.add_wrong_code()
            return self.render(form)
        response = self.sign_in(user, Factor.RECOVERY_CODE)
        messages.warning(request, codes_left_message(left))
        return response

    def render(self, form: RecoveryCodeForm) -> HttpResponse:
        context = {"form": form, "other_steps": self.other_steps()}
        return render(self.request, self.template_name, context)


def codes_left_message(left: int) -> str:
    """What the page after a sign-in with a recovery code says: how many are left."""
    if not left:
        return _(
            "You signed in with your last recovery code. Make new codes on your security page."
        )
    return ngettext(
        "You signed in with a recovery code. You have %(count)d code left; you can make new "
        "codes on your security page.",
        "You signed in with a recovery code. You have %(count)d codes left; you can make new "
        "codes on your security page.",
        left,
    ) % {"count": left}
