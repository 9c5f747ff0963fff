"""Sign-in's second step with the authenticator app or a recovery code (accounts.signin.steps)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.signin.steps import SecondStep
from authenticator import recovery_codes, totp


def second_steps(user: User) -> list[SecondStep]:
    """The app's code (asked first, instead of an SMS) if the account has an app, and a
    recovery code while it has unused ones."""
    offered = []
    if totp.has_app(user):
        offered.append(
            SecondStep(
                url=reverse("authenticator:login_app"),
                label=_("Use your authenticator app instead"),
                preferred=True,
            )
        )
    if recovery_codes.remaining(user):
        offered.append(
            SecondStep(url=reverse("authenticator:login_recovery"), label=_("Use a recovery code"))
        )
    return offered
