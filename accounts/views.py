"""Pages of the accounts app. Views orchestrate; rules live in forms and services."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_ratelimit.core import _SIMPLE_KEYS
from formtools.wizard.views import NamedUrlSessionWizardView, WizardView

from accounts import otp
from accounts.forms import SECRET_FIELDS, AccountForm, IdentityForm, VerifyForm
from accounts.models import OtpChallenge, OtpPurpose, User
from accounts.registration import RegistrationConflict, register_account

REGISTERED_SESSION_KEY = "registered_account_id"

SEND_ERRORS = {
    "rate_limited": lambda p: _("Too many codes have been requested. Wait an hour and try again."),
    "send_failed": lambda p: _("We could not send the SMS. Check the number and try again."),
    "cooldown": lambda p: (
        _("Wait %(time)s (minutes:seconds) before requesting a new code.")
        % {"time": minutes_seconds(p["seconds"])}
    ),
    "locked": lambda p: _("Too many wrong codes. Start the registration again."),
    "already_verified": lambda p: _("This code has already been used."),
}


def minutes_seconds(seconds: int) -> str:
    """``75`` → ``1:15``: a countdown that needs no plural forms in any language."""
    return f"{seconds // 60}:{seconds % 60:02d}"


def client_ip(request: HttpRequest) -> str:
    """The client address the rate limits key on (see ``RATELIMIT_IP_META_KEY``)."""
    return _SIMPLE_KEYS["ip"](request)


@never_cache
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/home.html")


class StepFailed(Exception):
    """A valid step whose action (sending the code) failed: show the form again."""

    def __init__(self, form: Any) -> None:
        super().__init__("step failed")
        self.form = form


@method_decorator(never_cache, name="dispatch")
@method_decorator(
    sensitive_post_parameters("account-password1", "account-password2", "verify-code"),
    name="dispatch",
)
class RegistrationWizard(NamedUrlSessionWizardView):
    """identity → account → verify, one URL per step (DESIGN §6).

    The storage keeps only non-secret fields; the password is hashed when its step is
    processed and the code is never kept. Before ``done()`` formtools re-validates every
    stored step; in that pass the stored hash and the verified challenge stand in for the
    single-use fields.
    """

    form_list = [("identity", IdentityForm), ("account", AccountForm), ("verify", VerifyForm)]
    _revalidating = False
    _displaying = False

    def get_template_names(self) -> list[str]:
        return [f"accounts/register/{self.steps.current}.html"]

    # --- forms ------------------------------------------------------------------------
    def get_form_kwargs(self, step: str | None = None) -> dict[str, Any]:
        extra = self.storage.extra_data
        if step == "account":
            identity = self.get_cleaned_data_for_step("identity") or {}
            return {
                "national_id": identity.get("national_id", ""),
                "revalidating": self._revalidating,
                "has_password_hash": bool(extra.get("password_hash")),
            }
        if step == "verify":
            return {"challenge": self._challenge(), "revalidating": self._revalidating}
        return {}

    def get_form(self, step=None, data=None, files=None):  # type: ignore[no-untyped-def]
        if self._displaying and step is None and data is not None:
            # Showing a stored step again (back, refresh, language switch): fill it in
            # without validating, so single-use fields do not show "required" errors.
            prefix = f"{self.steps.current}-"
            initial = {k.removeprefix(prefix): v for k, v in data.items()}
            form = super().get_form(step=step, data=None, files=None)
            form.initial.update(initial)
            return form
        return super().get_form(step=step, data=data, files=files)

    def process_step(self, form: Any) -> dict[str, list[str]]:
        """Keep the step's own non-secret fields; run the step's action."""
        step = self.steps.current
        if step == "identity":
            self._forget_secrets_if_identity_changed(form)
        elif step == "account":
            self._send_code(form)
        return {
            form.add_prefix(name): form.data.getlist(form.add_prefix(name))
            for name in form.fields
            if name not in SECRET_FIELDS
        }

    def get_form_initial(self, step: str) -> dict[str, Any]:
        if step == "account":
            return {"preferred_language": get_language()}
        return {}

    # --- requests ---------------------------------------------------------------------
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if kwargs.get("step") == self.done_step_name:
            # The account is created by the verify step's POST, never by a GET.
            return redirect(self.get_step_url(self.steps.current))
        if missing := self._first_missing_step_before(kwargs.get("step")):
            return redirect(self.get_step_url(missing))
        self._displaying = True
        return super().get(request, *args, **kwargs)

    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        if "restart" in self.request.POST:
            self.storage.reset()
            return redirect(self.get_step_url(self.steps.first))
        if "resend" in self.request.POST:
            return self._resend()
        step = kwargs.get("step")
        if missing := self._first_missing_step_before(step):
            # Typically an expired session: say so rather than show an unexplained form.
            messages.warning(
                self.request, _("Your registration session has expired. Please start again.")
            )
            return redirect(self.get_step_url(missing))
        if step in self.steps.all:
            # The URL names the step being posted; clients need not send formtools'
            # management form (a post without it would otherwise be a 400).
            data = self.request.POST.copy()
            data[f"{self.prefix}-current_step"] = step
            self.request.POST = data
            self.storage.current_step = step
        try:
            return super().post(*args, **kwargs)
        except StepFailed as failed:
            return self.render(failed.form)

    def render_done(self, form: Any, **kwargs: Any) -> HttpResponse:
        """Re-validate and finish within the verify POST (formtools would redirect to a GET)."""
        self._revalidating = True
        try:
            return WizardView.render_done(self, form, **kwargs)
        except RegistrationConflict as conflict:
            messages.error(self.request, conflict.message)
            self.storage.current_step = conflict.step
            return redirect(self.get_step_url(conflict.step))
        finally:
            self._revalidating = False

    def render_revalidation_failure(self, failed_step: str, form: Any, **kwargs: Any):
        messages.warning(self.request, _("Please check this step again."))
        return super().render_revalidation_failure(failed_step, form, **kwargs)

    def done(self, form_list: Any, form_dict: dict[str, Any], **kwargs: Any) -> HttpResponse:
        identity = form_dict["identity"].cleaned_data
        account = form_dict["account"].cleaned_data
        extra = self.storage.extra_data
        user = register_account(
            national_id=identity["national_id"],
            mobile=identity["mobile"],
            email=identity["email"],
            username=account["username"],
            password_hash=extra["password_hash"],
            preferred_language=account["preferred_language"],
            challenge_id=extra["challenge_id"],
        )
        self.request.session.cycle_key()
        self.request.session[REGISTERED_SESSION_KEY] = user.pk
        return redirect("accounts:registration_complete")

    def get_context_data(self, form: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(form=form, **kwargs)
        context["step_titles"] = [
            ("identity", _("Identity")),
            ("account", _("Account")),
            ("verify", _("Verification")),
        ]
        if self.steps.current == "verify":
            challenge = self._challenge()
            identity = self.get_cleaned_data_for_step("identity") or {}
            context["challenge"] = challenge
            context["mobile"] = identity.get("mobile", "")
            context["cooldown"] = otp.cooldown_remaining(challenge) if challenge else 0
            context["cooldown_display"] = minutes_seconds(context["cooldown"])
            context["code_minutes"] = max(1, settings.OTP_TTL_SECONDS // 60)
            context["locked"] = bool(challenge and otp.is_locked(challenge))
        return context

    # --- helpers --------------------------------------------------------------------
    def _first_missing_step_before(self, step: str | None) -> str | None:
        """Steps are done in order: the first earlier step with nothing stored, if any."""
        if step not in self.steps.all:
            return None
        for earlier in self.steps.all[: self.steps.all.index(step)]:
            if self.storage.get_step_data(earlier) is None:
                return earlier
        return None

    def _challenge(self) -> OtpChallenge | None:
        try:
            challenge_id = uuid.UUID(str(self.storage.extra_data.get("challenge_id")))
        except ValueError:
            return None
        return OtpChallenge.objects.filter(pk=challenge_id).first()

    def _forget_secrets_if_identity_changed(self, form: IdentityForm) -> None:
        before = self.get_cleaned_data_for_step("identity") or {}
        now = form.cleaned_data
        if (before.get("national_id"), before.get("mobile")) != (
            now["national_id"],
            now["mobile"],
        ):
            self.storage.extra_data = {}

    def _send_code(self, form: AccountForm) -> None:
        identity = self.get_cleaned_data_for_step("identity")
        if not identity:
            raise StepFailed(form)
        try:
            challenge = otp.issue_challenge(
                purpose=OtpPurpose.REGISTRATION,
                mobile=identity["mobile"],
                national_id=identity["national_id"],
                language=form.cleaned_data["preferred_language"],
                ip=client_ip(self.request),
            )
        except otp.OtpError as exc:
            form.add_error(None, ValidationError(SEND_ERRORS[exc.code](exc.params), code=exc.code))
            raise StepFailed(form) from exc
        self.storage.extra_data = {
            "challenge_id": str(challenge.pk),
            "password_hash": make_password(form.cleaned_data["password1"]),
            "language": form.cleaned_data["preferred_language"],
        }

    def _resend(self) -> HttpResponseRedirect:
        challenge = self._challenge()
        if challenge is None:
            return redirect(self.get_step_url(self.steps.current))
        try:
            otp.resend_code(
                challenge.pk,
                language=self.storage.extra_data.get("language") or get_language(),
                ip=client_ip(self.request),
            )
        except otp.OtpError as exc:
            messages.error(self.request, SEND_ERRORS[exc.code](exc.params))
        else:
            messages.success(self.request, _("A new code has been sent to your mobile."))
        return redirect(self.get_step_url("verify"))


@never_cache
def registration_complete(request: HttpRequest) -> HttpResponse:
    """The "account created — activate it at your bank" page, safe to refresh."""
    account_id = request.session.get(REGISTERED_SESSION_KEY)
    account = User.objects.filter(pk=account_id).first() if account_id else None
    if account is None:
        return redirect("accounts:register")
    context = {"account": account, "pending_ttl_days": settings.PENDING_TTL_DAYS}
    return render(request, "accounts/registration_complete.html", context)


@never_cache
def sign_in(request: HttpRequest) -> HttpResponse:
    """Where "already registered? sign in" leads until online sign-in opens."""
    return render(request, "accounts/sign_in_info.html")


@never_cache
def password_reset(request: HttpRequest) -> HttpResponse:
    """Where "forgot your password?" leads until online reset opens."""
    return render(request, "accounts/password_reset_info.html")
