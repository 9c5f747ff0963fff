"""Applying a bank's signed activation confirmation (design.md §8).

The API view verifies the signature and the payload, then calls ``activation_confirm``: one
transaction claims the (bank, event id) pair, activates the pending account, writes the
``ActivationEvent`` with the answer given and the account's ``AccountEvent``, and queues the
activation SMS for after commit. A crash rolls all of it back, so the bank's retry succeeds.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction

from absher_portal import metrics
from accounts import lifecycle, notices
from accounts.models import HOLDING_STATUSES, AccountStatus, Notice, User
from activation.models import ActivationEvent, ActivationOutcome, BankKey


@dataclass(frozen=True)
class Confirmation:
    """A validated confirmation payload."""

    event_id: str
    national_id: str
    mobile: str
    channel: str
    confirmed_at: datetime


@dataclass(frozen=True)
class ApiResult:
    status: int
    body: dict[str, Any]


IN_FLIGHT = ApiResult(
    409,
    {"error": "in_flight", "detail": "This event is being processed; retry in a moment."},
)
EVENT_ID_REUSED = ApiResult(
    422,
    {"error": "event_id_reused", "detail": "This event id was used with a different body."},
)
_OUTCOMES = {
    ActivationOutcome.ACTIVATED: ApiResult(200, {"status": "activated"}),
    ActivationOutcome.ALREADY_ACTIVE: ApiResult(200, {"status": "already_active"}),
    ActivationOutcome.NO_PENDING_ACCOUNT: ApiResult(
        422,
        {"error": "no_pending_account", "detail": "No account awaits activation for this ID."},
    ),
    ActivationOutcome.MOBILE_MISMATCH: ApiResult(
        422,
        {
            "error": "mobile_mismatch",
            "detail": "The mobile number does not match the account's mobile number.",
        },
    ),
}


def _claim(bank_id: int, event_id: str) -> bool:
    """Hold (bank, event id) for this transaction; False if another request holds it.

    On PostgreSQL a transaction-scoped advisory lock, taken without waiting: a concurrent
    delivery of the same event gets 409 instead of queueing. SQLite serialises writers.
    """
    if connection.vendor != "postgresql":
        return True
    digest = hashlib.blake2b(f"{bank_id}:{event_id}".encode(), digest_size=8).digest()
    key = int.from_bytes(digest, "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [key])
        return bool(cursor.fetchone()[0])


class HolderChanging(Exception):
    """The ID kept changing hands while we looked: ask the bank to retry (409)."""


#: How often to look again for the holder of an ID that changed hands while we waited.
_HOLDER_LOOKS = 3


def _lock_holder(national_id: str) -> User | None:
    """Lock and return the account holding ``national_id``, or None if none does.

    Raises :class:`HolderChanging` if the holder is still changing after a few looks.

    Under READ COMMITTED a locking read that waited for a row re-checks that row once the
    other transaction commits, but cannot see rows that transaction inserted. A registration
    superseding the pending holder (design.md §6) does both: the first look then finds nobody,
    although the new pending account holds the ID. A plain read in a new statement sees it;
    then look again (bounded, in case the ID keeps changing hands).
    """
    holders = User.objects.filter(national_id=national_id, status__in=HOLDING_STATUSES)
    for _look in range(_HOLDER_LOOKS):
        account = holders.select_for_update().first()
        if account is not None or not holders.exists():
            return account
    # Still changing hands: "nobody" would be a wrong answer, stored and replayed for ever.
    raise HolderChanging(national_id)


def _decide(confirmation: Confirmation) -> tuple[str, User | None]:
    """What this confirmation means for the account holding the ID (locked)."""
    account = _lock_holder(confirmation.national_id)
    if account is None or account.status == AccountStatus.SUSPENDED:
        return ActivationOutcome.NO_PENDING_ACCOUNT, account
    if account.mobile != confirmation.mobile:
        return ActivationOutcome.MOBILE_MISMATCH, account
    if account.status == AccountStatus.ACTIVE:
        return ActivationOutcome.ALREADY_ACTIVE, account
    return ActivationOutcome.ACTIVATED, account


def confirmation_fingerprint(confirmation: Confirmation) -> str:
    """SHA-256 of the confirmation's normalised fields.

    Two deliveries of one event are "the same" when they say the same thing, however the
    bank's JSON library spaced, ordered or escaped it (or wrote the ID in Arabic digits).
    """
    fields = {
        "event_id": confirmation.event_id,
        "national_id": confirmation.national_id,
        "mobile": confirmation.mobile,
        "channel": confirmation.channel,
        "confirmed_at": confirmation.confirmed_at.astimezone(UTC).isoformat(),
    }
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def activation_confirm(*, key: BankKey, confirmation: Confirmation) -> ApiResult:
    """Apply one confirmation exactly once per (bank, event id); replay the stored answer.

    Counted (``portal_bank_confirmations_total``) once its transaction committed: the outcome
    decided, or ``replayed``, ``in_flight``, ``event_id_reused``.
    """
    result, outcome = _confirm(key=key, confirmation=confirmation)
    metrics.bank_confirmation(key.bank.code, confirmation.channel, outcome)
    return result


def _confirm(*, key: BankKey, confirmation: Confirmation) -> tuple[ApiResult, str]:
    bank = key.bank
    fingerprint = confirmation_fingerprint(confirmation)
    with transaction.atomic():
        if not _claim(bank.pk, confirmation.event_id):
            return IN_FLIGHT, "in_flight"
        stored = ActivationEvent.objects.filter(bank=bank, event_id=confirmation.event_id).first()
        if stored is not None:
            if stored.fingerprint != fingerprint:
                return EVENT_ID_REUSED, "event_id_reused"
            return ApiResult(stored.response_status, stored.response_body), "replayed"
        try:
            outcome, account = _decide(confirmation)
        except HolderChanging:
            return IN_FLIGHT, "in_flight"
        result = _OUTCOMES[outcome]
        event = ActivationEvent.objects.create(
            bank=bank,
            key=key,
            event_id=confirmation.event_id,
            fingerprint=fingerprint,
            national_id=confirmation.national_id,
            mobile=confirmation.mobile,
            channel=confirmation.channel,
            confirmed_at=confirmation.confirmed_at,
            account=account,
            outcome=outcome,
            response_status=result.status,
            response_body=result.body,
        )
        if outcome == ActivationOutcome.ACTIVATED:
            lifecycle.account_change_status(
                account=account,
                to_status=AccountStatus.ACTIVE,
                source=f"bank:{bank.code}",
                details={
                    "activation_event": event.pk,
                    "event_id": confirmation.event_id,
                    "channel": confirmation.channel,
                },
                already_locked=True,  # _decide read it with select_for_update() above
            )
            # The SMS is owed in this transaction and sent after commit; a queue that is down
            # does not fail the bank's answer (``send_missed_notices`` sweeps it up).
            notices.owe(kind=Notice.Kind.ACTIVATED, account=account, subject_id=event.pk)
    return result, str(outcome)
