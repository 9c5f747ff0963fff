"""Authentication by username, case-insensitively, among accounts that hold their username."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from accounts.models import User


def find_account_by_username(username: str) -> User | None:
    """Return the account holding ``username`` (any case), or None.

    Uses the partial unique index on ``lower(username)``.
    """
    try:
        return User.objects.get_by_natural_key(username)
    except User.DoesNotExist:
        return None


class UsernameBackend(ModelBackend):
    """Django's model backend, with the case-insensitive, status-aware username lookup."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return None
        user = find_account_by_username(username)
        if user is None:
            # Spend the same time as a real check so timing does not reveal the account.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
