"""The registration wizard: identity → account → verify, one URL per step (design.md §6).

The view only orchestrates: forms validate, ``services`` sends the code and creates the
account, ``otp`` checks the code. The wizard storage keeps only each step's non-secret fields;
the password hash, the challenge id and the SMS language live in its ``extra_data``. Before the
account is created every stored step is validated again; in that pass the stored hash and the
verified challenge stand in for the single-use fields (captcha, password pair, code).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from formtools.wizard.views import NamedUrlSessionWizardView

from absher_portal import metrics
from absher_portal.client_ip import client_ip
from accounts import limits
from accounts.error_messages import NETWORK_RATE_LIMITED
from accounts.expiry import registration_expires_at
from accounts.models import User
from accounts.registration.forms import AccountForm, IdentityForm, VerifyForm
from accounts.registration.services import RegistrationConflict, register_account
from accounts.registration.steps import STEP_HEADINGS, WizardSteps
from accounts.registration.storage import ChangedOnlySessionStorage

REGISTERED_SESSION_KEY = "registered_account_id"


@method_decorator(never_cache, name="dispatch")
@method_decorator(
    sensitive_post_parameters("account-password1", "account-password2", "verify-code"),
    name="dispatch",
)
class RegistrationWizard(WizardSteps, NamedUrlSessionWizardView):
    form_list = [("identity", IdentityForm), ("account", AccountForm), ("verify", VerifyForm)]
    #: Writes the session only when a step changed what the wizard holds (storage.py).
    storage_name = "accounts.registration.storage.ChangedOnlySessionStorage"

    def get_template_names(self) -> list[str]:
        return [f"accounts/register/{self.steps.current}.html"]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().dispatch(request, *args, **kwargs)
        except Exception:
            # An outage mid-step becomes a 503 that still saves the session: keep what the
            # step did (a code was sent: its challenge) as formtools' own storage would.
            if isinstance(storage := getattr(self, "storage", None), ChangedOnlySessionStorage):
                storage.write_back()
            raise

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if kwargs.get("step") == self.done_step_name:
            # The account is created by the verify step's POST, never by a GET.
            return redirect(self.get_step_url(self.steps.current))
        if missing := self.first_missing_step_before(kwargs.get("step")):
            return redirect(self.get_step_url(missing))
        self.displaying = True
        return super().get(request, *args, **kwargs)

    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        """One step's post: validate it, run its action, store it and move on (or finish).

        The URL names the step; no management form is needed.
        """
        step, post = kwargs.get("step"), self.request.POST
        if step not in self.steps.all:
            # /register/ and /register/done/ take no posts: go to where the person is.
            return redirect(self.get_step_url(self.steps.current))
        if "restart" in post:
            self.storage.reset()
            return redirect(self.get_step_url(self.steps.first))
        if missing := self.first_missing_step_before(step):
            # Typically an expired session: say so rather than show an unexplained form.
            messages.warning(
                self.request, _("Your registration session has expired. Please start again.")
            )
            return redirect(self.get_step_url(missing))
        self.storage.current_step = step
        if "resend" in post:
            return self.resend()
        if (goto := post.get("wizard_goto_step")) in self.steps.all:
            return self.go_back(step, goto)
        if step == "identity" and limits.IDENTITY_CHECKS_PER_ADDRESS.hit(self.ip).exceeded:
            messages.error(self.request, str(NETWORK_RATE_LIMITED))
            return redirect(self.get_step_url(step))
        if step == "account" and (stale := self.identity_no_longer_valid()):
            return stale
        form = self.get_form(data=post, files=self.request.FILES)
        if not (form.is_valid() and self.run_step_action(form)):
            return self.render(form)
        self.storage.set_step_data(step, self.process_step(form))
        metrics.registration_step_passed(step, getattr(self.request, "LANGUAGE_CODE", None))
        if step == self.steps.last:
            return self.finish()
        return self.render_next_step(form)

    def finish(self) -> HttpResponse:
        """Validate every stored step again, then create the account within this POST."""
        self.revalidating = True
        try:
            valid: dict[str, Form] = {}
            for step in self.get_form_list():
                form = self.get_form(step=step, data=self.storage.get_step_data(step))
                if not form.is_valid():
                    self.report_errors(form)
                    return self.back_to(step)
                valid[step] = form
            identity, account = valid["identity"].cleaned_data, valid["account"].cleaned_data
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
        except RegistrationConflict as conflict:
            self.report_conflict(conflict)
            return self.back_to(conflict.step)
        finally:
            self.revalidating = False
        metrics.registration_completed(getattr(self.request, "LANGUAGE_CODE", None))
        self.storage.reset()
        self.storage.write_back()  # the new session must not carry the finished wizard
        self.request.session.cycle_key()
        self.request.session[REGISTERED_SESSION_KEY] = user.pk
        return redirect("accounts:registration_complete")

    def render_done(self, form: Form, **kwargs: Any) -> HttpResponse:
        """Any formtools path to the end goes through :meth:`finish` (never a GET's ``done``)."""
        return self.finish()

    def get_context_data(self, form: Form, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(form=form, **kwargs)
        context["step_titles"] = [
            ("identity", _("Identity")),
            ("account", _("Account")),
            ("verify", _("Verification")),
        ]
        context["step_heading"] = STEP_HEADINGS[self.steps.current]
        if self.steps.current == "verify":
            context.update(self.verify_context(form))
        return context

    @property
    def ip(self) -> str:
        return client_ip(self.request)


@never_cache
def registration_complete(request: HttpRequest) -> HttpResponse:
    """The "account created — activate it at your bank" page, safe to refresh.

    It says by when (the date the account expires, as the status page does), where (the
    banks' channels) and how to follow it up (sign in to see the status).
    """
    account_id = request.session.get(REGISTERED_SESSION_KEY)
    account = User.objects.filter(pk=account_id).first() if account_id else None
    if account is None:
        return redirect("accounts:register")
    context = {"account": account, "expires_at": registration_expires_at(account)}
    return render(request, "accounts/registration_complete.html", context)
