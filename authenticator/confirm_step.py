"""The authenticator app as the confirm page's second step (``security.confirm.steps``).

Someone with an app confirms it's them as they sign in: with the code the app shows, no SMS
sent. A wrong code counts toward the sign-in's lockout like a wrong password here does
(``security.confirm.flow.throttle_key``), no code is checked while that lockout lasts, and a
time step already used never passes twice.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.error_messages import lockout_message
from accounts.factors import Factor
from accounts.models import User
from accounts.signin import services
from authenticator import totp
from authenticator.forms import AppCodeForm
from security.confirm import flow
from security.confirm.steps import SecondStep


class AppCodeStep(SecondStep):
    """The 6-digit code the person's authenticator app shows now."""

    slug = "app"
    factor = Factor.TOTP
    offer_label = _("Use your authenticator app instead")
    template = "authenticator/confirm_app.html"
    form_class = AppCodeForm

    def available(self, user: User) -> bool:
        return totp.has_app(user)

    def begin(self, request: HttpRequest, user: User) -> dict[str, Any]:
        return {}  # nothing to send: the app shows the code

    def check(self, request: HttpRequest, user: User, form: Any, data: dict) -> bool:
        key = flow.throttle_key(request, user)
        if seconds := services.lockout_remaining(key):
            # Locked by wrong passwords or codes: no code is checked, right or wrong, as at
            # sign-in (``SecondStepView.locked_out``); else the six digits could be guessed
            # without end for the five minutes after each password.
            form.add_error("code", lockout_message(seconds))
            return False
        check = totp.app_code_check(user=user, code=form.cleaned_data["code"])
        if check is totp.Check.ACCEPTED:
            return True
        refusal = services.record_failure(key, factor=Factor.TOTP)
        if refusal is not None:
            form.add_error("code", refusal.message)
        else:
            form.add_check_error(check)
        return False
