"""The second steps the confirm page can offer, and what each must provide.

A step is a class listed by dotted path in :data:`SECOND_STEPS`, in order of preference: the
first one available to the person starts after the password, and the others are offered on
its page ("Use your authenticator app instead"). Adding a way (the app's code, a passkey) is a
class and one line here; the views do not change.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.http import HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.module_loading import import_string

from accounts.models import User

#: Dotted paths of the step classes, most preferred first.
SECOND_STEPS: tuple[str, ...] = (
    "authenticator.confirm_step.AppCodeStep",
    "security.confirm.sms.SmsCodeStep",
)


class StepUnavailable(Exception):
    """The step cannot start now; ``message`` (translated) says why."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class SecondStep:
    """One way to prove the second factor on the confirm page.

    ``data`` is what :meth:`begin` returned, kept in the session between requests: ids and
    times only, never a code or a secret.
    """

    #: In the step's address: ``/account/security/confirm/<slug>/``.
    slug: ClassVar[str]
    #: The factor recorded when the step is passed (``accounts.factors.Factor``).
    factor: ClassVar[str]
    #: The button offering this step on another step's page ("Send a code by SMS instead").
    offer_label: ClassVar[Promise]
    template: ClassVar[str]
    form_class: ClassVar[type[forms.Form]]

    def available(self, user: User) -> bool:
        """Whether ``user`` can use this step at all."""
        raise NotImplementedError

    def begin(self, request: HttpRequest, user: User) -> dict[str, Any]:
        """Start the step (send a code...); the data to keep. ``StepUnavailable`` if it cannot."""
        raise NotImplementedError

    def check(self, request: HttpRequest, user: User, form: forms.Form, data: dict) -> bool:
        """Whether the valid ``form`` passes the step; if not, the reason is added to it."""
        raise NotImplementedError

    def context(self, request: HttpRequest, user: User, form: forms.Form, data: dict) -> dict:
        """What the step's template shows beside the form."""
        return {"form": form}

    def other_action(self, request: HttpRequest, user: User, data: dict) -> HttpResponse | None:
        """Answer a post that is not the form (a "Resend code" button), or None."""
        return None


def available_steps(user: User) -> list[SecondStep]:
    """The steps ``user`` can take, most preferred first."""
    steps = (import_string(path)() for path in SECOND_STEPS)
    return [step for step in steps if step.available(user)]


def step_named(slug: str, user: User) -> SecondStep | None:
    """The available step called ``slug``, or None."""
    return next((step for step in available_steps(user) if step.slug == slug), None)
