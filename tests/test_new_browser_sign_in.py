"""A sign-in from a browser new to the account is recorded and told by SMS, in the person's
language, whichever way the person signed in (security.sessions.new_browser)."""

from __future__ import annotations

import pytest
from django.contrib.auth import login
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.cached_db import SessionStore
from django.core import signing
from django.http import HttpResponse
from django.test import RequestFactory

from accounts import factors
from accounts.models import AccountEvent, User
from accounts.signin import devices
from security.sessions.middleware import SessionActivityMiddleware
from tests.factories import make_user, sign_in_as
from tests.people import CITIZEN_ID, MOBILE, MOBILE_E164, OTHER_CITIZEN_ID, OTHER_MOBILE
from tests.session_helpers import (
    ANDROID_CHROME,
    WINDOWS_FIREFOX,
    browser,
    sign_in_through_the_pages,
)

pytestmark = pytest.mark.django_db

Kind = AccountEvent.Kind
IF_NOT_YOU = {
    "en": "If this was not you, contact Absher portal support at once.",
    "ar": "إذا لم تكن أنت، فتواصل مع دعم بوابة أبشر فورًا.",
}


@pytest.fixture
def account() -> User:
    return make_user("ahmed2024", CITIZEN_ID, MOBILE, preferred_language="en")


def new_browser_events(account: User) -> list[AccountEvent]:
    return list(account.events.filter(kind=Kind.NEW_DEVICE_SIGN_IN))


def notices(sms_outbox: list[dict]) -> list[dict]:
    return [message for message in sms_outbox if message["purpose"] == "security_changed"]


def test_the_first_sign_in_of_an_account_tells_nothing(account, sms_outbox):
    client = browser()
    response = sign_in_through_the_pages(client, sms_outbox, "ahmed2024")
    assert new_browser_events(account) == []
    assert devices.COOKIE_NAME in response.cookies
    account.refresh_from_db()
    assert account.last_login is not None  # Django's own receiver still ran, after ours


@pytest.mark.parametrize(
    ("language", "device"),
    [
        ("en", "Chrome on Android"),
        ("ar", "\u2066Chrome\u2069 على \u2066Android\u2069"),
    ],
)
def test_a_sign_in_from_a_new_browser_is_recorded_and_told_in_the_persons_language(
    account, sms_outbox, django_capture_on_commit_callbacks, language, device
):
    sign_in_through_the_pages(browser(WINDOWS_FIREFOX), sms_outbox, "ahmed2024")
    account.preferred_language = language
    account.save(update_fields=["preferred_language"])

    with django_capture_on_commit_callbacks(execute=True):
        sign_in_through_the_pages(browser(ANDROID_CHROME), sms_outbox, "ahmed2024")

    [event] = new_browser_events(account)
    assert event.source == "signin"
    assert event.details == {"device": device, "browser": "Chrome", "platform": "Android"}
    [sms] = notices(sms_outbox)
    assert sms["to"] == MOBILE_E164
    assert device in sms["body"]
    assert sms["body"].endswith(IF_NOT_YOU[language])
    if language == "en":
        assert sms["body"].startswith("New sign-in to your Absher portal account at ")


def test_the_same_browser_signing_in_again_tells_nothing(account, sms_outbox):
    client = browser()
    sign_in_through_the_pages(client, sms_outbox, "ahmed2024")
    client.post("/logout/")
    sign_in_through_the_pages(client, sms_outbox, "ahmed2024")
    assert new_browser_events(account) == []


def test_a_browser_known_to_another_account_is_new_to_this_one(account, sms_outbox):
    make_user("sara2024", OTHER_CITIZEN_ID, OTHER_MOBILE)
    sign_in_through_the_pages(browser(WINDOWS_FIREFOX), sms_outbox, "ahmed2024")
    shared = browser()
    sign_in_through_the_pages(shared, sms_outbox, "sara2024")
    shared.post("/logout/")
    sign_in_through_the_pages(shared, sms_outbox, "ahmed2024")
    assert len(new_browser_events(account)) == 1


def test_a_browser_whose_device_cookie_was_forged_is_new(account, sms_outbox):
    sign_in_through_the_pages(browser(WINDOWS_FIREFOX), sms_outbox, "ahmed2024")
    client = browser()
    # Signed, but not with the portal's device salt: as if made by another of its cookies.
    client.cookies[devices.COOKIE_NAME] = signing.dumps({"a": account.pk, "d": "x"}, salt="other")
    sign_in_through_the_pages(client, sms_outbox, "ahmed2024")
    assert len(new_browser_events(account)) == 1


def test_every_door_that_signs_in_is_checked(account):
    sign_in_as(browser(), account)  # the test client's force_login: the first sign-in
    sign_in_as(browser(), account)  # a second browser, without a device cookie
    assert len(new_browser_events(account)) == 1


def door_without_a_device_cookie(user: User, cookies: dict[str, str] | None = None):
    """A sign-in door as a passkey's will be: ``login()`` and its factor, no ``remember()``;
    run through the middleware as a real request is."""

    def view(request):
        login(request, user, backend="accounts.backends.UsernameBackend")
        factors.record(request.session, factors.Factor.WEBAUTHN)
        return HttpResponse("signed in")

    request = RequestFactory().post("/passkey/", HTTP_USER_AGENT=ANDROID_CHROME)
    request.COOKIES.update(cookies or {})
    request.session = SessionStore()
    request.user = AnonymousUser()
    request._messages = None  # not read: the session has no record to refresh
    return SessionActivityMiddleware(view)(request)


def test_a_door_that_sets_no_device_cookie_gets_one_from_the_middleware(account, sms_outbox):
    sign_in_through_the_pages(browser(WINDOWS_FIREFOX), sms_outbox, "ahmed2024")
    account.refresh_from_db()  # as a door reads the account: it signed in before

    response = door_without_a_device_cookie(account)
    assert len(new_browser_events(account)) == 1
    cookie = response.cookies[devices.COOKIE_NAME].value
    assert response.cookies[devices.COOKIE_NAME]["httponly"]

    door_without_a_device_cookie(account, {devices.COOKIE_NAME: cookie})
    assert len(new_browser_events(account)) == 1  # the same browser: nothing more told
