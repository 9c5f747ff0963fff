"""The one way to authenticate: a username (any letter case) or an ID number, and a password.

Sign-in, the admin's login and ``manage.py`` commands all come through
``django.contrib.auth.authenticate()``, so ``user_login_failed`` and ``user_logged_in`` fire
for every one of them.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from accounts.models import User
from accounts.selectors import find_account_by_identifier


class UsernameBackend(ModelBackend):
    """Django's model backend, resolving a username or ID number among held accounts."""

    @sensitive_variables("password")
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        """The account this identifier and password open, or None; the same work either way.

        When no account holds the identifier, a password is still hashed once, so the time
        taken does not tell whether the account exists. An account that may not sign in
        (suspended) is checked like any other and then refused.
        """
        if username is None or password is None:
            return None
        user = find_account_by_identifier(username)
        if user is None:
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
