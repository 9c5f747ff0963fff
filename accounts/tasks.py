"""The one task that sends a notice, at most once (design.md §15). Arguments are ids only.

Every notice (the activation SMS, the password-changed SMS, the mobile-moved email) goes
through ``send_notice``: claim, send, finish; on a certain failure release with the time of
the next attempt, or give up; when it may have gone out, keep the claim and never send again.
What is sent, and by which channel, is the kind's (``accounts.notice_kinds``).
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.core.mail import EmailMessage
from django.db import DatabaseError
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django_tasks import task

from accounts.models import AccountEvent, Notice
from accounts.notice_kinds import kind_of
from sms.message import SmsAlreadyClaimed, SmsError, SmsMessage
from sms.retries import enqueue_at, next_attempt_at, worth_retrying
from sms.sending import send_sms

logger = logging.getLogger(__name__)


def due(notices: QuerySet[Notice], *, now: datetime) -> QuerySet[Notice]:
    """Notices that may be attempted now: never tried, or a retry whose time has come.

    A claimed notice is being sent, was sent, or may have been; one that failed without a
    retry time was given up. The schedule is on the row, so neither a duplicate task nor the
    sweep can attempt it before its wait is over. ``sent_at`` is always empty here (it
    follows a claim); it is named for the partial index ``notice_unsent_idx``.
    """
    return notices.filter(
        Q(attempts=0) | Q(retry_at__lte=now), sent_at__isnull=True, claimed_at__isnull=True
    )


def dedupe_key(notice: Notice) -> str:
    """The ``SmsDelivery`` key of the notice's current attempt: ``notice:<id>:<attempt>``.

    A prefix no earlier release used: before notices, keys named the event
    (``password_changed:<event id>:<attempt>``, ``activation:<event id>:<attempt>``), and a
    notice id equal to an old event id must not find an old row and send nothing.
    """
    return f"notice:{notice.pk}:{notice.attempts}"


@task()
def send_notice(notice_id: int) -> None:
    """Send one notice once: claimed by one conditional UPDATE, then sent, then marked sent.

    Two workers, a duplicate task and the sweep cannot all send: the one whose UPDATE matched
    sends, the others find the row claimed and stop. A failure raises, so the task run shows
    as failed; its retry, if any, is queued for later.
    """
    now = timezone.now()
    claimed = due(Notice.objects.filter(pk=notice_id), now=now).update(
        claimed_at=now, attempts=F("attempts") + 1, retry_at=None
    )
    if not claimed:
        return
    notice = Notice.objects.select_related("account").get(pk=notice_id)
    try:
        message = kind_of(notice).write(notice)
    except (DatabaseError, KeyError) as error:
        # Nothing was sent: the database may be back soon, or this process lacks the app that
        # writes this kind (the system check says so at start): try again on the schedule.
        reason = "database_error" if isinstance(error, DatabaseError) else "unknown_kind"
        _after_failure(notice, reason, retry=True, maybe_sent=False, now=now)
        logger.warning("notice %s (%s) could not be written: %r", notice.pk, notice.kind, error)
        raise
    except Exception:
        # Nothing was sent: release the claim; a fault in our code is not retried by itself.
        _release(notice, retry_at=None, error="internal_error")
        logger.exception("notice %s (%s) could not be written", notice.pk, notice.kind)
        raise
    if message is None:
        _release(notice, retry_at=None, error="no_recipient")
        logger.warning("notice %s (%s): nobody to send it to", notice.pk, notice.kind)
        return
    if isinstance(message, EmailMessage):
        _send_email(notice, message, now=now)
    else:
        _send_sms(notice, message, now=now)


def _send_sms(notice: Notice, message: SmsMessage, *, now: datetime) -> None:
    try:
        send_sms(message, dedupe_key=dedupe_key(notice))
    except SmsError as error:
        _after_failure(
            notice, error.reason, retry=worth_retrying(error), maybe_sent=error.maybe_sent, now=now
        )
        raise
    except SmsAlreadyClaimed:
        # The claim makes this impossible; if it happens, keep the claim and say so loudly.
        Notice.objects.filter(pk=notice.pk).update(last_error="already_claimed")
        logger.error(
            "notice %s (%s): attempt %s already made", notice.pk, notice.kind, notice.attempts
        )
        return
    except DatabaseError:
        # The delivery record (the attempt's claim) could not be written: nothing was sent.
        _after_failure(notice, "database_error", retry=True, maybe_sent=False, now=now)
        raise
    except Exception:
        # Not the provider's answer: whether the SMS left is unknown, so keep the claim.
        logger.exception("notice %s (%s) failed; it may have been sent", notice.pk, notice.kind)
        raise
    _mark_sent(notice)


def _send_email(notice: Notice, message: EmailMessage, *, now: datetime) -> None:
    """Email has no "may have been sent": any error from the mail backend is retried
    (decision 94). A worker killed meanwhile (``SystemExit``) keeps its claim."""
    try:
        message.send()
    except Exception as error:
        _after_failure(notice, type(error).__name__[:30], retry=True, maybe_sent=False, now=now)
        raise
    _mark_sent(notice)


def _mark_sent(notice: Notice) -> None:
    """Record that the channel took the message; a failure here keeps the claim (never resent)."""
    try:
        Notice.objects.filter(pk=notice.pk, sent_at__isnull=True).update(
            sent_at=timezone.now(), last_error=""
        )
    except DatabaseError:
        logger.exception("notice %s (%s) sent, but not marked so", notice.pk, notice.kind)


def _release(notice: Notice, *, retry_at: datetime | None, error: str) -> None:
    """Give this attempt's claim back, with the time of the next one (None: give up)."""
    Notice.objects.filter(pk=notice.pk, attempts=notice.attempts, claimed_at__isnull=False).update(
        claimed_at=None, retry_at=retry_at, last_error=error
    )


def _after_failure(
    notice: Notice, reason: str, *, retry: bool, maybe_sent: bool, now: datetime
) -> None:
    """Schedule the next attempt, or give up; keep the claim if the message may have gone.

    ``retry`` False: the send may have gone out, or the recipient cannot receive it.
    """
    attempt = notice.attempts
    if not retry:
        if maybe_sent:  # the claim stays: never sent again, reported by the sweep
            Notice.objects.filter(pk=notice.pk, attempts=attempt).update(last_error=reason)
        else:
            _release(notice, retry_at=None, error=reason)
        logger.error(
            "notice %s (%s) not retried after attempt %s (%s%s)",
            notice.pk,
            notice.kind,
            attempt,
            reason,
            ", may have been sent" if maybe_sent else "",
        )
        return
    retry_at = next_attempt_at(attempt, now=now)
    _release(notice, retry_at=retry_at, error=reason)
    if retry_at is None:
        logger.error(
            "notice %s (%s) given up after %s attempts (%s)",
            notice.pk,
            notice.kind,
            attempt,
            reason,
        )
        return
    logger.warning(
        "notice %s (%s): attempt %s failed (%s); next attempt at %s",
        notice.pk,
        notice.kind,
        attempt,
        reason,
        retry_at.isoformat(),
    )
    enqueue_at(send_notice, retry_at, notice.pk)


# --- Tasks the release before notices queued (decision 97) --------------------------------------
# A worker of this release may still find them in the queue: each finds (or records) the
# notice it stood for and sends it through ``send_notice``, so it goes out at most once. To be
# removed one release after notices.


@task()
def notify_password_changed(account_id: int, attempt: int = 1, event_id: int | None = None) -> None:
    """A password-changed SMS queued before notices existed."""
    _send_queued_before_notices(
        Notice.Kind.PASSWORD_CHANGED, AccountEvent.Kind.PASSWORD_CHANGED, account_id, event_id
    )


@task()
def notify_mobile_moved(account_id: int) -> None:
    """A mobile-moved email queued before notices existed."""
    _send_queued_before_notices(
        Notice.Kind.MOBILE_MOVED, AccountEvent.Kind.MOBILE_RELEASED, account_id, None
    )


def _send_queued_before_notices(
    kind: str, event_kind: str, account_id: int, event_id: int | None
) -> None:
    events = AccountEvent.objects.filter(account_id=account_id, kind=event_kind)
    if event_id is not None:
        events = events.filter(pk=event_id)
    event = events.order_by("-created_at", "-id").first()
    if event is not None:
        send_notice_of(kind, subject_id=event.pk, account_id=account_id)


def send_notice_of(kind: str, *, subject_id: int, account_id: int) -> None:
    """Send the notice of ``kind`` about ``subject_id`` (recorded first if the old release
    never did), through ``send_notice``: at most once, whichever old task asks."""
    notice, _created = Notice.objects.get_or_create(
        kind=kind, subject_id=subject_id, defaults={"account_id": account_id}
    )
    send_notice.call(notice.pk)
