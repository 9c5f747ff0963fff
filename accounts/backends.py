"""The one way to authenticate: ``django.contrib.auth.authenticate()`` through this backend.

People sign in with ``identifier=`` (their username in any letter case, or their ID number in
any digits), and only the portal's sign-in form passes it, behind its throttles, lockout and
captcha (``accounts.signin.services``). Django's own callers pass ``username=``: the admin's
login form did, until staff too signed in at ``/login/`` (decision 101). Nothing of the
portal calls that form any more, so this backend finds no account for it: a door that checks a
password without the lockout and the SMS code is closed, whichever component would open it
(Django's ``LoginView``, the test client's ``login()``, a third-party app). The commands
(``changepassword``, ``createsuperuser``) never authenticate.

When no account matches, a password hash is still spent, so timing does not tell whether one
exists, and ``user_login_failed`` fires. Its ``credentials`` then hold what was typed (often an
ID number; Django masks only password-like keys): a receiver must not log them as they are.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from accounts.models import User
from accounts.selectors import find_account_by_identifier_once


class UsernameBackend(ModelBackend):
    """Django's model backend, finding accounts among those that hold their username or ID."""

    @sensitive_variables("password")
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        identifier: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        """The account this identifier and password open, or None; the same work either way.

        ``username=`` alone opens nothing (see the module's docstring). When no account holds
        the identifier, a password is still hashed once, so the time taken does not tell
        whether the account exists. An account that may not sign in (suspended) is checked
        like any other and then refused.
        """
        if password is None or identifier is None:
            return None
        user = find_account_by_identifier_once(request, identifier)
        if user is None:
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
