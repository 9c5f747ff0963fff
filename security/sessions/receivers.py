"""What the security app does when a session signs in or out, or an account is closed.

Connected in ``SecurityConfig.ready()``. A receiver only hands over to a service
(``records``, ``new_browser``).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts.models import User
from security.sessions import new_browser, records

#: Request attribute naming the account a request signed in (read by the middleware).
SIGNED_IN_ACCOUNT = "portal_signed_in_account"


def session_signed_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """Record the session, sweep ended records, and tell the person about a new browser.

    Runs before Django's ``update_last_login`` (``SecurityConfig.ready``), so ``last_login``
    still says whether the account ever signed in before.
    """
    if request is None or not hasattr(request, "session"):
        return
    signed_in_before = user.last_login is not None
    unknown_browser = new_browser.is_new_browser(request, user)
    records.record_sign_in(request, user)
    records.prune_ended()
    if unknown_browser and signed_in_before:
        new_browser.tell_new_browser_sign_in(request, user)
    setattr(request, SIGNED_IN_ACCOUNT, user)


def session_signed_out(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    """Forget the record of the session being signed out."""
    if request is not None and hasattr(request, "session"):
        records.forget(request)


def account_closed(sender: Any, account_id: int, **kwargs: Any) -> None:
    """Staff suspended or closed the account: every session of it ends, however signed in."""
    records.end_all_sessions(account_id=account_id)
