"""Notices owed to people, and the sweep that makes sure each is sent once (design.md §15).

``owe`` writes a ``Notice`` in the transaction of the change that owes it and queues
``send_notice`` to run after commit; a queue that is down loses nothing, because the row is
there. ``queue_missed_notices`` (run by ``manage.py send_missed_notices`` from cron) queues
notices never attempted and retries that are due; ``stale_notices`` are claims that a
worker took long ago without the message being known to be sent: reported, never resent.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, models, router, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task_backends
from django_tasks.base import Task
from django_tasks.exceptions import InvalidTaskBackendError
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from accounts.models import Notice, User
from accounts.tasks import due, send_notice
from sms.models import ACCEPTED_STATUSES, SmsDelivery

logger = logging.getLogger(__name__)


def enqueue_after_commit(task: Task, *args: Any) -> None:
    """Queue ``task(*args)`` (ids only) so that a worker runs it only after the current
    transaction commits.

    When the queue is a table of this database (production's ``DatabaseBackend``), the task's
    row is written in the transaction itself: it commits with the change or not at all, and
    no worker can see it sooner, so the change and its task take one commit, not two (each a
    WAL flush: decision 275). The row is written in a savepoint, so a failed INSERT (a grant
    missing after an upgrade) is logged and leaves the change whole. Any other queue is given
    the task after the commit. Either way a queue that is down does not undo the change (nor
    turn the response into a 500): the ``Notice`` row is there, and the sweep queues it again.
    """
    if queued_in_this_database(task):
        try:
            with transaction.atomic():
                task.enqueue(*args)
        except DatabaseError:
            logger.exception("could not queue %s%r; the sweep will", task.name, args)
        return
    transaction.on_commit(lambda: task.enqueue(*args), robust=True)


def queued_in_this_database(task: Task) -> bool:
    """Whether ``task``'s backend keeps its queue in the database the change is written to
    (False for anything that is not a django-tasks task, such as a test's stand-in)."""
    try:
        backend = task_backends[getattr(task, "backend", None)]
    except (InvalidTaskBackendError, KeyError, TypeError):
        return False
    return isinstance(backend, DatabaseBackend) and (
        router.db_for_write(DBTaskResult) == DEFAULT_DB_ALIAS
    )


def owe(*, kind: str, account: User, subject_id: int) -> Notice:
    """Record that ``account`` is owed a notice about ``subject_id``; send it after commit.

    Call it inside the transaction of the change, so the change and its notice commit together
    or not at all. No savepoint of its own: one insert needs none, and the bank's activation
    path counts its round trips.
    """
    notice = Notice.objects.create(kind=kind, account=account, subject_id=subject_id)
    enqueue_after_commit(send_notice, notice.pk)
    return notice


def queue_missed_notices(*, older_than_seconds: int = 60) -> int:
    """Queue every notice never attempted, or whose retry is due; return how many.

    Covers a queue that was down when the change committed, a retry that could not be
    queued, and a backend that cannot defer tasks (development). Only notices older than
    ``older_than_seconds``, to leave in-flight ones alone. Safe to run twice at once: each
    attempt is claimed once, and a retry is not attempted before its time.
    """
    now = timezone.now()
    cutoff = now - timedelta(seconds=older_than_seconds)
    missed = due(Notice.objects.filter(created_at__lt=cutoff), now=now)
    count = 0
    for notice_id in missed.values_list("pk", flat=True).iterator():
        send_notice.enqueue(notice_id)
        count += 1
    return count


def stale_notices(*, older_than_seconds: int) -> QuerySet[Notice]:
    """Notices claimed that long ago and not known to be sent: reported, never resent.

    A worker died between claim and send, or the send may have gone out (timeout, lost
    connection) and no delivery report says it did. An SMS whose record shows the provider
    took it (only marking the notice failed) is left out.
    """
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    key = Concat(
        Value("notice:"),
        Cast(OuterRef("pk"), models.CharField()),
        Value(":"),
        Cast(OuterRef("attempts"), models.CharField()),
    )
    accepted = SmsDelivery.objects.filter(dedupe_key=key, status__in=ACCEPTED_STATUSES)
    return Notice.objects.filter(~Exists(accepted), sent_at__isnull=True, claimed_at__lt=cutoff)


def report_stale_notices(*, older_than_seconds: int) -> int:
    """Log each stale claim (ids only) and return how many there are."""
    stale = stale_notices(older_than_seconds=older_than_seconds).order_by("pk")
    ids = list(stale.values_list("pk", flat=True))
    if ids:
        logger.warning(
            "%s notices claimed but not known to be sent (not sent again): notices %s",
            len(ids),
            ", ".join(map(str, ids[:50])),
        )
    return len(ids)


class NoticeState(models.TextChoices):
    """Where a notice stands, for staff (read from its columns, never stored)."""

    OWED = "owed", _("Not attempted yet")
    WAITING = "waiting", _("Waiting for its next attempt")
    CLAIMED = "claimed", _("Taken by a worker, not known to be sent")
    SENT = "sent", _("Sent")
    GIVEN_UP = "given_up", _("Given up")


#: Each state as a filter on the columns.
STATE_FILTERS: dict[str, Q] = {
    NoticeState.OWED: Q(sent_at__isnull=True, claimed_at__isnull=True, attempts=0),
    NoticeState.WAITING: Q(sent_at__isnull=True, claimed_at__isnull=True, retry_at__isnull=False),
    NoticeState.CLAIMED: Q(sent_at__isnull=True, claimed_at__isnull=False),
    NoticeState.SENT: Q(sent_at__isnull=False),
    NoticeState.GIVEN_UP: Q(
        sent_at__isnull=True, claimed_at__isnull=True, attempts__gt=0, retry_at__isnull=True
    ),
}


def state_of(notice: Notice) -> NoticeState:
    if notice.sent_at is not None:
        return NoticeState.SENT
    if notice.claimed_at is not None:
        return NoticeState.CLAIMED
    if notice.retry_at is not None:
        return NoticeState.WAITING
    return NoticeState.GIVEN_UP if notice.attempts else NoticeState.OWED
