"""A bank's signed confirmation moves ``portal_bank_confirmations_total`` by bank, channel and
outcome, through the real API (signature, digest, live server), as tests/test_activation_api.py
sends them."""

from __future__ import annotations

from http import HTTPStatus

import pytest

from tests.bank_signing import payload
from tests.metrics_helpers import Moves
from tests.people import CITIZEN_ID, MOBILE_E164, OTHER_CITIZEN_ID

pytest_plugins = ["tests.bank_signing"]

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_an_activation_a_replay_and_a_refusal_each_count_once(signer, pending_account):
    activated = Moves(
        "portal_bank_confirmations_total", bank="anb", channel="app", outcome="activated"
    )
    replayed = Moves(
        "portal_bank_confirmations_total", bank="anb", channel="app", outcome="replayed"
    )
    no_account = Moves(
        "portal_bank_confirmations_total", bank="anb", channel="atm", outcome="no_pending_account"
    )
    body = payload(national_id=CITIZEN_ID, mobile=MOBILE_E164, channel="app")

    first = signer.post(body)
    again = signer.post(body)
    unknown = signer.post(payload(national_id=OTHER_CITIZEN_ID, mobile=MOBILE_E164))

    assert (first.status_code, again.status_code) == (HTTPStatus.OK, HTTPStatus.OK)
    assert unknown.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert (activated.by(), replayed.by(), no_account.by()) == (1, 1, 1)


def test_a_request_with_a_bad_signature_counts_no_confirmation(signer, pending_account):
    anything = Moves("portal_bank_confirmations_total")
    body = payload(national_id=CITIZEN_ID, mobile=MOBILE_E164)
    response = signer.post(body, body_after_signing=b'{"tampered": true}')
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert anything.by() == 0
