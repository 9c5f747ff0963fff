"""Changing a password: the one service for the reset, the account page and ``changepassword``.

A new password changes the session auth hash, so every session of the account signed in
before ends on its next request; a caller that keeps its own session (the account page) calls
``update_session_auth_hash`` afterwards. The change is recorded in the account's history and
the person is owed a notice, sent by SMS after commit, at most once (``accounts.notices``).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.views.decorators.debug import sensitive_variables

from accounts import lifecycle, notices
from accounts.models import AccountEvent, Notice, User


@sensitive_variables("password")
def change_password(
    *, user: User, password: str, source: str, details: dict[str, Any] | None = None
) -> AccountEvent:
    """Set ``password`` (already checked against the policy), record it and queue the notice.

    ``source`` says through which door: ``reset``, ``account`` or ``command`` (then
    ``details`` names the operating-system user who ran it).
    """
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password", "updated_at"])
        event = lifecycle.record_event(
            account=user, kind=AccountEvent.Kind.PASSWORD_CHANGED, source=source, details=details
        )
        notices.owe(kind=Notice.Kind.PASSWORD_CHANGED, account=user, subject_id=event.pk)
    return event
