"""The records of signed-in sessions (security.sessions.records): written at every sign-in, kept
current at most once a minute, moved with a cycled key, removed at sign-out and when ended."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from security.models import SignedInSession
from security.sessions import browsers, keys
from security.sessions.records import REFRESH_SECONDS
from tests.factories import make_user, sign_in_as
from tests.otp_helpers import START
from tests.people import CITIZEN_ID, MOBILE, OTHER_CITIZEN_ID, OTHER_MOBILE, PASSWORD
from tests.session_helpers import (
    ANDROID_CHROME,
    IPHONE_SAFARI,
    WINDOWS_FIREFOX,
    browser,
    is_signed_in,
    sign_in_through_the_pages,
)

pytestmark = pytest.mark.django_db

TABLE = SignedInSession._meta.db_table


@pytest.fixture
def account() -> User:
    return make_user("ahmed2024", CITIZEN_ID, MOBILE, preferred_language="en")


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def session_key(client) -> str:
    return client.cookies["sessionid"].value


def table_queries(queries) -> list[str]:
    return [query["sql"] for query in queries if TABLE in query["sql"]]


def test_a_sign_in_records_the_session_with_its_browser_system_and_address(
    account, sms_outbox, clock
):
    client = browser(ANDROID_CHROME, address="198.51.100.7")
    sign_in_through_the_pages(client, sms_outbox, "ahmed2024")

    record = SignedInSession.objects.get()
    assert record.account == account
    assert (record.browser, record.platform) == ("Chrome", "Android")
    assert record.ip_address == "198.51.100.7"
    assert record.user_agent == ANDROID_CHROME
    assert record.created_at == record.last_seen_at == timezone.now()


def test_the_session_key_is_kept_only_as_a_digest_and_a_sealed_copy(account, sms_outbox):
    client = browser()
    sign_in_through_the_pages(client, sms_outbox, "ahmed2024")
    key = session_key(client)

    record = SignedInSession.objects.get()
    assert record.key_digest == hashlib.sha256(key.encode()).hexdigest()
    stored = [str(getattr(record, field.attname)) for field in SignedInSession._meta.fields]
    assert not any(key in value for value in stored)
    assert keys.unseal(record.sealed_key) == key


def test_a_sealed_key_still_opens_after_a_key_rotation_but_not_after_the_fallback_goes(settings):
    sealed = keys.seal("k" * 32)
    old_secret = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = [old_secret]
    assert keys.unseal(sealed) == "k" * 32
    settings.SECRET_KEY_FALLBACKS = []
    assert keys.unseal(sealed) is None
    assert keys.unseal("not a token") is None


def test_any_door_that_calls_login_records_the_session(account):
    client = sign_in_as(browser(), account)  # force_login: the test client's door
    assert SignedInSession.objects.filter(account=account).count() == 1
    assert keys.unseal(SignedInSession.objects.get().sealed_key) == session_key(client)


def test_signing_out_removes_the_record(account, sms_outbox):
    client = browser()
    sign_in_through_the_pages(client, sms_outbox, "ahmed2024")
    client.post(reverse("accounts:logout"))
    assert not SignedInSession.objects.exists()


def test_signing_in_again_in_the_same_browser_keeps_one_record(account, sms_outbox, clock):
    client = browser()
    sign_in_through_the_pages(client, sms_outbox, "ahmed2024")
    clock.shift(timedelta(minutes=5))
    sign_in_through_the_pages(client, sms_outbox, "ahmed2024")

    record = SignedInSession.objects.get()
    assert keys.unseal(record.sealed_key) == session_key(client)
    assert record.created_at == START + timedelta(minutes=5)  # a new sign-in


def test_last_activity_is_written_at_most_once_a_minute_and_costs_no_query_between(account, clock):
    client = sign_in_as(browser(), account)
    account_page = reverse("accounts:account")
    client.get(account_page)  # the first request after signing in

    clock.shift(REFRESH_SECONDS - 1)
    with CaptureQueriesContext(connection) as within_the_minute:
        assert client.get(account_page).status_code == 200
    assert table_queries(within_the_minute.captured_queries) == []
    assert SignedInSession.objects.get().last_seen_at == START

    clock.shift(1)
    with CaptureQueriesContext(connection) as after_a_minute:
        assert client.get(account_page).status_code == 200
    [update] = table_queries(after_a_minute.captured_queries)
    assert update.startswith("UPDATE")
    assert SignedInSession.objects.get().last_seen_at == START + timedelta(seconds=REFRESH_SECONDS)


def test_a_password_change_moves_the_record_to_the_new_session_key(account, sms_outbox):
    client = browser()
    sign_in_through_the_pages(client, sms_outbox, "ahmed2024")
    before = session_key(client)
    response = client.post(
        reverse("accounts:change_password"),
        {
            "old_password": PASSWORD,
            "new_password1": "Fresh7Garden2",
            "new_password2": "Fresh7Garden2",
        },
    )
    assert response.status_code == 302

    record = SignedInSession.objects.get()
    assert session_key(client) != before
    assert record.key_digest == keys.digest(session_key(client))
    assert keys.unseal(record.sealed_key) == session_key(client)
    page = client.get(reverse("security:page")).content.decode()
    assert "This browser" in page


def test_records_of_sessions_past_their_limits_are_swept_at_the_next_sign_in(account, clock):
    other = make_user("sara2024", OTHER_CITIZEN_ID, OTHER_MOBILE)
    sign_in_as(browser(), account)
    clock.shift(timedelta(minutes=32, seconds=REFRESH_SECONDS))
    sign_in_as(browser(), other)  # anyone's sign-in sweeps
    assert list(SignedInSession.objects.values_list("account", flat=True)) == [other.pk]


def test_records_past_the_absolute_limit_are_swept_even_while_active(account, clock, settings):
    client = sign_in_as(browser(), account)
    for _ in range(settings.SESSION_ABSOLUTE_SECONDS // (20 * 60)):
        clock.shift(timedelta(minutes=20))
        client.get(reverse("security:page"))
    sign_in_as(browser(), make_user("sara2024", OTHER_CITIZEN_ID, OTHER_MOBILE))
    assert not SignedInSession.objects.filter(account=account).exists()


def test_a_session_whose_record_was_removed_is_signed_out_at_its_next_refresh(account, clock):
    client = sign_in_as(browser(), account)
    SignedInSession.objects.all().delete()  # ended elsewhere, the store entry surviving a race
    clock.shift(REFRESH_SECONDS)
    response = client.get(reverse("accounts:account"))
    assert response.status_code == 302
    assert not is_signed_in(client)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Your session has ended. Sign in again to continue."
    ]


def test_a_session_from_before_the_records_existed_is_left_alone(account, clock):
    client = sign_in_as(browser(), account)
    session = client.session
    del session["_portal_session_record"]
    session.save()
    SignedInSession.objects.all().delete()
    clock.shift(REFRESH_SECONDS)
    assert is_signed_in(client)


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [
        (ANDROID_CHROME, ("Chrome", "Android")),
        (WINDOWS_FIREFOX, ("Firefox", "Windows")),
        (IPHONE_SAFARI, ("Safari", "iOS")),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/17.4 Safari/605.1.15",
            ("Safari", "macOS"),
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0",
            ("Edge", "Windows"),
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like "
            "Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36",
            ("Samsung Internet", "Android"),
        ),
        ("curl/8.0", ("curl", "")),
        ("", ("", "")),
        ("\x00\x01 nothing \u202e here", ("", "")),
    ],
)
def test_the_browser_and_system_are_named_as_people_call_them(user_agent, expected):
    found = browsers.identify(user_agent)
    assert (found.name, found.platform) == expected


def test_a_user_agent_with_invisible_controls_is_kept_without_them(account, sms_outbox):
    hostile = "Evil\u202eBrowser/1.0 (Windows NT 10.0)\x07" + "x" * 500
    sign_in_through_the_pages(browser(hostile), sms_outbox, "ahmed2024")
    record = SignedInSession.objects.get()
    assert "\u202e" not in record.user_agent and "\x07" not in record.user_agent
    assert len(record.user_agent) == browsers.USER_AGENT_MAX
    assert browsers.clean_name("Bad\u202eName\u2066") == "BadName"


def test_an_address_the_portal_cannot_read_is_not_kept(account, sms_outbox):
    sign_in_through_the_pages(browser(address="not-an-address"), sms_outbox, "ahmed2024")
    assert SignedInSession.objects.get().ip_address is None
