"""Lockout per account (issue 13 item 2): wrong passwords count against the account, whichever
identifier form was typed; unknown identifiers keep counting per normalised identifier."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_user
from tests.people import CITIZEN_ID, MOBILE, OTHER_CITIZEN_ID, PASSWORD
from tests.test_signin import (
    LOGIN,
    OTHER_IP,
    WRONG_PASSWORD,
    fail,
    field_codes,
    non_field_codes,
    post_password,
)

pytestmark = pytest.mark.django_db

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
THIRD_IP = "198.51.100.7"


@pytest.fixture
def account():
    return make_user("Ahmed2024", CITIZEN_ID, MOBILE)


def test_wrong_passwords_with_username_and_id_number_lock_the_account_on_both_forms(
    client, account, sms_outbox, frozen
):
    fail(client, "AHMED2024", 3)
    fourth = post_password(client, CITIZEN_ID.translate(ARABIC_INDIC), WRONG_PASSWORD)
    assert non_field_codes(fourth) == ["invalid_login"]
    fifth = post_password(client, CITIZEN_ID.translate(ARABIC_INDIC), WRONG_PASSWORD)
    assert fifth.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert non_field_codes(fifth) == ["locked"]
    for identifier in ("ahmed2024", CITIZEN_ID, CITIZEN_ID.translate(ARABIC_INDIC)):
        right = post_password(client, identifier, REMOTE_ADDR=OTHER_IP)
        assert right.status_code == HTTPStatus.TOO_MANY_REQUESTS, identifier
        assert non_field_codes(right) == ["locked"]
    assert sms_outbox == []


def test_captcha_demand_follows_the_account_across_identifier_forms(client, account):
    fail(client, "ahmed2024", 2)
    fail(client, CITIZEN_ID, 1, REMOTE_ADDR=OTHER_IP)
    # Neither address has failed three times: the account demands the captcha.
    elsewhere = client.post(
        LOGIN, {"identifier": "Ahmed2024", "password": PASSWORD}, REMOTE_ADDR=THIRD_IP
    )
    assert field_codes(elsewhere, "captcha") == ["required"]


def test_unknown_identifiers_still_count_per_normalised_identifier(client, account, frozen):
    fail(client, "nobody2024", 3)
    fifth_in_all = fail(client, OTHER_CITIZEN_ID.translate(ARABIC_INDIC), 2)
    assert non_field_codes(fifth_in_all) == ["invalid_login"]
    locked = fail(client, "NOBODY2024", 2)
    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert non_field_codes(locked) == ["locked"]


def _account_queries(client, identifier, ip) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = post_password(client, identifier, WRONG_PASSWORD, solve=False, REMOTE_ADDR=ip)
    assert non_field_codes(response) == ["invalid_login"]
    return sum('"accounts_user"' in query["sql"] for query in queries.captured_queries)


def test_a_password_post_looks_the_account_up_once_known_or_not(client, account):
    known = _account_queries(client, "ahmed2024", "192.0.2.1")
    unknown = _account_queries(client, "nobody2024", "192.0.2.2")
    known_id = _account_queries(client, CITIZEN_ID, "192.0.2.3")
    unknown_id = _account_queries(client, OTHER_CITIZEN_ID, "192.0.2.4")
    assert (known, unknown, known_id, unknown_id) == (1, 1, 1, 1)


def test_an_identifier_with_a_nul_character_finds_no_account_without_a_query(
    django_assert_num_queries,
):
    """The lockout looks the account up before the form's own checks run: a NUL (which
    PostgreSQL refuses in a query, a 500 found by the form fuzzer) must never reach it."""
    from accounts.selectors import find_account_by_identifier

    with django_assert_num_queries(0):
        assert find_account_by_identifier("ahmed\x002024") is None
        assert find_account_by_identifier("\x00") is None
