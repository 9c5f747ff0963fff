"""Racing bank confirmations on a real database: one activation, one SMS (design.md §8, §12).

The service (``activation_confirm``) is called directly from sixteen threads released together
by a ``threading.Barrier`` (``tests.race_helpers.race``), each on its own database connection:
that makes the calls overlap as tightly as possible. The same two races are then sent as
signed HTTP requests to the live server, to prove the whole stack answers them (409 / replayed
200 / already_active, never a 5xx). SQLite serialises writers with a database-wide lock, so
these prove something only on PostgreSQL.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

import requests

from accounts.models import AccountEvent, AccountStatus
from activation.models import ActivationEvent, ActivationOutcome
from activation.services import ApiResult, Confirmation, activation_confirm
from tests.activation_helpers import ACTIVATED
from tests.bank_signing import BankSigner, encode, payload
from tests.people import CITIZEN_ID, MOBILE_E164
from tests.race_helpers import RACE_MARKS, THREADS, race

# The fixtures anb_bank, bank_key, api_origin and signer. The serialized rollback restores the
# seeded banks before each test and flushes without re-creating content types afterwards, as
# other serialized live-server tests expect.
pytest_plugins = ["tests.bank_signing"]

pytestmark = RACE_MARKS


CONFIRMED_AT = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def confirmation(event_id: str) -> Confirmation:
    return Confirmation(
        event_id=event_id,
        national_id=CITIZEN_ID,
        mobile=MOBILE_E164,
        channel="atm",
        confirmed_at=CONFIRMED_AT,
    )


def confirm(key, event_id: str) -> Callable[[], ApiResult]:
    return lambda: activation_confirm(key=key, confirmation=confirmation(event_id))


def assert_one_activation(account, sms_outbox) -> None:
    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE
    assert AccountEvent.objects.filter(account=account, kind="activated").count() == 1
    assert ActivationEvent.objects.filter(outcome=ActivationOutcome.ACTIVATED).count() == 1
    assert [sms["purpose"] for sms in sms_outbox] == ["activation"]


def test_same_event_delivered_at_once_activates_once(
    bank_key, pending_account, sms_outbox, record_property
):
    key, _ = bank_key

    results = race([confirm(key, "evt-same") for _ in range(THREADS)])
    record_property("answers", Counter(r.status for r in results))

    assert all(isinstance(r, ApiResult) for r in results), results
    assert ACTIVATED in results
    for result in results:
        # Overlapping the first delivery: 409, retry; after it committed: its stored answer.
        assert result == ACTIVATED or (result.status, result.body["error"]) == (409, "in_flight")
    assert ActivationEvent.objects.count() == 1
    assert_one_activation(pending_account, sms_outbox)
    # Every retry of a 409 now gets the one stored answer, and changes nothing.
    assert [confirm(key, "evt-same")() for _ in range(THREADS)] == [ACTIVATED] * THREADS
    assert_one_activation(pending_account, sms_outbox)


def test_different_events_for_one_account_at_once_activate_once(
    bank_key, pending_account, sms_outbox
):
    key, _ = bank_key
    calls = [confirm(key, f"evt-{n}") for n in range(THREADS)]

    results = race(calls)

    assert all(isinstance(r, ApiResult) for r in results), results
    assert Counter(r.body.get("status") for r in results) == {
        "activated": 1,
        "already_active": THREADS - 1,
    }
    assert ActivationEvent.objects.count() == THREADS
    assert_one_activation(pending_account, sms_outbox)
    # Each event's replay gives the answer that event got the first time.
    assert [call() for call in calls] == results
    assert ActivationEvent.objects.count() == THREADS


def send_at_once(prepared: list[requests.PreparedRequest]) -> list[tuple[int, dict]]:
    """Send the signed requests to the live server all at once; return (status, JSON)."""

    def send(request: requests.PreparedRequest) -> tuple[int, dict]:
        with requests.Session() as session:
            response = session.send(request, timeout=30)
        return response.status_code, response.json()

    answers = race([lambda r=r: send(r) for r in prepared])
    assert all(isinstance(a, tuple) for a in answers), answers
    return answers  # type: ignore[return-value]


def signed_confirmations(
    signer: BankSigner, event_ids: list[str]
) -> list[requests.PreparedRequest]:
    """One signed request per event id; a repeated id gets the very same body again."""
    bodies = {
        event_id: encode(payload(national_id=CITIZEN_ID, mobile=MOBILE_E164, event_id=event_id))
        for event_id in event_ids
    }
    return [signer.prepare(bodies[event_id]) for event_id in event_ids]


def test_same_signed_request_sent_at_once_over_http_activates_once(
    signer, pending_account, sms_outbox, record_property
):
    answers = send_at_once(signed_confirmations(signer, ["evt-http"] * THREADS))
    record_property("answers", Counter(status for status, _ in answers))

    assert (200, {"status": "activated"}) in answers
    for status, answer in answers:
        assert (status, answer) == (200, {"status": "activated"}) or (
            status,
            answer["error"],
        ) == (409, "in_flight")
    assert ActivationEvent.objects.count() == 1
    assert_one_activation(pending_account, sms_outbox)


def test_different_signed_events_sent_at_once_over_http_activate_once(
    signer, pending_account, sms_outbox
):
    answers = send_at_once(signed_confirmations(signer, [f"evt-http-{n}" for n in range(THREADS)]))

    assert Counter((status, answer.get("status")) for status, answer in answers) == {
        (200, "activated"): 1,
        (200, "already_active"): THREADS - 1,
    }
    assert ActivationEvent.objects.count() == THREADS
    assert_one_activation(pending_account, sms_outbox)
