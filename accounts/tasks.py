"""Background notifications. Arguments are ids only; every task loads what it needs."""

from __future__ import annotations

import logging

from django_tasks import task

from accounts.models import AccountEvent, User
from accounts.notifications import password_changed_sms_body, send_mobile_moved_email
from accounts.sms import SmsMessage, send_sms

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


@task()
def notify_password_changed(account_id: int) -> None:
    """Tell a person by SMS, in their language, that their password was reset."""
    try:
        account = User.objects.get(pk=account_id)
        if not account.mobile:
            return
        send_sms(
            SmsMessage(
                to=account.mobile,
                body=password_changed_sms_body(language=account.preferred_language),
                purpose="password_changed",
            )
        )
    except Exception:
        # The immediate backend records a task's exception instead of raising it: log it.
        logger.exception("notify_password_changed failed for account %s", account_id)
        raise
