"""Where a person goes after adding a way to sign in (design.md §19)."""

from __future__ import annotations

from django.urls import reverse

from accounts.models import User


def after_factor_added_url(user: User) -> str:
    """The page to show once a passkey or an app was added: the security page."""
    return reverse("security:page")
