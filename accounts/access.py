"""Who may open which signed-in page (design.md §7): pending people the status page only.

``signed_in_pending`` guards the status page and ``signed_in_active`` every other signed-in
page. Both add ``never_cache``, so neither the page nor the redirect is kept by a browser or
a proxy. A session whose account was suspended, superseded or expired after it signed in is
ended here, with a message that does not say why; so is a session that did not complete the
portal's sign-in (no second factor recorded, ``accounts.factors``): one opened by a door that
skips the code, or one from before factors were recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts import factors
from accounts.models import AccountStatus

View = Callable[..., HttpResponse]

#: Where each status belongs; any other status may not stay signed in.
HOME_OF_STATUS = {
    AccountStatus.PENDING: "accounts:status",
    AccountStatus.ACTIVE: "accounts:account",
}


#: Longer ``next`` values are dropped: no page of the portal has an address this long.
NEXT_MAX_LENGTH = 1000


def safe_next_url(request: HttpRequest, candidate: object) -> str:
    """``candidate`` if it is a page of this site to go on to after signing in, else "".

    Only a path on this host (and scheme, over HTTPS) passes, so no link can send a person
    from the portal's sign-in to another site; control characters never reach a header. It
    must start with "/": ``redirect()`` reads anything else (``abc``) as the name of a view.
    """
    if not isinstance(candidate, str) or not candidate or len(candidate) > NEXT_MAX_LENGTH:
        return ""
    if not candidate.startswith("/"):
        return ""
    if not candidate.isprintable():
        return ""
    allowed = url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return candidate if allowed else ""


def completed_sign_in(request: HttpRequest) -> bool:
    """Whether the session is signed in through the portal's sign-in, second factor and all."""
    return request.user.is_authenticated and factors.passed_second_factor(request.session)


def _end_stale_session(request: HttpRequest, *, next_url: str = "") -> HttpResponse:
    """Sign out a session whose account may no longer be used; say nothing about why."""
    logout(request)
    messages.info(request, _("Your session has ended. Sign in again to continue."))
    if next_url:
        return redirect_to_login(next_url)
    return redirect(resolve_url(settings.LOGIN_URL))


def _use_preferred_language(request: HttpRequest) -> None:
    """Speak the person's preferred language unless they picked one with the switch."""
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return
    language = request.user.preferred_language
    if language in dict(settings.LANGUAGES):
        translation.activate(language)
        request.LANGUAGE_CODE = language


def _signed_in(status: str) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @never_cache
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                # The backend returns no user for an account that may not sign in, but its
                # session still names it: end that session rather than leave it lying around.
                if SESSION_KEY in request.session:
                    return _end_stale_session(request)
                return redirect_to_login(request.get_full_path())
            if not factors.passed_second_factor(request.session):
                return _end_stale_session(request, next_url=request.get_full_path())
            home = HOME_OF_STATUS.get(user.status)
            if home is None:
                return _end_stale_session(request)
            if user.status != status:
                return redirect(home)
            _use_preferred_language(request)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


#: The status page: pending accounts only; active ones are sent to their account page.
signed_in_pending = _signed_in(AccountStatus.PENDING)

#: Every other signed-in page: active accounts only; pending ones are sent to the status page.
signed_in_active = _signed_in(AccountStatus.ACTIVE)
