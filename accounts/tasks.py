"""Background notifications. Arguments are ids only; every task loads what it needs."""

from __future__ import annotations

import logging

from django_tasks import task

from accounts.models import AccountEvent, User
from accounts.notifications import send_mobile_moved_email

logger = logging.getLogger(__name__)


@task()
def notify_mobile_moved(account_id: int) -> None:
    """Tell the previous owner of a mobile number that a new registration took it."""
    try:
        account = User.objects.get(pk=account_id)
        event = (
            account.events.filter(kind=AccountEvent.Kind.MOBILE_RELEASED)
            .order_by("-created_at", "-id")
            .first()
        )
        send_mobile_moved_email(account=account, event=event)
    except Exception:
        # The immediate backend records a task's exception instead of raising it: log it.
        logger.exception("notify_mobile_moved failed for account %s", account_id)
        raise
