"""Attacks on issue 15's features (passkeys, the authenticator app, recovery codes, sessions,
the confirm page, staff's strong factor), each written as the attacker would try it, found in
the security review of the issue and failing before its fix."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts import factors
from accounts.models import AccountEvent, User
from accounts.signin import services
from authenticator import recovery_codes
from tests.authenticator_helpers import set_up_app
from tests.factories import code_from_sms, make_user, sign_in_as
from tests.otp_helpers import START
from tests.passkey_helpers import account_with_passkey, post_json, sign_in_options
from tests.people import CITIZEN_ID, MOBILE, PASSWORD
from tests.race_helpers import THREADS, race
from tests.session_helpers import WINDOWS_FIREFOX, browser, sign_in_through_the_pages

pytestmark = pytest.mark.django_db

CONFIRM = reverse("security:confirm")
APP_STEP = reverse("security:confirm_step", args=["app"])
GUARDED = "/test/guarded/"


@pytest.fixture
def account() -> User:
    return make_user("ahmed2024", CITIZEN_ID, MOBILE, preferred_language="en")


# --- the confirm page's app step ignored the lockout ----------------------------------------
def test_the_confirm_pages_app_step_refuses_every_code_while_the_account_is_locked(
    settings, time_machine, account
):
    """Once wrong app codes locked the account, the confirm page went on checking codes: an
    unlimited guessing of the 6 digits for the five minutes after each password."""
    settings.ROOT_URLCONF = "tests.confirm_urls"
    settings.LOGIN_LOCKOUT_FAILURES = 2
    time_machine.move_to(START, tick=False)
    client = sign_in_as(browser(), account)
    app = set_up_app(account)
    time_machine.shift(timedelta(minutes=10))
    client.post(CONFIRM, {"password": PASSWORD, "next": GUARDED})
    client.post(APP_STEP, {"code": "000000"})
    client.post(APP_STEP, {"code": "000000"})
    assert services.lockout_remaining(services.account_key(account)) > 0

    time_machine.shift(timedelta(seconds=31))  # a step the setup did not use
    response = client.post(APP_STEP, {"code": app.now()})
    assert response.status_code == HTTPStatus.OK
    assert "Try again in" in str(response.context["form"].errors["code"][0])
    assert "totp" not in factors.passed(client.session)


# --- a user agent with "%" in it stopped the new-sign-in SMS ----------------------------------
def test_a_percent_sign_in_the_browsers_name_does_not_stop_the_new_sign_in_sms(
    account, sms_outbox, django_capture_on_commit_callbacks
):
    """An attacker signing in with stolen credentials chose a user agent whose browser name
    holds "%" ("x% bot"): the SMS telling the person of the new sign-in failed to be written
    (a ValueError in the second %-formatting) and was never sent."""
    sign_in_through_the_pages(browser(WINDOWS_FIREFOX), sms_outbox, "ahmed2024")
    with django_capture_on_commit_callbacks(execute=True):
        sign_in_through_the_pages(browser("x% bot"), sms_outbox, "ahmed2024")
    [event] = account.events.filter(kind=AccountEvent.Kind.NEW_DEVICE_SIGN_IN)
    assert event.details["browser"] == "x% bot"
    [sms] = [m for m in sms_outbox if m["purpose"] == "security_changed"]
    assert "from x% bot." in sms["body"]


# --- a form token that is not ASCII was a 500 -------------------------------------------------
def test_a_non_ascii_form_token_for_new_recovery_codes_is_refused_not_a_500(account):
    """``secrets.compare_digest`` raises TypeError for a str that is not ASCII: the "make new
    codes" form posted with ``form_token=é`` was a server error instead of a refusal."""
    client = sign_in_as(browser(), account)
    set_up_app(account)
    new_codes = reverse("authenticator:new_codes")
    assert client.get(new_codes).status_code == HTTPStatus.OK  # the form's token kept
    client.raise_request_exception = False
    response = client.post(new_codes, {"form_token": "\u00e9"})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == new_codes
    assert not account.recovery_codes.exists()


# --- a sign-in started with the old password finished after the password changed ----------
@pytest.mark.parametrize("second", ["app", "recovery_code", "sms"])
def test_a_sign_in_half_way_ends_when_the_password_changes(
    account, sms_outbox, time_machine, second
):
    """Someone with a stolen password reaches the second step; the person, alarmed, changes
    the password. The half-way sign-in (good for 15 minutes) still finished with the second
    step and made a session that the new password no longer ends."""
    time_machine.move_to(START, tick=False)
    app = set_up_app(account)
    codes = recovery_codes.recovery_codes_make(user=account)
    time_machine.shift(timedelta(seconds=31))
    attacker = browser()
    response = attacker.post(
        reverse("accounts:login"), {"identifier": "ahmed2024", "password": PASSWORD}
    )
    assert response["Location"] == reverse("authenticator:login_app")
    if second == "sms":
        attacker.post(reverse("accounts:login_verify"), {"sms_instead": "1"})

    account.set_password("A new password 2024!")
    account.save()

    if second == "app":
        response = attacker.post(reverse("authenticator:login_app"), {"code": app.now()})
    elif second == "recovery_code":
        response = attacker.post(reverse("authenticator:login_recovery"), {"code": codes[0]})
    else:
        code = code_from_sms([m for m in sms_outbox if m["purpose"] == "login"][-1])
        response = attacker.post(reverse("accounts:login_verify"), {"code": code})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("accounts:login")
    assert SESSION_KEY not in attacker.session


# --- a passkey challenge used by answers sent at once ----------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
@pytest.mark.usefixtures("public_origin")
def test_one_passkey_challenge_signs_in_once_even_answered_many_times_at_once(settings):
    """A challenge is single-use by being taken out of the session, but requests of one
    session sent at once each read the session before any wrote it back: the same answer of
    a synced passkey (its counter always 0) signed in as many times as it was sent."""
    settings.LOGIN_LOCKOUT_FAILURES = THREADS * 2  # the lockout is not what is tested here
    _account, authenticator = account_with_passkey("sara2024", CITIZEN_ID, MOBILE)
    first = Client()
    answer = authenticator.get(sign_in_options(first), counter=0)
    copies = [Client() for _ in range(THREADS)]
    for copy in copies:
        copy.cookies = first.cookies  # the same session: its one challenge
    outcomes = race(
        [
            lambda c=c: post_json(c, "passkeys:sign_in", {"credential": answer}).status_code
            for c in copies
        ]
    )
    assert outcomes.count(HTTPStatus.OK) == 1, outcomes


def test_an_error_report_from_the_codes_page_hides_the_codes(monkeypatch):
    """A crash while the first recovery codes are shown must not copy them into an error
    report: Django's filter blanks what the views declare sensitive."""
    from django.views.debug import ExceptionReporter

    from authenticator import views

    account = make_user("ahmed2024", CITIZEN_ID, MOBILE, preferred_language="en")
    set_up_app(account)  # a strong factor, and no codes yet
    client = sign_in_as(browser(), account)

    def crash(*args, **kwargs):
        raise RuntimeError("the page could not be drawn")

    monkeypatch.setattr(views, "render", crash)
    with pytest.raises(RuntimeError) as info:
        client.get(reverse("authenticator:first_codes"))
    frames = ExceptionReporter(None, info.type, info.value, info.tb).get_traceback_frames()
    shown = {
        name: value
        for frame in frames
        if frame["filename"].endswith("authenticator/views.py")
        for name, value in frame["vars"]
    }
    assert "codes" in shown
    assert set(str(shown["codes"])) == {"*"}
