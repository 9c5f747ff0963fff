"""What the person changes on their own pages (the password is ``accounts.passwords``)."""

from __future__ import annotations

from accounts.models import User


def set_preferred_language(*, user: User, language: str) -> None:
    """The language of the SMS and emails the portal sends to this person."""
    user.preferred_language = language
    user.save(update_fields=["preferred_language", "updated_at"])
