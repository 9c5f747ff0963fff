"""The state of a confirmation between its pages, and its throttles (``security.confirm``).

The session holds only the account's id, when the password was accepted, the step started,
that step's own data (ids only) and the page to go back to: never the password or a code. A
confirmation is good for :data:`security.recent.RECENT_SECONDS` from the password: a slower
one would leave the session no more recent than before, so it starts again instead.

Wrong passwords count exactly as on the sign-in page, against the same key: this browser's
device key for the account if it has one, else the account's (``accounts.signin.services``),
so the lockout that follows locks the sign-in too, and a locked sign-in locks this page.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from absher_portal.client_ip import client_ip
from accounts import factors
from accounts.access import safe_next_url
from accounts.models import User
from accounts.signin import devices, services
from accounts.signin.services import Refusal
from security.recent import RECENT_SECONDS

#: The one session key of a confirmation in progress.
CONFIRM_KEY = "security_confirm"


@dataclass(frozen=True)
class PendingConfirmation:
    """A confirmation whose password was accepted: the step under way and where to go after."""

    password_at: int
    step: str
    data: dict[str, Any]
    next_url: str


def throttle_key(request: HttpRequest, user: User) -> str:
    """What a wrong password here counts against: the sign-in's key for this browser."""
    return devices.device_key(request, user) or services.account_key(user)


def refusal_before_password(request: HttpRequest, user: User) -> Refusal | None:
    """Count the post against the address; refuse it while the address or account is barred."""
    return services.refusal_before_password(throttle_key(request, user), client_ip(request))


def count_wrong_password(request: HttpRequest, user: User) -> Refusal | None:
    """Count a wrong password toward the sign-in's lockout; the lockout it started, if any."""
    return services.record_failure(throttle_key(request, user))


def next_url(request: HttpRequest, candidate: object) -> str:
    """Where to go once confirmed: ``candidate`` if it is a path of this site (as
    ``safe_next_url`` decides), else the security page."""
    return safe_next_url(request, candidate) or reverse("security:page")


def start(
    request: HttpRequest, *, step: str, data: dict[str, Any], next_url: str, password_at: int
) -> None:
    """Keep the confirmation whose password was just accepted, with its first step."""
    request.session[CONFIRM_KEY] = {
        "account": str(request.user.pk),
        "password_at": password_at,
        "step": step,
        "data": data,
        "next": next_url,
    }


def switch_step(request: HttpRequest, *, step: str, data: dict[str, Any]) -> None:
    """Go on with another step (the person chose another way)."""
    state = dict(request.session[CONFIRM_KEY])
    request.session[CONFIRM_KEY] = {**state, "step": step, "data": data}


def pending(request: HttpRequest) -> PendingConfirmation | None:
    """The confirmation under way for the signed-in person, if it is still recent enough."""
    state = request.session.get(CONFIRM_KEY)
    if not isinstance(state, dict) or state.get("account") != str(request.user.pk):
        return None
    password_at, data = state.get("password_at"), state.get("data")
    if not isinstance(password_at, int) or not isinstance(data, dict):
        return None
    if not 0 <= time.time() - password_at < RECENT_SECONDS:
        return None
    return PendingConfirmation(
        password_at=password_at,
        step=str(state.get("step", "")),
        data=data,
        next_url=next_url(request, state.get("next")),
    )


def abandon(request: HttpRequest) -> str | None:
    """Forget the confirmation under way; the page it was for, or None if there was none."""
    state = request.session.pop(CONFIRM_KEY, None)
    if not isinstance(state, dict):
        return None
    return next_url(request, state.get("next"))


def finish(request: HttpRequest, confirmation: PendingConfirmation, factor: str) -> str:
    """Record the password (when it was accepted) and the step's factor (now) as passed, and
    forget the confirmation; the page to go back to."""
    factors.record(request.session, factors.Factor.PASSWORD, at=confirmation.password_at)
    factors.record(request.session, factor)
    abandon(request)
    return confirmation.next_url
