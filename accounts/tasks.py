"""Background notifications. Arguments are ids only; every task loads what it needs."""

from __future__ import annotations

import logging

from django.utils import timezone
from django_tasks import task

from accounts.models import AccountEvent, User
from accounts.notifications import password_changed_sms_body, send_mobile_moved_email
from sms.message import SmsAlreadyClaimed, SmsError, SmsMessage
from sms.retries import enqueue_at, next_attempt_at, worth_retrying
from sms.sending import send_sms

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
def notify_password_changed(account_id: int, attempt: int = 1, event_id: int | None = None) -> None:
    """Tell a person by SMS, in their language, that their password was reset or changed.

    At most once per attempt: the SMS record is inserted first under the unique key
    ``password_changed:<event>:<attempt>`` (the account's latest ``password_changed`` event
    unless a retry names it), so a second run of the same task sends nothing. A send the
    provider certainly did not make is tried again later (``sms.retries``) as the
    next attempt; after a send that may have gone through, nothing is tried again.
    """
    try:
        account = User.objects.get(pk=account_id)
        event = _password_changed_event(account, event_id)
        if not account.mobile or event is None:
            return
        send_sms(
            SmsMessage(
                to=account.mobile,
                body=password_changed_sms_body(language=account.preferred_language),
                purpose="password_changed",
            ),
            dedupe_key=f"password_changed:{event.pk}:{attempt}",
        )
    except SmsAlreadyClaimed:
        logger.info(
            "password-changed SMS for account %s: attempt %s already made", account_id, attempt
        )
    except SmsError as error:
        _retry_later(account_id, attempt, event.pk, error)
        raise
    except Exception:
        # The immediate backend records a task's exception instead of raising it: log it.
        logger.exception("notify_password_changed failed for account %s", account_id)
        raise


def _password_changed_event(account: User, event_id: int | None) -> AccountEvent | None:
    """The event this notice is about: the one named, else the account's latest change."""
    events = account.events.filter(kind=AccountEvent.Kind.PASSWORD_CHANGED)
    if event_id is not None:
        events = events.filter(pk=event_id)
    event = events.order_by("-created_at", "-id").first()
    if event is None:
        logger.error("password-changed SMS for account %s: no such change", account.pk)
    return event


def _retry_later(account_id: int, attempt: int, event_id: int, error: SmsError) -> None:
    """Queue the next attempt after a send that certainly failed, or give up."""
    retry_at = next_attempt_at(attempt, now=timezone.now()) if worth_retrying(error) else None
    if retry_at is None:
        logger.error(
            "password-changed SMS for account %s given up after attempt %s (%s)",
            account_id,
            attempt,
            error.reason,
        )
        return
    logger.warning(
        "password-changed SMS for account %s: attempt %s failed (%s); next at %s",
        account_id,
        attempt,
        error.reason,
        retry_at.isoformat(),
    )
    enqueue_at(notify_password_changed, retry_at, account_id, attempt + 1, event_id)
