"""Racing bank confirmations on a real database: one activation, one SMS (DESIGN §8, §12).

The service (``activation_confirm``) is called directly from several threads released together
by a ``threading.Barrier``, each on its own database connection: that makes the calls overlap
as tightly as possible. One more test sends the same race as signed HTTP requests to the live
server, to prove the whole stack answers it (409 / replayed 200, never a 5xx). SQLite
serialises writers with a database-wide lock, so these prove something only on PostgreSQL.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
import requests
from django.db import connection

from accounts.models import AccountEvent, AccountStatus
from activation.models import ActivationEvent, ActivationOutcome
from activation.services import ApiResult, Confirmation, activation_confirm
from tests.bank_signing import (
    encode,
    payload,
)
from tests.factories import make_user

THREADS = 8
CITIZEN_ID = "1000000008"
MOBILE = "+966551234567"

# The fixtures anb_bank, bank_key, api_origin and signer. The serialized rollback restores the
# seeded banks before each test and flushes without re-creating content types afterwards, as
# other serialized live-server tests expect.
pytest_plugins = ["tests.bank_signing"]

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises all writers, so races cannot happen "
        "(set DATABASE_URL=postgres://...)",
    ),
]


@pytest.fixture
def pending_account():
    return make_user("racer2024", CITIZEN_ID, MOBILE, status=AccountStatus.PENDING)


def race(calls: list[Callable[[], object]]) -> list[object]:
    """Run each call in its own thread, all released together; return results or exceptions."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def work(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[index] = call()
        except BaseException as exc:  # recorded and checked by the test
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a racing call hung"
    return outcomes


CONFIRMED_AT = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def confirmation(event_id: str) -> Confirmation:
    return Confirmation(
        event_id=event_id,
        national_id=CITIZEN_ID,
        mobile=MOBILE,
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


def test_same_event_delivered_at_once_activates_once(bank_key, pending_account, sms_outbox):
    key, _ = bank_key

    results = race([confirm(key, "evt-same") for _ in range(THREADS)])

    assert all(isinstance(r, ApiResult) for r in results), results
    activated = ApiResult(200, {"status": "activated"})
    assert activated in results
    for result in results:
        assert result == activated or (result.status, result.body["error"]) == (409, "in_flight")
    assert ActivationEvent.objects.count() == 1
    assert_one_activation(pending_account, sms_outbox)


def test_different_events_for_one_account_at_once_activate_once(
    bank_key, pending_account, sms_outbox
):
    key, _ = bank_key

    results = race([confirm(key, f"evt-{n}") for n in range(THREADS)])

    assert all(isinstance(r, ApiResult) for r in results), results
    statuses = Counter(r.body.get("status") for r in results)
    assert statuses == {"activated": 1, "already_active": THREADS - 1}
    assert ActivationEvent.objects.count() == THREADS
    assert_one_activation(pending_account, sms_outbox)


def test_same_signed_request_sent_at_once_over_http_activates_once(
    signer, pending_account, sms_outbox
):
    body = encode(payload(national_id=CITIZEN_ID, mobile=MOBILE, event_id="evt-http"))
    requests_to_send = [signer.prepare(body) for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)

    def send(prepared: requests.PreparedRequest) -> tuple[int, dict]:
        barrier.wait(timeout=30)
        with requests.Session() as session:
            response = session.send(prepared, timeout=30)
        return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        answers = list(pool.map(send, requests_to_send))

    assert (200, {"status": "activated"}) in answers
    for status, answer in answers:
        assert (status, answer) == (200, {"status": "activated"}) or (
            status,
            answer["error"],
        ) == (409, "in_flight")
    assert_one_activation(pending_account, sms_outbox)
