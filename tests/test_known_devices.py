"""A stranger cannot lock a person out of sign-in on her own browsers (known devices).

The attack (found by a review of issue 13): the lockout is per account, so anyone who knows a
person's username or ID number can type five wrong passwords and lock her sign-in for
``LOGIN_LOCKOUT_SECONDS``, again and again. Now a browser that completed a sign-in to an account
(password and code) keeps a signed device cookie for it, and on that browser the account's
wrong passwords are counted apart from everyone else's (OWASP's "device cookies"): the
stranger's failures lock the account for browsers it has never signed in from, never for hers.
"""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.test import Client

from accounts.signin import devices
from tests.factories import make_user
from tests.people import CITIZEN_ID, MOBILE, OTHER_CITIZEN_ID, OTHER_MOBILE, PASSWORD
from tests.test_signin import VERIFY, fail, non_field_codes, post_password, sign_in

pytestmark = pytest.mark.django_db

STRANGER = {"REMOTE_ADDR": "198.51.100.66"}
VICTIM = {"REMOTE_ADDR": "203.0.113.77"}


@pytest.fixture
def victim():
    return make_user("Victim2024", CITIZEN_ID, MOBILE)


@pytest.fixture
def her_browser(victim, sms_outbox):
    """The victim's own browser: she signed in there before, then signed out."""
    browser = Client()
    sign_in(browser, sms_outbox, "victim2024", **VICTIM)
    browser.post("/logout/", **VICTIM)
    assert devices.COOKIE_NAME in browser.cookies
    return browser


def test_a_stranger_cannot_lock_a_person_out_of_her_own_browser(her_browser, sms_outbox):
    fail(Client(), "victim2024", 5, **STRANGER)

    response = post_password(her_browser, CITIZEN_ID, PASSWORD, **VICTIM)

    assert response.status_code == HTTPStatus.FOUND, response.content.decode()
    assert response["Location"] == VERIFY


def test_the_strangers_failures_still_lock_browsers_that_never_signed_in(her_browser):
    fail(Client(), "victim2024", 5, **STRANGER)

    response = post_password(Client(), "victim2024", PASSWORD, **STRANGER)

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_wrong_passwords_on_her_browser_lock_only_that_browser(her_browser):
    last = fail(her_browser, "victim2024", 5, **VICTIM)
    assert last.status_code == HTTPStatus.TOO_MANY_REQUESTS

    refused = post_password(her_browser, "victim2024", PASSWORD, **VICTIM)
    elsewhere = post_password(Client(), "victim2024", PASSWORD, **STRANGER)

    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert elsewhere.status_code == HTTPStatus.FOUND


def test_the_strangers_failures_do_not_demand_the_captcha_on_her_browser(her_browser):
    fail(Client(), "victim2024", 3, **STRANGER)

    response = post_password(her_browser, "victim2024", "wrong-Password-1", solve=False, **VICTIM)

    assert non_field_codes(response) == ["invalid_login"]
    assert 'name="captcha_1"' not in response.content.decode()


def test_a_device_cookie_counts_only_for_the_account_it_signed_in_to(her_browser, sms_outbox):
    """Her cookie gives her browser no separate count for someone else's account."""
    make_user("Other2024", OTHER_CITIZEN_ID, OTHER_MOBILE)
    fail(Client(), "other2024", 5, **STRANGER)

    response = post_password(her_browser, "other2024", PASSWORD, **VICTIM)

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_a_forged_or_tampered_device_cookie_is_no_device(victim):
    fail(Client(), "victim2024", 5, **STRANGER)
    browser = Client()
    browser.cookies[devices.COOKIE_NAME] = f'{{"a": {victim.pk}, "d": "x"}}'

    response = post_password(browser, "victim2024", PASSWORD, **VICTIM)

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_the_device_cookie_is_http_only_secure_and_long_lived(victim, sms_outbox, settings):
    settings.SESSION_COOKIE_SECURE = True
    browser = Client()
    sign_in(browser, sms_outbox, "victim2024", **VICTIM)

    cookie = browser.cookies[devices.COOKIE_NAME]

    assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == settings.SIGNIN_DEVICE_DAYS * 24 * 60 * 60
    assert str(victim.national_id) not in cookie.value


def test_signing_in_on_her_browser_lifts_the_captcha_her_own_typos_demanded(
    her_browser, sms_outbox
):
    fail(her_browser, "victim2024", 3, **VICTIM)  # her browser now demands the captcha
    sign_in(her_browser, sms_outbox, "victim2024", **VICTIM)
    her_browser.post("/logout/", **VICTIM)

    response = post_password(her_browser, "victim2024", "wrong-Password-1", solve=False, **VICTIM)

    assert non_field_codes(response) == ["invalid_login"]  # checked, not refused for the captcha
