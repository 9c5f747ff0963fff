"""The one way to authenticate: ``django.contrib.auth.authenticate()`` through this backend.

People sign in with ``identifier=`` (their username in any letter case, or their ID number in
any digits); Django's own callers, the admin's login among them, pass ``username=``, which
finds usernames only, so staff sign-in accepts nothing it did not accept before. Both spend a
password hash when no account matches, so timing does not tell whether one exists, and both
make ``user_login_failed`` fire. Its ``credentials`` then hold what was typed (often an ID
number; Django masks only password-like keys): a receiver must not log them as they are.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from accounts.models import User
from accounts.selectors import find_account_by_identifier_once, find_account_by_username


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

        When no account holds the identifier, a password is still hashed once, so the time
        taken does not tell whether the account exists. An account that may not sign in
        (suspended) is checked like any other and then refused.
        """
        if password is None or (username is None and identifier is None):
            return None
        if identifier is not None:
            user = find_account_by_identifier_once(request, identifier)
        else:
            user = find_account_by_username(username or "")
        if user is None:
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
