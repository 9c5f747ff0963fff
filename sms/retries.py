"""Trying a notification SMS again later, with backoff (django-tasks 0.12 has no retries).

A task whose SMS the provider refused schedules its own next run with ``run_after``; the waits
come from ``SMS_RETRY_DELAYS_SECONDS`` (read at use time), and after the last one it gives up.
Only a send the provider certainly did not make is tried again: after a timeout the message
may still arrive, and an invalid number will not become valid by waiting.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django_tasks.base import Task

from sms.message import SmsError

logger = logging.getLogger(__name__)


def worth_retrying(error: SmsError) -> bool:
    """Whether sending again may succeed without any risk of a second copy."""
    return not error.maybe_sent and error.reason != "invalid_number"


def next_attempt_at(failed_attempts: int, *, now: datetime) -> datetime | None:
    """When to try again after ``failed_attempts`` failures in a row; None: give up."""
    delays = list(settings.SMS_RETRY_DELAYS_SECONDS)
    if failed_attempts < 1 or failed_attempts > len(delays):
        return None
    return now + timedelta(seconds=delays[failed_attempts - 1])


def enqueue_at(task: Task, run_after: datetime, *args: Any) -> bool:
    """Queue ``task(*args)`` to run at ``run_after``; False if that cannot be done now.

    The immediate backend (development) cannot defer a task, and a queue may be down: the
    caller keeps its own durable schedule, so a sweep can pick the attempt up instead.
    """
    if not task.get_backend().supports_defer:
        return False
    try:
        task.using(run_after=run_after).enqueue(*args)
    except Exception:  # the queue is down: the caller's schedule still says when to retry
        logger.exception("could not queue the retry of %s", task.name)
        return False
    return True
