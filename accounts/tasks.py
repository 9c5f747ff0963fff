"""Background notifications. Arguments are ids only; every task loads what it needs."""

from __future__ import annotations

import logging

from django.utils import timezone
from django_tasks import task

from accounts.models import AccountEvent, User
from accounts.notifications import password_changed_sms_body, send_mobile_moved_email
from accounts.sms import SmsError, SmsMessage, send_sms
from accounts.sms.retries import enqueue_at, next_attempt_at, worth_retrying

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
def notify_password_changed(account_id: int, attempt: int = 1) -> None:
    """Tell a person by SMS, in their language, that their password was reset.

    A send the provider refused is tried again later (``accounts.sms.retries``); ``attempt``
    counts the tries. Only a send that certainly did not happen is retried, and only this
    task queues the next one, so the notice is never sent twice.
    """
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
    except SmsError as error:
        retry_at = next_attempt_at(attempt, now=timezone.now()) if worth_retrying(error) else None
        if retry_at is None:
            logger.error(
                "password-changed SMS for account %s given up after attempt %s (%s)",
                account_id,
                attempt,
                error.reason,
            )
        else:
            logger.warning(
                "password-changed SMS for account %s: attempt %s failed (%s); next at %s",
                account_id,
                attempt,
                error.reason,
                retry_at.isoformat(),
            )
            enqueue_at(notify_password_changed, retry_at, account_id, attempt + 1)
        raise
    except Exception:
        # The immediate backend records a task's exception instead of raising it: log it.
        logger.exception("notify_password_changed failed for account %s", account_id)
        raise
