"""The ways to pass sign-in's second step beside the SMS code, offered by the apps that keep them.

After the password, sign-in asks for the SMS code unless the account has a way it prefers (an
authenticator app); the pages of the second step then offer the others ("Use a recovery code",
"Send a code by SMS instead"). Sign-in knows none of them: each provider is a function of the
account returning the steps it offers, named here by dotted path as the security page names
its sections (``security.sections``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.module_loading import import_string

from accounts.models import User

#: Functions ``(user) -> list[SecondStep]``, in the order their steps are offered.
PROVIDERS: tuple[str, ...] = ("authenticator.steps.second_steps",)


@dataclass(frozen=True)
class SecondStep:
    """A page that completes a sign-in after the password, and how other pages offer it."""

    #: Its path (a page of this site that reads the pending sign-in).
    url: str
    #: The link text other second-step pages offer it with ("Use a recovery code").
    label: str
    #: Asked first, instead of sending an SMS.
    preferred: bool = False


def second_steps(user: User) -> list[SecondStep]:
    """Every way beside the SMS code this account can pass the second step, in order."""
    return [step for path in PROVIDERS for step in import_string(path)(user)]


def preferred_step(user: User) -> SecondStep | None:
    """The step to ask for instead of sending an SMS code, if the account has one."""
    return next((step for step in second_steps(user) if step.preferred), None)
