"""``services.activation_confirm`` answers what it cannot decide with a retry, never a guess."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AccountStatus
from activation import services
from activation.models import ActivationEvent
from activation.services import Confirmation, activation_confirm
from tests.bank_signing import register_key
from tests.factories import make_user
from tests.people import CITIZEN_ID, MOBILE, MOBILE_E164

# The fixture anb_bank.
pytest_plugins = ["tests.bank_signing"]

pytestmark = pytest.mark.django_db


def pending_holder_confirmation(event_id: str, channel: str = "atm") -> Confirmation:
    """A bank's confirmation for the account ``make_user`` gives ID 1000000008."""
    return Confirmation(
        event_id=event_id,
        national_id=CITIZEN_ID,
        mobile=MOBILE_E164,
        channel=channel,
        confirmed_at=datetime(2026, 11, 26, 9, 0, tzinfo=UTC),
    )


def test_an_id_still_changing_hands_gets_a_retry_not_a_stored_no_pending_account(
    anb_bank, monkeypatch
):
    """If the holder keeps changing while we look (registrations superseding each other),
    the bank is told to retry (409) and nothing is stored, so a replay can still activate."""
    key, _ = register_key(anb_bank, "anb-service-1")
    account = make_user("ahmed2024", CITIZEN_ID, MOBILE, status="pending")
    confirmation = pending_holder_confirmation("evt-changing-1")
    monkeypatch.setattr(services, "_HOLDER_LOOKS", 0)  # every look "lost" the race

    result = activation_confirm(key=key, confirmation=confirmation)

    assert (result.status, result.body["error"]) == (409, "in_flight")
    assert not ActivationEvent.objects.exists()
    monkeypatch.undo()
    assert activation_confirm(key=key, confirmation=confirmation).body == {"status": "activated"}
    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE


def test_an_activation_reads_the_account_once_and_changes_it_once(anb_bank):
    """The account is locked and read once (``_decide``); the status change reuses that copy
    rather than reading it again (one round trip fewer per activation, issue 8)."""
    key, _ = register_key(anb_bank, "anb-service-2")
    account = make_user("salem2024", CITIZEN_ID, MOBILE, status="pending")
    confirmation = pending_holder_confirmation("evt-once-1", channel="app")

    with CaptureQueriesContext(connection) as queries:
        result = activation_confirm(key=key, confirmation=confirmation)

    assert result.body == {"status": "activated"}
    on_accounts = [q["sql"] for q in queries.captured_queries if '"accounts_user"' in q["sql"]]
    assert [sql.split()[0] for sql in on_accounts] == ["SELECT", "UPDATE"]
    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE
    assert account.events.get(kind="activated").from_status == AccountStatus.PENDING
