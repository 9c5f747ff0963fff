"""Where a person goes after adding a way to sign in (design.md §19)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.module_loading import import_string

from accounts.models import User

#: Whether the account ever had recovery codes (by dotted path: the security app never
#: imports the apps whose sections it shows).
EVER_HAD_CODES = "authenticator.recovery_codes.ever_made"


def after_factor_added_url(user: User) -> str:
    """After the first passkey or app, the page that makes and shows the recovery codes, once;
    after any later one, the security page."""
    if not import_string(EVER_HAD_CODES)(user):
        return reverse("authenticator:first_codes")
    return reverse("security:page")
