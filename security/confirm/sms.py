"""The code by SMS as the confirm page's second step: the sign-in's code, its limits and caps.

The code is a sign-in code (``OtpPurpose.LOGIN``), sent and checked by ``accounts.otp`` as at
sign-in: the same sends per hour per mobile and ID, the same tries per code, the same cap on
wrong codes per account and hour over every session.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from absher_portal.client_ip import client_ip
from absher_portal.masking import mask_mobile_local
from accounts import otp
from accounts.error_messages import CODE_RESENT, SIGNIN_CODE_ERRORS, code_error
from accounts.factors import Factor
from accounts.forms import CodeForm, code_page_context
from accounts.models import OtpChallenge, OtpPurpose, User
from accounts.signin import services
from security.confirm.steps import SecondStep, StepUnavailable

#: The sign-in's words, but a lock here does not end a sign-in.
CONFIRM_CODE_ERRORS = {
    **SIGNIN_CODE_ERRORS,
    "locked": _(
        "Too many wrong codes were entered for this account. "
        "Try again in %(time)s (minutes:seconds)."
    ),
    "no_challenge": _("Your confirmation has expired. Enter your password again."),
}


class ConfirmCodeForm(CodeForm):
    """The code from the SMS, in the confirm page's words."""

    code_errors = CONFIRM_CODE_ERRORS


class SmsCodeStep(SecondStep):
    """A sign-in code sent by SMS to the account's mobile."""

    slug = "sms"
    factor = Factor.SMS
    offer_label = _("Send a code by SMS instead")
    template = "security/confirm/sms.html"
    form_class = ConfirmCodeForm

    def available(self, user: User) -> bool:
        return bool(user.mobile)

    def begin(self, request: HttpRequest, user: User) -> dict[str, Any]:
        try:
            challenge = services.send_sign_in_code(user, ip=client_ip(request))
        except otp.OtpError as exc:
            raise StepUnavailable(code_error(exc, CONFIRM_CODE_ERRORS), code=exc.code) from exc
        return {"challenge": str(challenge.pk)}

    def challenge(self, user: User, data: dict) -> OtpChallenge | None:
        """The step's challenge: a sign-in challenge of this account, or None."""
        try:
            challenge_id = uuid.UUID(str(data.get("challenge")))
        except ValueError:
            return None
        return OtpChallenge.objects.filter(
            pk=challenge_id, purpose=OtpPurpose.LOGIN, user_id=user.pk
        ).first()

    def check(self, request: HttpRequest, user: User, form: Any, data: dict) -> bool:
        challenge = self.challenge(user, data)
        if challenge is None:
            form.add_code_error(otp.OtpError("no_challenge"))
            return False
        try:
            otp.verify_code(challenge.pk, form.cleaned_data["code"])
        except otp.OtpError as exc:
            form.add_code_error(exc)
            return False
        if not otp.consume_challenge(
            challenge.pk,
            purpose=OtpPurpose.LOGIN,
            mobile=user.mobile,
            national_id=user.national_id,
        ):
            form.add_code_error(otp.OtpError("expired"))
            return False
        return True

    def context(self, request: HttpRequest, user: User, form: Any, data: dict) -> dict:
        challenge = self.challenge(user, data)
        cooldown = otp.cooldown_remaining(challenge) if challenge else 0
        locked_for = otp.locked_for(challenge) if challenge else 0
        context = code_page_context(form, cooldown=cooldown, locked_for=locked_for)
        context["mobile"] = mask_mobile_local(user.mobile)
        return context

    def other_action(self, request: HttpRequest, user: User, data: dict) -> HttpResponse | None:
        if "resend" not in request.POST:
            return None
        challenge = self.challenge(user, data)
        try:
            if challenge is None:
                raise otp.OtpError("no_challenge")
            otp.resend_code(challenge.pk, language=user.preferred_language, ip=client_ip(request))
        except otp.OtpError as exc:
            messages.error(request, code_error(exc, CONFIRM_CODE_ERRORS))
        else:
            messages.success(request, str(CODE_RESENT))
        return redirect("security:confirm_step", step=self.slug)
