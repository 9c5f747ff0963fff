"""Confirm it's you with the authenticator app (authenticator/confirm_step.py): someone with
an app gives the password, then the app's code — no SMS sent — and can still ask for the SMS."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts import factors
from accounts.models import User
from accounts.signin import services
from tests.authenticator_helpers import set_up_app
from tests.factories import make_user, sign_in_as
from tests.otp_helpers import START
from tests.people import CITIZEN_ID, MOBILE, PASSWORD
from tests.session_helpers import browser

pytestmark = pytest.mark.django_db

GUARDED = "/test/guarded/"
CONFIRM = reverse("security:confirm")
APP_STEP = reverse("security:confirm_step", args=["app"])
SMS_STEP = reverse("security:confirm_step", args=["sms"])


@pytest.fixture(autouse=True)
def guarded_page(settings):
    settings.ROOT_URLCONF = "tests.confirm_urls"


@pytest.fixture
def account() -> User:
    return make_user("ahmed2024", CITIZEN_ID, MOBILE, preferred_language="en")


@pytest.fixture
def stale(time_machine, account):
    """Signed in ten minutes ago, with an authenticator app set up."""
    time_machine.move_to(START, tick=False)
    client = sign_in_as(browser(), account)
    time_machine.shift(timedelta(minutes=10))
    return client


def test_the_app_is_asked_first_and_no_sms_is_sent(stale, account, sms_outbox, time_machine):
    app = set_up_app(account)
    response = stale.post(CONFIRM, {"password": PASSWORD, "next": GUARDED})
    assert response["Location"] == APP_STEP
    page = stale.get(APP_STEP).content.decode()
    assert "Enter the 6-digit code from your authenticator app" in page
    assert "Send a code by SMS instead" in page

    time_machine.shift(timedelta(seconds=31))  # a step the setup did not use
    response = stale.post(APP_STEP, {"code": app.now()})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == GUARDED
    passed = factors.passed(stale.session)
    assert passed["totp"] == passed["password"] + 31  # both fresh; the old SMS time stays old
    assert factors.recently_passed_second_factor(stale.session, within_seconds=60)
    assert sms_outbox == []


def test_a_wrong_app_code_is_refused_and_counted_toward_the_lockout(stale, account, settings):
    set_up_app(account)
    settings.LOGIN_LOCKOUT_FAILURES = 2
    stale.post(CONFIRM, {"password": PASSWORD, "next": GUARDED})
    first = stale.post(APP_STEP, {"code": "000000"})
    assert first.status_code == HTTPStatus.OK
    assert first.context["form"].errors["code"]
    second = stale.post(APP_STEP, {"code": "000000"})
    assert services.lockout_remaining(services.account_key(account)) > 0
    assert "Try again in" in str(second.context["form"].errors["code"][0])
    assert "totp" not in factors.passed(stale.session)


def test_the_sms_can_be_chosen_instead(stale, account, sms_outbox):
    set_up_app(account)
    stale.post(CONFIRM, {"password": PASSWORD, "next": GUARDED})
    response = stale.post(SMS_STEP, {"switch": "1"})
    assert response["Location"] == SMS_STEP
    assert [m["purpose"] for m in sms_outbox] == ["login"]
