"""The 12-hour absolute limit of a signed-in session (design.md §12).

The idle limit (30 minutes) is Django's own: ``SESSION_COOKIE_AGE`` with
``SESSION_SAVE_EVERY_REQUEST``, so every request pushes the expiry forward. Activity never
pushes the absolute limit: the time of sign-in is stamped in the session once, and the
session is ended ``SESSION_ABSOLUTE_SECONDS`` later, whatever the person does meanwhile.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

#: Session key holding the sign-in time, in whole seconds since the epoch.
SIGNED_IN_AT_KEY = "_portal_signed_in_at"
#: Session key holding the time of the last request, for the idle limit.
SEEN_AT_KEY = "_portal_seen_at"


def _now() -> int:
    return int(time.time())


@receiver(user_logged_in, dispatch_uid="accounts.sessions.stamp_sign_in")
def stamp_sign_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """A new sign-in starts a new absolute period (also when signing in again as the same user)."""
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT_KEY] = _now()


def session_age_exceeded(session: Any) -> bool:
    """Whether a signed-in session is past its absolute limit; stamps an unstamped one.

    A stamp that is not a number or lies in the future (tampered, or written by a clock set
    wrong) counts as exceeded: ending a session is always the safe side.
    """
    signed_in_at = session.get(SIGNED_IN_AT_KEY)
    now = _now()
    if signed_in_at is None:
        session[SIGNED_IN_AT_KEY] = now
        return False
    if isinstance(signed_in_at, bool) or not isinstance(signed_in_at, int | float):
        return True
    age = now - signed_in_at
    return age < 0 or age >= settings.SESSION_ABSOLUTE_SECONDS


def session_idle_exceeded(session: Any) -> bool:
    """Whether a signed-in session saw no request for ``SESSION_COOKIE_AGE``; stamps this one.

    The cookie's age and the store's expiry already end idle sessions; this check does not
    depend on either, so a store that serves a session past its expiry (``cached_db`` reads
    Redis first and trusts its TTL) or a cookie kept by a tampered browser cannot extend it.
    """
    seen_at = session.get(SEEN_AT_KEY)
    now = _now()
    session[SEEN_AT_KEY] = now
    if seen_at is None:
        return False
    if isinstance(seen_at, bool) or not isinstance(seen_at, int | float):
        return True
    return now - seen_at >= settings.SESSION_COOKIE_AGE


class AbsoluteSessionTimeoutMiddleware:
    """End a signed-in session idle for ``SESSION_COOKIE_AGE`` or ``SESSION_ABSOLUTE_SECONDS``
    after it signed in.

    Runs after ``AuthenticationMiddleware``. It looks at the session only (no database query):
    a session naming a user is a signed-in one. The check runs before the view, so the view
    already sees an anonymous visitor; the message is added once the message storage exists.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        self._end_timed_out_session(request)
        return self.get_response(request)

    def _end_timed_out_session(self, request: HttpRequest) -> None:
        session = request.session
        if SESSION_KEY in session:
            # Both checks run, so both stamps stay current.
            idle, too_old = session_idle_exceeded(session), session_age_exceeded(session)
            if idle or too_old:
                logout(request)
                request._portal_session_timed_out = (  # type: ignore[attr-defined]
                    _("For your security, you were signed out after a long session. Sign in again.")
                    if too_old
                    else _(
                        "For your security, you were signed out after a period without "
                        "activity. Sign in again."
                    )
                )

    def process_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        if notice := getattr(request, "_portal_session_timed_out", None):
            messages.info(request, notice, fail_silently=True)
        return None
