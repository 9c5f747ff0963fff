"""What the wizard's steps do besides validating: their actions, what is stored, going back.

``WizardSteps`` is mixed into ``RegistrationWizard`` (formtools' named-URL session wizard) and
uses only formtools' public hooks (``get_form``, ``get_form_kwargs``, ``storage``,
``render_goto_step``). The step actions call services: the account step sends the code
(``services.send_registration_code``), the verify step checks it (``otp.verify_code``).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from absher_portal.masking import mask_mobile_local
from accounts import otp
from accounts.error_messages import CODE_RESENT, REGISTRATION_CONFLICTS, code_error
from accounts.forms import code_page_context
from accounts.models import OtpChallenge
from accounts.registration.forms import SECRET_FIELDS, IdentityForm
from accounts.registration.services import RegistrationConflict, send_registration_code

#: The identity step's error for an ID an activated (or suspended) account holds.
ID_REGISTERED = "id_registered"

#: Each step's heading, also the first part of the page's title ("Your account – Step 2 of 3").
STEP_HEADINGS = {
    "identity": gettext_lazy("Your identity"),
    "account": gettext_lazy("Your account"),
    "verify": gettext_lazy("Verify your mobile"),
}


class WizardSteps:
    #: Showing a stored step again (back, refresh, language switch) rather than posting it.
    displaying = False
    #: Validating the stored steps again before the account is created.
    revalidating = False
    #: The stored identity step, validated once per request: (what was stored, the form).
    _identity_checked: tuple[Any, IdentityForm] | None = None
    #: The stored challenge, read once per request: (its id, the row or None).
    _challenge: tuple[uuid.UUID, OtpChallenge | None] | None = None

    # --- forms ------------------------------------------------------------------------
    def get_form_kwargs(self, step: str | None = None) -> dict[str, Any]:
        if step == "account":
            identity = self.get_cleaned_data_for_step("identity") or {}
            return {
                "national_id": identity.get("national_id", ""),
                "revalidating": self.revalidating,
                "has_password_hash": bool(self.storage.extra_data.get("password_hash")),
            }
        if step == "verify":
            return {"challenge": self.challenge(), "revalidating": self.revalidating}
        return {}

    def get_form_initial(self, step: str) -> dict[str, Any]:
        return {"preferred_language": get_language()} if step == "account" else {}

    def get_form(self, step=None, data=None, files=None):  # type: ignore[no-untyped-def]
        if step == "identity" and data is not None:
            return self._checked_identity(data)
        if self.displaying and step is None and data is not None:
            # Fill a stored step in without validating, so single-use fields do not show
            # "required" errors.
            prefix = f"{self.steps.current}-"
            form = super().get_form(step=step, data=None, files=None)
            form.initial.update({k.removeprefix(prefix): v for k, v in data.items()})
            return form
        return super().get_form(step=step, data=data, files=files)

    def _checked_identity(self, data: Any) -> IdentityForm:
        """The identity step bound to ``data`` and validated, once per request for that data.

        formtools validates the stored identity step whenever another step needs it (the
        account form's kwargs, the code's destination, the re-validation before the account is
        created): up to four ID look-ups in one request for an answer that cannot change
        meanwhile. ``register_account`` still checks the ID under its row locks.
        """
        key = sorted((name, tuple(values)) for name, values in data.lists())
        if self._identity_checked is None or self._identity_checked[0] != key:
            form = super().get_form(step="identity", data=data)
            form.is_valid()
            self._identity_checked = (key, form)
        return self._identity_checked[1]

    def process_step(self, form: Form) -> dict[str, list[str]]:
        """What formtools stores of a valid step: never a password, the captcha or the code."""
        return self.storable_fields(form)

    @staticmethod
    def storable_fields(form: Form) -> dict[str, list[str]]:
        """The form's own posted fields, minus those that must never be stored."""
        return {
            form.add_prefix(name): form.data.getlist(form.add_prefix(name))
            for name in form.fields
            if name not in SECRET_FIELDS
        }

    # --- step actions -----------------------------------------------------------------
    def run_step_action(self, form: Form) -> bool:
        """Do what a valid step asks; False (with the error on ``form``) if it failed."""
        step = self.steps.current
        if step == "identity":
            self._forget_secrets_if_identity_changed(form)
        elif step == "account":
            identity = self.get_cleaned_data_for_step("identity") or {}
            try:
                self.storage.extra_data = send_registration_code(
                    national_id=identity["national_id"],
                    mobile=identity["mobile"],
                    password=form.cleaned_data["password1"],
                    language=form.cleaned_data["preferred_language"],
                    ip=self.ip,
                )
            except otp.OtpError as exc:
                form.add_error(None, ValidationError(code_error(exc), code=exc.code))
                return False
        elif step == "verify":
            challenge = self.challenge()
            try:
                if challenge is None:
                    raise otp.OtpError("no_challenge")
                verified = otp.verify_code(challenge.pk, form.cleaned_data["code"])
            except otp.OtpError as exc:
                self._challenge = None  # its counters moved: read it again if asked
                form.add_code_error(exc)
                return False
            self._challenge = (verified.pk, verified)
        return True

    def _forget_secrets_if_identity_changed(self, form: Form) -> None:
        before = self.get_cleaned_data_for_step("identity") or {}
        now = form.cleaned_data
        if (before.get("national_id"), before.get("mobile")) != (now["national_id"], now["mobile"]):
            self.storage.extra_data = {}

    def resend(self) -> HttpResponseRedirect:
        if (challenge := self.challenge()) is not None:
            language = self.storage.extra_data.get("language") or get_language()
            try:
                otp.resend_code(challenge.pk, language=language, ip=self.ip)
            except otp.OtpError as exc:
                messages.error(self.request, code_error(exc))
            else:
                messages.success(self.request, str(CODE_RESENT))
        return redirect(self.get_step_url("verify"))

    def go_back(self, step: str, goto: str) -> HttpResponseRedirect:
        """ "Back" keeps what was typed on this step (never secrets), valid or not."""
        if step == "account":
            form = self.get_form(step, data=self.request.POST)
            self.storage.set_step_data(step, self.storable_fields(form))
            self.storage.extra_data = {}
        return self.render_goto_step(goto)

    # --- where the person goes --------------------------------------------------------
    def first_missing_step_before(self, step: str | None) -> str | None:
        """Steps are done in order: the first earlier step with nothing stored, if any."""
        if step not in self.steps.all:
            return None
        for earlier in self.steps.all[: self.steps.all.index(step)]:
            if self.storage.get_step_data(earlier) is None:
                return earlier
        return None

    def identity_no_longer_valid(self) -> HttpResponseRedirect | None:
        """The identity step may have become invalid since (say, the ID was activated)."""
        form = self.get_form("identity", data=self.storage.get_step_data("identity"))
        if form.is_valid():
            return None
        self.report_errors(form)
        return self.back_to("identity")

    def back_to(self, step: str) -> HttpResponseRedirect:
        """Send the person to ``step``; the code and password hash no longer apply."""
        self.storage.extra_data = {}
        self.storage.current_step = step
        return redirect(self.get_step_url(step))

    def report_errors(self, form: Form) -> None:
        """Carry a stored step's errors to the page the person is sent back to.

        Not "already registered": the identity step says that itself, once (:meth:`render`).
        """
        for field, errors in form.errors.as_data().items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                if error.code == ID_REGISTERED:
                    continue
                text = " ".join(error.messages)
                if label:
                    text = _("%(field)s: %(error)s") % {"field": label, "error": text}
                messages.error(self.request, text)

    def report_conflict(self, conflict: RegistrationConflict) -> None:
        if conflict.code != ID_REGISTERED:
            messages.error(self.request, conflict.message)

    # --- "you already have an account" -------------------------------------------------
    def render(self, form: Form | None = None, **kwargs: Any) -> HttpResponse:
        """Show a step; the identity step of a registered ID as "you cannot continue" (§6).

        GOV.UK's pattern for a person who cannot go on: one heading and one sentence with
        what they can do (sign in, reset the password), not an error summary, an inline error
        and a notice saying the same thing. The form stays below, filled in but not marked,
        for someone who mistyped their ID number. Posted (the ID typed now) or stored (the ID
        was activated while this person registered, and they were sent back here), the same.
        """
        if self.steps.current == "identity" and form is not None:
            data = form.data if form.is_bound else self.storage.get_step_data("identity")
            # A posted form was validated already: ask it rather than validate (and look up)
            # the ID again.
            checked = form if form.is_bound else (data and self._checked_identity(data))
            if checked and checked.has_error("national_id", ID_REGISTERED):
                self.displaying = True
                form = self.get_form(data=data)  # filled in, not validated: no error shown
                kwargs["already_registered"] = True
                kwargs["id_registered_message"] = REGISTRATION_CONFLICTS[ID_REGISTERED]
        return super().render(form, **kwargs)

    # --- the code ---------------------------------------------------------------------
    def challenge(self) -> OtpChallenge | None:
        """The stored challenge, read once per request for the same id (the verify form's
        kwargs, the step's action and the page each ask); :meth:`run_step_action` replaces it
        with what the code check returned, so nothing reads a stale copy."""
        try:
            challenge_id = uuid.UUID(str(self.storage.extra_data.get("challenge_id")))
        except ValueError:
            return None
        cached = self._challenge
        if cached is None or cached[0] != challenge_id:
            cached = self._challenge = (
                challenge_id,
                OtpChallenge.objects.filter(pk=challenge_id).first(),
            )
        return cached[1]

    def verify_context(self, form: Form) -> dict[str, Any]:
        challenge = self.challenge()
        identity = self.get_cleaned_data_for_step("identity") or {}
        cooldown = otp.cooldown_remaining(challenge) if challenge else 0
        locked_for = otp.locked_for(challenge) if challenge else 0
        context = code_page_context(form, cooldown=cooldown, locked_for=locked_for)
        # The number as the person typed it (05…), masked as everywhere on the pages.
        mobile = mask_mobile_local(identity["mobile"]) if identity.get("mobile") else ""
        return {**context, "challenge": challenge, "mobile": mobile}
