"""The idle and absolute limits of a session (design.md §12).

Idle (``SESSION_IDLE_SECONDS``, 30 minutes): activity is recorded in the session at most once
a minute (``SESSION_ACTIVITY_SECONDS``), not on every request. Saving every request
(``SESSION_SAVE_EVERY_REQUEST``) cost a database write and a Redis write per page, read-only
pages included (issue 16, decision 273). A request that finds the last stamp a minute old, or
that changes the session anyway, stamps it and so pushes the store's expiry and the cookie's
forward; the store and the cookie live ``SESSION_IDLE_SECONDS + SESSION_ACTIVITY_SECONDS``
from that save. The portal's own check ends a signed-in session once its stamp is that old, so
a session ends between 30 and 31 minutes after its last request: never sooner than the limit.

Absolute (``SESSION_ABSOLUTE_SECONDS``, 12 hours): activity never pushes it. The time of
sign-in is stamped in the session once, and the session is ended that long after, whatever the
person does meanwhile.
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
#: Session key holding when activity was last recorded (at most a minute before the last request).
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


def idle_allowance() -> int:
    """Seconds a session's activity stamp may age before the session is idle: the limit plus
    the minute by which the stamp may lag behind the last request."""
    return settings.SESSION_IDLE_SECONDS + settings.SESSION_ACTIVITY_SECONDS


def session_idle_exceeded(session: Any) -> bool:
    """Whether a signed-in session's recorded activity is older than :func:`idle_allowance`.

    The cookie's age and the store's expiry already end idle sessions; this check does not
    depend on either, so a store that serves a session past its expiry (``cached_db`` reads
    Redis first and trusts its TTL) or a cookie kept by a tampered browser cannot extend it.
    """
    seen_at = session.get(SEEN_AT_KEY)
    if seen_at is None:
        return False
    if isinstance(seen_at, bool) or not isinstance(seen_at, int | float):
        return True
    return _now() - seen_at >= idle_allowance()


def record_activity(session: Any) -> None:
    """Stamp the session as active now when it is saved anyway or its stamp is a minute old.

    Stamping marks the session modified, so Django's ``SessionMiddleware`` saves it and sends
    the cookie again: both expiries move forward. A session with nothing in it (a visitor who
    stored nothing, or one just signed out) is left empty, so no row is created for it.
    """
    seen_at = session.get(SEEN_AT_KEY)  # loads the session: a stale cookie's key is dropped
    if session.is_empty():
        return
    now = _now()
    stale = (
        not isinstance(seen_at, int)
        or isinstance(seen_at, bool)
        or not 0 <= now - seen_at < settings.SESSION_ACTIVITY_SECONDS
    )
    if stale or session.modified:
        session[SEEN_AT_KEY] = now


class AbsoluteSessionTimeoutMiddleware:
    """End a signed-in session that is idle or ``SESSION_ABSOLUTE_SECONDS`` old; record the
    activity of every session after the view (:func:`record_activity`).

    Runs after ``AuthenticationMiddleware`` (and inside ``SessionMiddleware``, which saves what
    the stamp changed). It looks at the session only (no database query): a session naming a
    user is a signed-in one. The check runs before the view, so the view already sees an
    anonymous visitor; the message is added once the message storage exists.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        self._end_timed_out_session(request)
        response = self.get_response(request)
        record_activity(request.session)
        return response

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
