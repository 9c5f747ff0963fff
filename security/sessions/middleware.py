"""Keeping the records of signed-in sessions current, request by request (design.md §19).

``SessionActivityMiddleware`` (after ``MessageMiddleware``):

- before the view, moves the session's last activity forward at most once a minute: no query
  on the other requests (``records.refresh``); a session whose record is gone was ended
  elsewhere and is signed out here too;
- after a view that signed someone in, by any door, reads the account again: if staff closed
  it meanwhile (a suspension committed between the code check and ``login()``), this session
  is signed out, because the suspension's sweep of the records may have run before this
  session's record was written; and gives the browser its device cookie if the door did not
  (``accounts.signin.devices``), so every way to sign in makes a browser known alike;
- after any view, points the record at the session's new key if the view cycled it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from accounts import factors
from accounts.models import User
from accounts.signin import devices
from security.sessions import records
from security.sessions.receivers import SIGNED_IN_ACCOUNT


class SessionActivityMiddleware:
    """Last activity, sign-ins racing a suspension, device cookies and cycled keys."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if hasattr(request, "session") and not records.refresh(request):
            logout(request)
            messages.info(request, _("Your session has ended. Sign in again to continue."))
        response = self.get_response(request)
        account = getattr(request, SIGNED_IN_ACCOUNT, None)
        if isinstance(account, User):
            self.after_sign_in(request, response, account)
        records.follow_key_change(request)
        return response

    def after_sign_in(self, request: HttpRequest, response: HttpResponse, account: User) -> None:
        """The account may have been closed while it signed in; else make the browser known."""
        current = User.objects.filter(pk=account.pk).only("status").first()
        if current is None or not current.is_active:
            logout(request)
            return
        if devices.COOKIE_NAME not in response.cookies and factors.passed_second_factor(
            request.session
        ):
            devices.remember(response, account)
