"""Where you are signed in (security page): the list, and ending one session or all the others.
An ended session is really ended: its store entry is gone, so its cookie no longer works."""

from __future__ import annotations

import re
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.contrib.messages import get_messages
from django.contrib.sessions.backends.cached_db import SessionStore
from django.core.cache import cache
from django.urls import reverse

from accounts.models import User
from security.models import SignedInSession
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

PAGE = reverse("security:page")


@pytest.fixture
def account() -> User:
    return make_user("ahmed2024", CITIZEN_ID, MOBILE, preferred_language="en")


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


@pytest.fixture
def phone(account, sms_outbox):
    client = browser(ANDROID_CHROME, address="198.51.100.7")
    sign_in_through_the_pages(client, sms_outbox, "ahmed2024")
    return client


@pytest.fixture
def laptop(account, sms_outbox):
    client = browser(WINDOWS_FIREFOX, address="203.0.113.9")
    sign_in_through_the_pages(client, sms_outbox, "ahmed2024")
    return client


def record_of(client) -> SignedInSession:
    return SignedInSession.objects.get(key_digest=_digest(client))


def _digest(client) -> str:
    from security.sessions.keys import digest

    return digest(client.cookies["sessionid"].value)


def session_names(html: str) -> list[str]:
    """The sessions' headings, in order, as text."""
    found = re.findall(r'<h3 class="session-name">(.*?)</h3>', html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", name).split()) for name in found]


def headings(response) -> list[str]:
    return re.findall(r"<h1[^>]*>(.*?)</h1>", response.content.decode(), re.S)


def end(client, target):
    return client.post(reverse("security:end_session", args=[target.pk]))


def test_the_list_shows_every_session_this_browser_first_and_marked(account, sms_outbox, clock):
    phone = browser(ANDROID_CHROME, address="198.51.100.7")
    sign_in_through_the_pages(phone, sms_outbox, "ahmed2024")
    clock.shift(timedelta(minutes=2))
    laptop = browser(WINDOWS_FIREFOX, address="203.0.113.9")
    sign_in_through_the_pages(laptop, sms_outbox, "ahmed2024")
    clock.shift(timedelta(minutes=1))

    html = phone.get(PAGE).content.decode()
    assert session_names(html) == ["Chrome on Android This browser", "Firefox on Windows"]
    assert "198.51.100.7" in html and "203.0.113.9" in html
    assert html.count('class="tag"') == 1
    assert "Sign out of all other browsers" in html


def test_the_list_is_newest_activity_first_after_this_browser(account, sms_outbox, clock):
    here = sign_in_as(browser(), account)
    older = browser(WINDOWS_FIREFOX)
    sign_in_through_the_pages(older, sms_outbox, "ahmed2024")
    clock.shift(timedelta(minutes=1))
    newer = browser(IPHONE_SAFARI)
    sign_in_through_the_pages(newer, sms_outbox, "ahmed2024")
    clock.shift(timedelta(seconds=REFRESH_SECONDS))
    older.get(PAGE)  # active again: now the latest of the two

    names = session_names(here.get(PAGE).content.decode())
    assert names[1:] == ["Firefox on Windows", "Safari on iOS"]
    assert names[0].endswith("This browser")


def test_a_lone_session_offers_no_sign_out_of_others(phone):
    html = phone.get(PAGE).content.decode()
    assert len(session_names(html)) == 1
    assert "Sign out of all other browsers" not in html


def test_signing_out_another_browser_ends_its_session_in_the_store(phone, laptop):
    laptop_key = laptop.cookies["sessionid"].value
    response = end(phone, record_of(laptop))

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == PAGE
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "You signed out of Firefox on Windows."
    ]
    assert not SessionStore().exists(laptop_key)
    assert not is_signed_in(laptop)
    assert is_signed_in(phone)
    assert session_names(phone.get(PAGE).content.decode()) == ["Chrome on Android This browser"]


def test_an_ended_session_put_back_in_the_cache_by_a_racing_save_stays_signed_out(phone, laptop):
    """cached_db writes the cache after a save's commit: a laptop request saving its session
    while the phone ends it can put it back in Redis. The ending's mark refuses it on the very
    next request, not a minute later (decision 278)."""
    laptop_key = laptop.cookies["sessionid"].value
    racing_copy = SessionStore(laptop_key).load()
    end(phone, record_of(laptop))
    cache.set(SessionStore(laptop_key).cache_key, racing_copy)  # the racing save's cache write
    assert not is_signed_in(laptop)


def test_a_signed_out_session_put_back_in_the_cache_by_a_racing_save_stays_signed_out(
    laptop,
):
    laptop_key = laptop.cookies["sessionid"].value
    racing_copy = SessionStore(laptop_key).load()
    laptop.post(reverse("accounts:logout"))
    cache.set(SessionStore(laptop_key).cache_key, racing_copy)  # a second tab's save
    laptop.cookies["sessionid"] = laptop_key  # the racing response sent the cookie again
    assert not is_signed_in(laptop)


def test_signing_out_of_every_other_browser_keeps_only_this_one(account, phone, laptop, sms_outbox):
    tablet = browser(IPHONE_SAFARI)
    sign_in_through_the_pages(tablet, sms_outbox, "ahmed2024")

    response = phone.post(reverse("security:end_other_sessions"))

    assert response["Location"] == PAGE
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "You signed out of every other browser."
    ]
    assert not is_signed_in(laptop) and not is_signed_in(tablet)
    assert is_signed_in(phone)
    assert list(SignedInSession.objects.filter(account=account)) == [record_of(phone)]


def test_signing_out_of_others_when_there_are_none_says_so(phone):
    response = phone.post(reverse("security:end_other_sessions"))
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "You were not signed in on any other browser."
    ]
    assert is_signed_in(phone)


def test_signing_out_this_browser_from_the_list_signs_out_here(phone, laptop):
    response = end(phone, record_of(phone))
    assert response["Location"] == reverse("accounts:home")
    assert not is_signed_in(phone)
    assert is_signed_in(laptop)
    assert SignedInSession.objects.count() == 1


def test_another_accounts_session_is_refused_as_if_it_did_not_exist(phone, sms_outbox):
    make_user("sara2024", OTHER_CITIZEN_ID, OTHER_MOBILE)
    hers = browser(IPHONE_SAFARI)
    sign_in_through_the_pages(hers, sms_outbox, "sara2024")
    her_record = record_of(hers)

    attack = end(phone, her_record)
    missing = phone.post(
        reverse("security:end_session", args=["6f1c1c1e-0000-4000-8000-000000000000"])
    )

    assert attack.status_code == missing.status_code == HTTPStatus.NOT_FOUND
    assert headings(attack) == headings(missing)
    assert is_signed_in(hers)
    assert SignedInSession.objects.filter(pk=her_record.pk).exists()


def test_ending_sessions_takes_a_post_and_a_signed_in_person(phone, laptop):
    url = reverse("security:end_session", args=[record_of(laptop).pk])
    assert phone.get(url).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert phone.get(reverse("security:end_other_sessions")).status_code == 405
    stranger = browser()
    response = stranger.post(url)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("accounts:login"))
    assert is_signed_in(laptop)


def test_ending_a_session_needs_the_forms_csrf_token(account, laptop):
    attacker_page = browser(enforce_csrf_checks=True)
    sign_in_as(attacker_page, account)
    response = attacker_page.post(reverse("security:end_session", args=[record_of(laptop).pk]))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert is_signed_in(laptop)


def test_a_malformed_session_id_is_a_plain_404(phone):
    response = phone.post("/account/security/sessions/not-a-uuid/sign-out/")
    assert response.status_code == HTTPStatus.NOT_FOUND


def test_a_session_ended_by_a_password_change_leaves_the_list(account, phone, laptop):
    response = phone.post(
        reverse("accounts:change_password"),
        {
            "old_password": PASSWORD,
            "new_password1": "Fresh7Garden2",
            "new_password2": "Fresh7Garden2",
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    laptop_record = record_of(laptop)

    assert session_names(phone.get(PAGE).content.decode()) == ["Chrome on Android This browser"]
    # The record is gone and so is the session: it held the old password's auth hash.
    assert not SignedInSession.objects.filter(pk=laptop_record.pk).exists()
    assert not is_signed_in(laptop)


def test_a_session_that_timed_out_leaves_the_list(clock, account, phone, laptop):
    for _ in range(3):  # the phone stays active; the laptop is left alone past 30 minutes
        clock.shift(timedelta(minutes=11))
        phone.get(PAGE)
    assert session_names(phone.get(PAGE).content.decode()) == ["Chrome on Android This browser"]
    assert SignedInSession.objects.count() == 1


def test_a_record_whose_session_is_gone_from_the_store_leaves_the_list(phone, laptop):
    SessionStore().delete(laptop.cookies["sessionid"].value)  # e.g. clearsessions
    assert session_names(phone.get(PAGE).content.decode()) == ["Chrome on Android This browser"]
    assert SignedInSession.objects.count() == 1


def test_the_section_is_the_last_of_the_security_page():
    from security.sections import SECTION_PROVIDERS

    assert SECTION_PROVIDERS[-1] == "security.sessions.section.sessions_section"


def test_the_section_in_arabic_isolates_the_browser_names(account, phone):
    phone.cookies["django_language"] = "ar"
    html = phone.get(PAGE).content.decode()
    assert "أين سجّلت الدخول" in html
    assert "\u2066Chrome\u2069 على \u2066Android\u2069" in html
    assert "هذا المتصفح" in html
