"""A record of every SMS the portal tried to send, and how far it got (issue 6, item 5).

One row per attempt: who it was for (E.164), why (purpose), which backend carried it, the
provider's message id and the delivery status the provider reported afterwards. The body is
never stored: registration, sign-in and reset bodies hold one-time codes.

The row is written and committed before the provider is asked (``submitting``), then completed
with the answer. So a status callback that overtakes the provider's answer finds its row (the
callback URL names the row), and a send that dies half-way leaves a row saying so.

Statuses only move forward. Twilio reports ``queued → sending → sent → delivered`` (or
``undelivered``/``failed``), but its callbacks are separate HTTP requests that may arrive out of
order, twice, or before the portal has read Twilio's answer; a late "sent" must not overwrite
"delivered". Each status has a rank, and every write is a single ``UPDATE`` that sets the new
status only where the stored one ranks lower, so racing writers cannot move a row backwards.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, IntegrityError, models, transaction
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from absher_portal import metrics
from sms.message import SmsAlreadyClaimed, SmsError
from sms.models import SmsDelivery, SmsStatus

logger = logging.getLogger(__name__)

#: How far along a status is. A write may only raise a row's rank; the final verdicts share
#: the top rank, so whichever arrives first stands. "May have been sent" ranks below every
#: provider status, so a callback after a timeout still tells what became of the message.
STATUS_RANK = {
    SmsStatus.SUBMITTING: 0,
    SmsStatus.UNKNOWN: 1,
    SmsStatus.QUEUED: 2,
    SmsStatus.SENDING: 3,
    SmsStatus.SENT: 4,
    SmsStatus.DELIVERED: 5,
    SmsStatus.UNDELIVERED: 5,
    SmsStatus.FAILED: 5,
    SmsStatus.NOT_SENT: 5,
}

#: Twilio's ``MessageStatus`` values (outbound messages) in this table's words. ``read`` is a
#: read receipt (delivered and more); ``canceled`` is a scheduled message that never left.
TWILIO_STATUSES = {
    "accepted": SmsStatus.QUEUED,
    "scheduled": SmsStatus.QUEUED,
    "queued": SmsStatus.QUEUED,
    "sending": SmsStatus.SENDING,
    "sent": SmsStatus.SENT,
    "delivered": SmsStatus.DELIVERED,
    "read": SmsStatus.DELIVERED,
    "undelivered": SmsStatus.UNDELIVERED,
    "failed": SmsStatus.FAILED,
    "canceled": SmsStatus.FAILED,
}

#: SmsError reasons after which the provider certainly holds no message: it answered "no".
REFUSAL_REASONS = frozenset({"invalid_number", "rate_limited", "not_configured"})


def start_attempt(
    *, recipient: str, purpose: str, backend: str, dedupe_key: str | None = None
) -> SmsDelivery | None:
    """Write and commit the row of an attempt before sending (``submitting``).

    Committed at once (``durable``: Django refuses it inside a caller's transaction, where a
    rollback could erase the row of an SMS that went out and a callback could not see it).
    With a ``dedupe_key`` the insert is the claim: a duplicate raises ``SmsAlreadyClaimed``,
    and a database failure propagates, because sending unclaimed could send twice. Without
    one a database failure is logged and the SMS still goes (None: no row).
    """
    try:
        with transaction.atomic(durable=True):
            return SmsDelivery.objects.create(
                recipient=recipient[:16],
                purpose=purpose[:20],
                backend=backend[:100],
                status=SmsStatus.SUBMITTING,
                dedupe_key=dedupe_key,
            )
    except IntegrityError:
        if dedupe_key is None:
            logger.exception("could not record an SMS attempt (purpose=%s)", purpose)
            return None
        raise SmsAlreadyClaimed(dedupe_key) from None
    except DatabaseError:
        if dedupe_key is not None:
            raise
        logger.exception("could not record an SMS attempt (purpose=%s)", purpose)
        return None


def outcome_status(error: SmsError | None, provider_message_id: str | None) -> SmsStatus:
    """The status an attempt's own result gives its row.

    A provider id means the provider took the message (``queued``); no id and no error means
    a backend that reaches no provider (console, locmem, file) took it (``sent``). An error is
    ``unknown`` when the message may exist, ``not_sent`` when the provider refused it, and
    ``failed`` when an outage certainly stopped it.
    """
    if error is None:
        return SmsStatus.QUEUED if provider_message_id else SmsStatus.SENT
    if error.maybe_sent:
        return SmsStatus.UNKNOWN
    return SmsStatus.NOT_SENT if error.reason in REFUSAL_REASONS else SmsStatus.FAILED


def finish_attempt(
    record: SmsDelivery | None,
    *,
    provider_message_id: str | None = None,
    error: SmsError | None = None,
) -> None:
    """Complete an attempt's row with the provider's answer; never undo or fake a send.

    Forward only, so a callback that came first keeps its status. A database failure here is
    logged and swallowed: the SMS has already gone (or not), and raising would make a caller
    retry a message that was in fact sent.
    """
    if record is None:
        return
    status = outcome_status(error, provider_message_id)
    metrics.sms_attempt_finished(record.purpose, status)
    try:
        with transaction.atomic(durable=True):
            advance(
                SmsDelivery.objects.filter(pk=record.pk),
                status,
                provider_message_id=provider_message_id,
                error_code=error.provider_code if error else None,
                error_reason=error.reason if error else "",
            )
    except DatabaseError:
        logger.exception("could not record an SMS attempt (purpose=%s)", record.purpose)


def advance(
    rows: QuerySet[SmsDelivery],
    status: SmsStatus,
    *,
    provider_message_id: str | None = None,
    error_code: int | None = None,
    error_reason: str | None = None,
) -> int:
    """Move ``rows`` forward to ``status`` in one UPDATE; return how many rows matched.

    The status (and the error code that explains it) changes only where the stored status
    ranks lower; a provider id fills an empty one and never replaces another; ``error_reason``
    (the portal's own view of its request) is always written when given.
    """
    behind = Q(
        status__in=[value for value, rank in STATUS_RANK.items() if rank < STATUS_RANK[status]]
    )
    changes: dict[str, object] = {
        "status": Case(When(behind, then=Value(status)), default=F("status")),
        "updated_at": timezone.now(),
    }
    if error_code is not None and error_code > 0:
        changes["error_code"] = Case(
            When(behind, then=Value(error_code)),
            default=F("error_code"),
            output_field=models.PositiveIntegerField(),
        )
    if provider_message_id:
        changes["provider_message_id"] = Coalesce(
            F("provider_message_id"), Value(provider_message_id[:64])
        )
    if error_reason is not None:
        changes["error_reason"] = error_reason[:30]
    return rows.update(**changes)


def apply_provider_status(
    provider_message_id: str,
    status: SmsStatus,
    *,
    error_code: int | None = None,
    delivery_id: int | None = None,
) -> bool:
    """Store a status the provider reported; False if no row is this message's.

    The row is the one named by ``delivery_id`` (from the signed callback URL) unless it holds
    another message's id, else the one holding ``provider_message_id``: a report may overtake
    the provider's answer to the send, before the row knows its id.
    """
    changes = {"provider_message_id": provider_message_id, "error_code": error_code}
    try:
        with transaction.atomic():  # a savepoint if a caller (a test) holds a transaction
            matched = False
            if delivery_id is not None:
                named = SmsDelivery.objects.filter(
                    Q(provider_message_id__isnull=True)
                    | Q(provider_message_id=provider_message_id),
                    pk=delivery_id,
                )
                matched = advance(named, status, **changes) > 0
            if not matched:
                by_id = SmsDelivery.objects.filter(provider_message_id=provider_message_id)
                matched = advance(by_id, status, **changes) > 0
    except IntegrityError:  # the id is already another row's: nothing to store
        logger.warning("SMS status for %s matches two records", provider_message_id[:64])
        return False
    if matched:
        metrics.sms_status_reported(status)
    return matched
