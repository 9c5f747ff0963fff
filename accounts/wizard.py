"""The registration wizard: identity → account → verify, one URL per step (DESIGN §6).

The view only orchestrates: forms validate, ``registration`` sends the code and creates the
account. The wizard storage keeps only each step's non-secret fields; the password hash, the
challenge id and the SMS language live in its ``extra_data``. Before ``done()`` formtools
re-validates every stored step; in that pass the stored hash and the verified challenge stand
in for the single-use fields (captcha, password pair, code).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_ratelimit.core import get_usage
from formtools.wizard.views import NamedUrlSessionWizardView, WizardView

from absher_portal.client_ip import client_ip
from accounts import otp
from accounts.forms import SECRET_FIELDS, AccountForm, IdentityForm, VerifyForm
from accounts.models import OtpChallenge
from accounts.registration import RegistrationConflict, register_account, send_registration_code

REGISTERED_SESSION_KEY = "registered_account_id"
ID_REGISTERED_TAG = "id-registered"


def minutes_seconds(seconds: int) -> str:
    """``75`` → ``1:15``: a countdown that needs no plural forms in any language."""
    return f"{seconds // 60}:{seconds % 60:02d}"


def otp_error_message(error: otp.OtpError) -> str:
    """What to tell the person when a code could not be sent."""
    if error.code == "cooldown":
        return _("Wait %(time)s (minutes:seconds) before requesting a new code.") % {
            "time": minutes_seconds(error.params["seconds"])
        }
    texts = {
        "rate_limited": _("Too many codes have been requested. Wait an hour and try again."),
        "send_failed": _("We could not send the SMS. Try again in a moment."),
        "sms_invalid_number": _(
            "This number cannot receive SMS messages. Check it, or use another mobile number."
        ),
        "locked": _("Too many wrong codes. Start the registration again."),
        "already_verified": _("This code has already been used."),
    }
    return texts[error.code]


def storable_fields(form: Form) -> dict[str, list[str]]:
    """The form's own posted fields, minus those that must never be stored."""
    return {
        form.add_prefix(name): form.data.getlist(form.add_prefix(name))
        for name in form.fields
        if name not in SECRET_FIELDS
    }


class StepFailed(Exception):
    """A valid step whose action (sending the code) failed: show the form again."""

    def __init__(self, form: Form) -> None:
        super().__init__("step failed")
        self.form = form


@method_decorator(never_cache, name="dispatch")
@method_decorator(
    sensitive_post_parameters("account-password1", "account-password2", "verify-code"),
    name="dispatch",
)
class RegistrationWizard(NamedUrlSessionWizardView):
    form_list = [("identity", IdentityForm), ("account", AccountForm), ("verify", VerifyForm)]
    _revalidating = False
    _displaying = False
    #: The stored identity step, validated once per request: (what was stored, the form).
    _identity_checked: tuple[Any, IdentityForm] | None = None

    def get_template_names(self) -> list[str]:
        return [f"accounts/register/{self.steps.current}.html"]

    # --- forms ------------------------------------------------------------------------
    def get_form_kwargs(self, step: str | None = None) -> dict[str, Any]:
        if step == "account":
            identity = self.get_cleaned_data_for_step("identity") or {}
            return {
                "national_id": identity.get("national_id", ""),
                "revalidating": self._revalidating,
                "has_password_hash": bool(self.storage.extra_data.get("password_hash")),
            }
        if step == "verify":
            return {"challenge": self._challenge(), "revalidating": self._revalidating}
        return {}

    def get_form_initial(self, step: str) -> dict[str, Any]:
        if step == "account":
            return {"preferred_language": get_language()}
        return {}

    def get_form(self, step=None, data=None, files=None):  # type: ignore[no-untyped-def]
        if step == "identity" and data is not None:
            return self._checked_identity(data)
        if self._displaying and step is None and data is not None:
            # Showing a stored step again (back, refresh, language switch): fill it in
            # without validating, so single-use fields do not show "required" errors.
            prefix = f"{self.steps.current}-"
            form = super().get_form(step=step, data=None, files=None)
            form.initial.update({k.removeprefix(prefix): v for k, v in data.items()})
            return form
        return super().get_form(step=step, data=data, files=files)

    def _checked_identity(self, data: Any) -> IdentityForm:
        """The identity step bound to ``data`` and validated, once per request for the same data.

        formtools validates the stored identity step whenever another step needs it (the
        account form's kwargs, the code's destination, the re-validation before ``done()``):
        up to four times in one request, each a look-up of the ID. The answer cannot change
        between them, so it is kept for the request; ``register_account`` still checks the ID
        under its row locks when the account is created.
        """
        key = sorted((name, tuple(values)) for name, values in data.lists())
        if self._identity_checked is None or self._identity_checked[0] != key:
            form = super().get_form(step="identity", data=data)
            form.is_valid()
            self._identity_checked = (key, form)
        return self._identity_checked[1]

    def process_step(self, form: Form) -> dict[str, list[str]]:
        """Run the step's action; keep only the step's non-secret fields."""
        if self.steps.current == "identity":
            self._forget_secrets_if_identity_changed(form)
        elif self.steps.current == "account":
            self._send_code(form)
        return storable_fields(form)

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
        step = kwargs.get("step")
        if step not in self.steps.all:
            # /register/ and /register/done/ take no posts: go to where the person is.
            return redirect(self.get_step_url(self.steps.current))
        if "restart" in self.request.POST:
            self.storage.reset()
            return redirect(self.get_step_url(self.steps.first))
        if missing := self._first_missing_step_before(step):
            # Typically an expired session: say so rather than show an unexplained form.
            messages.warning(
                self.request, _("Your registration session has expired. Please start again.")
            )
            return redirect(self.get_step_url(missing))
        self.storage.current_step = step
        if "resend" in self.request.POST:
            return self._resend()
        if (goto := self.request.POST.get("wizard_goto_step")) in self.steps.all:
            return self._go_back(step, goto)
        if step == "identity" and self._too_many_identity_checks():
            messages.error(
                self.request,
                _("Too many attempts from your network. Wait a while and try again."),
            )
            return redirect(self.get_step_url(step))
        if step == "account" and (stale := self._identity_no_longer_valid()):
            return stale
        # The URL names the step being posted; clients need not send formtools'
        # management form (a post without it would otherwise be a 400).
        data = self.request.POST.copy()
        data[f"{self.prefix}-current_step"] = step
        self.request.POST = data
        try:
            return super().post(*args, **kwargs)
        except StepFailed as failed:
            return self.render(failed.form)

    def render_done(self, form: Form, **kwargs: Any) -> HttpResponse:
        """Re-validate and finish within the verify POST (formtools would redirect to a GET)."""
        self._revalidating = True
        try:
            return WizardView.render_done(self, form, **kwargs)
        except RegistrationConflict as conflict:
            tag = ID_REGISTERED_TAG if conflict.code == "id_registered" else ""
            messages.error(self.request, conflict.message, extra_tags=tag)
            return self._back_to(conflict.step)
        finally:
            self._revalidating = False

    def render_revalidation_failure(
        self, failed_step: str, form: Form, **kwargs: Any
    ) -> HttpResponse:
        self._report_errors(form)
        return self._back_to(failed_step)

    def done(self, form_list: Any, form_dict: dict[str, Form], **kwargs: Any) -> HttpResponse:
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

    def get_context_data(self, form: Form, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(form=form, **kwargs)
        context["step_titles"] = [
            ("identity", _("Identity")),
            ("account", _("Account")),
            ("verify", _("Verification")),
        ]
        if self.steps.current == "verify":
            challenge = self._challenge()
            identity = self.get_cleaned_data_for_step("identity") or {}
            cooldown = otp.cooldown_remaining(challenge) if challenge else 0
            context.update(
                challenge=challenge,
                mobile=identity.get("mobile", ""),
                cooldown=cooldown,
                cooldown_display=minutes_seconds(cooldown),
                code_minutes=max(1, settings.OTP_TTL_SECONDS // 60),
                locked=bool(challenge and otp.is_locked(challenge)),
            )
        return context

    # --- helpers ----------------------------------------------------------------------
    def _first_missing_step_before(self, step: str | None) -> str | None:
        """Steps are done in order: the first earlier step with nothing stored, if any."""
        if step not in self.steps.all:
            return None
        for earlier in self.steps.all[: self.steps.all.index(step)]:
            if self.storage.get_step_data(earlier) is None:
                return earlier
        return None

    def _back_to(self, step: str) -> HttpResponseRedirect:
        """Send the person to ``step``; the code and password hash no longer apply."""
        self.storage.extra_data = {}
        self.storage.current_step = step
        return redirect(self.get_step_url(step))

    def _report_errors(self, form: Form) -> None:
        """Carry a stored step's errors to the page the person is sent back to."""
        for field, errors in form.errors.as_data().items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                text = " ".join(error.messages)
                if label:
                    text = _("%(field)s: %(error)s") % {"field": label, "error": text}
                tag = ID_REGISTERED_TAG if error.code == "id_registered" else ""
                messages.error(self.request, text, extra_tags=tag)

    def _identity_no_longer_valid(self) -> HttpResponseRedirect | None:
        """The identity step may have become invalid since (say, the ID was activated)."""
        form = self.get_form("identity", data=self.storage.get_step_data("identity"))
        if form.is_valid():
            return None
        self._report_errors(form)
        return self._back_to("identity")

    def _too_many_identity_checks(self) -> bool:
        """Each identity post looks accounts up: limit how often one address may do it."""
        usage = get_usage(
            self.request,
            group="register-identity",
            key=lambda _group, request: client_ip(request),
            rate=f"{settings.REGISTRATION_CHECKS_PER_IP}/h",
            increment=True,
        )
        return bool(usage and usage["should_limit"])

    def _go_back(self, step: str, goto: str) -> HttpResponseRedirect:
        """ "Back" keeps what was typed on this step (never secrets), valid or not."""
        if step == "account":
            form = self.get_form(step, data=self.request.POST)
            self.storage.set_step_data(step, storable_fields(form))
            self.storage.extra_data = {}
        return self.render_goto_step(goto)

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
        identity = self.get_cleaned_data_for_step("identity") or {}
        try:
            self.storage.extra_data = send_registration_code(
                national_id=identity["national_id"],
                mobile=identity["mobile"],
                password=form.cleaned_data["password1"],
                language=form.cleaned_data["preferred_language"],
                ip=client_ip(self.request),
            )
        except otp.OtpError as exc:
            form.add_error(None, ValidationError(otp_error_message(exc), code=exc.code))
            raise StepFailed(form) from exc

    def _resend(self) -> HttpResponseRedirect:
        challenge = self._challenge()
        if challenge is not None:
            try:
                otp.resend_code(
                    challenge.pk,
                    language=self.storage.extra_data.get("language") or get_language(),
                    ip=client_ip(self.request),
                )
            except otp.OtpError as exc:
                messages.error(self.request, otp_error_message(exc))
            else:
                messages.success(self.request, _("A new code has been sent to your mobile."))
        return redirect(self.get_step_url("verify"))
