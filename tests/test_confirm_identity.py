"""Confirm it's you (security:confirm): a stale session sent by a guarded page gives its
password, then the code sent by SMS, and comes back with both factors fresh; the password is
counted as at sign-in, toward the same lockout."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
from typing import Any

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts import factors
from accounts.models import AccountStatus, User
from accounts.signin import devices, services
from security.confirm import flow
from security.confirm.steps import SecondStep
from tests.factories import code_from_sms, make_user, sign_in_as
from tests.otp_helpers import START
from tests.people import CITIZEN_ID, MOBILE, MOBILE_E164, OTHER_CITIZEN_ID, PASSWORD
from tests.session_helpers import browser, sign_in_through_the_pages

pytestmark = pytest.mark.django_db

WRONG = "Wrong7Password"
GUARDED = "/test/guarded/"
CONFIRM = reverse("security:confirm")
SMS_STEP = reverse("security:confirm_step", args=["sms"])


@pytest.fixture(autouse=True)
def guarded_page(settings):
    settings.ROOT_URLCONF = "tests.confirm_urls"


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


@pytest.fixture
def account() -> User:
    return make_user("ahmed2024", CITIZEN_ID, MOBILE, preferred_language="en")


@pytest.fixture
def stale(clock, account, sms_outbox):
    """A browser signed in with password and SMS ten minutes ago, active since."""
    client = browser()
    sign_in_through_the_pages(client, sms_outbox, "ahmed2024")
    clock.shift(timedelta(minutes=10))
    return client


def login_codes(sms_outbox: list[dict]) -> list[dict]:
    return [message for message in sms_outbox if message["purpose"] == "login"]


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_a_stale_session_confirms_with_password_and_code_and_comes_back(stale, clock, sms_outbox):
    response = stale.get(GUARDED)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"{CONFIRM}?next=%2Ftest%2Fguarded%2F"

    page = stale.get(response["Location"])
    assert "<h1>Confirm it's you</h1>" in page.content.decode()
    sent_before = len(login_codes(sms_outbox))
    response = stale.post(CONFIRM, {"password": PASSWORD, "next": GUARDED})
    assert response["Location"] == SMS_STEP
    [sms] = login_codes(sms_outbox)[sent_before:]
    assert sms["to"] == MOBILE_E164
    password_at = int(START.timestamp()) + 600

    clock.shift(timedelta(seconds=40))
    code_page = stale.get(SMS_STEP).content.decode()
    assert "05• ••• •567" in code_page
    response = stale.post(SMS_STEP, {"code": code_from_sms(sms)})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == GUARDED
    assert stale.get(GUARDED).content == b"A change to the ways to sign in."
    assert factors.passed(stale.session) == {"password": password_at, "sms": password_at + 40}
    assert flow.CONFIRM_KEY not in stale.session


def test_a_next_page_that_is_not_a_path_is_never_read_as_a_view_name(clock, account):
    client = sign_in_as(browser(), account)
    response = client.get(CONFIRM, QUERY_STRING="next=%c0%af")
    assert response["Location"] == reverse("security:page")


def test_a_recent_session_goes_straight_back(clock, account, sms_outbox):
    client = browser()
    sign_in_through_the_pages(client, sms_outbox, "ahmed2024")
    assert client.get(GUARDED).status_code == HTTPStatus.OK
    response = client.get(f"{CONFIRM}?next={GUARDED}")
    assert response["Location"] == GUARDED


def test_a_request_for_json_gets_a_403_naming_the_confirm_page(stale):
    response = stale.post(GUARDED, HTTP_ACCEPT="application/json")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json() == {
        "error": "reauthenticate",
        "next": f"{CONFIRM}?next=%2Faccount%2Fsecurity%2F",
    }


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/x", "/\x01bad", "javascript:alert(1)", "admin:index"],
)
def test_a_next_page_elsewhere_is_dropped_for_the_security_page(stale, sms_outbox, next_url):
    stale.post(CONFIRM, {"password": PASSWORD, "next": next_url})
    response = stale.post(SMS_STEP, {"code": code_from_sms(login_codes(sms_outbox)[-1])})
    assert response["Location"] == reverse("security:page")


def test_a_wrong_password_is_refused_and_never_shown_back(stale, sms_outbox):
    before = len(sms_outbox)
    response = stale.post(CONFIRM, {"password": WRONG, "next": GUARDED})
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "Your current password is not correct. Enter it again." in html
    assert WRONG not in html
    assert len(sms_outbox) == before
    assert response.context["form"].errors.as_data()["password"][0].code == "password_incorrect"


def test_wrong_passwords_here_count_toward_the_sign_in_lockout(stale, settings):
    for _ in range(settings.LOGIN_LOCKOUT_FAILURES - 1):
        assert stale.post(CONFIRM, {"password": WRONG}).status_code == HTTPStatus.OK
    locked = stale.post(CONFIRM, {"password": WRONG})
    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    # The right password is refused now, here and at the sign-in of this browser.
    assert stale.post(CONFIRM, {"password": PASSWORD}).status_code == 429
    stale.post(reverse("accounts:logout"))
    sign_in = stale.post(
        reverse("accounts:login"), {"identifier": "ahmed2024", "password": PASSWORD}
    )
    assert sign_in.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_a_browser_without_a_device_cookie_locks_the_account_key(clock, account, settings):
    client = sign_in_as(browser(), account)
    clock.shift(timedelta(minutes=10))
    for _ in range(settings.LOGIN_LOCKOUT_FAILURES):
        client.post(CONFIRM, {"password": WRONG})
    assert services.lockout_remaining(services.account_key(account)) > 0
    elsewhere = browser()
    response = elsewhere.post(
        reverse("accounts:login"), {"identifier": "ahmed2024", "password": PASSWORD}
    )
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_a_sign_in_lockout_closes_the_confirm_page_too(stale, account, settings):
    for _ in range(settings.LOGIN_LOCKOUT_FAILURES):
        services.record_failure(devices.device_key(stale_request(stale), account))
    response = stale.post(CONFIRM, {"password": PASSWORD})
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


def stale_request(client):
    """A request carrying the client's cookies (for its device key)."""
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.COOKIES.update({name: morsel.value for name, morsel in client.cookies.items()})
    return request


def test_a_wrong_code_is_refused_with_the_tries_left(stale, sms_outbox):
    stale.post(CONFIRM, {"password": PASSWORD})
    response = stale.post(SMS_STEP, {"code": "000000"})
    assert response.status_code == HTTPStatus.OK
    assert "The code is not correct. You have 4 more tries." in response.content.decode()
    assert GUARDED not in response.get("Location", "")


def test_the_code_can_be_sent_again_after_the_cooldown(stale, clock, sms_outbox, settings):
    stale.post(CONFIRM, {"password": PASSWORD})
    clock.shift(timedelta(seconds=settings.OTP_RESEND_COOLDOWN_SECONDS))
    response = stale.post(SMS_STEP, {"resend": "1"})
    assert response["Location"] == SMS_STEP
    assert messages_of(response) == ["A new code has been sent to your mobile."]
    assert len(login_codes(sms_outbox)) == 3  # sign-in, confirm, resend
    response = stale.post(SMS_STEP, {"code": code_from_sms(login_codes(sms_outbox)[-1])})
    assert response["Location"] == reverse("security:page")


def test_a_slow_confirmation_starts_again(stale, clock):
    stale.post(CONFIRM, {"password": PASSWORD, "next": GUARDED})
    clock.shift(timedelta(minutes=5))
    response = stale.get(SMS_STEP)
    assert response["Location"] == f"{CONFIRM}?next=%2Ftest%2Fguarded%2F"
    assert messages_of(response) == ["Your confirmation has expired. Enter your password again."]


def test_the_code_page_without_a_confirmation_goes_to_the_password(stale):
    response = stale.get(SMS_STEP)
    assert response["Location"] == f"{CONFIRM}?next=%2Faccount%2Fsecurity%2F"


def test_a_confirmation_made_for_another_account_counts_for_nothing(stale):
    session = stale.session
    session[flow.CONFIRM_KEY] = {
        "account": "999",
        "password_at": int(START.timestamp()) + 600,
        "step": "sms",
        "data": {},
        "next": GUARDED,
    }
    session.save()
    assert stale.get(SMS_STEP)["Location"].startswith(CONFIRM)


def test_an_account_without_a_mobile_is_told_it_cannot_confirm(clock):
    account = make_user("sara2024", OTHER_CITIZEN_ID, "")
    client = sign_in_as(browser(), account)
    clock.shift(timedelta(minutes=10))
    response = client.post(CONFIRM, {"password": PASSWORD})
    assert response.status_code == HTTPStatus.OK
    errors = response.context["form"].non_field_errors().as_data()
    assert [error.code for error in errors] == ["no_second_step"]


def test_a_failed_send_is_shown_on_the_password_page(stale, settings):
    settings.OTP_LIMIT_PER_MOBILE = 1  # the sign-in's code used it up
    response = stale.post(CONFIRM, {"password": PASSWORD})
    assert response.status_code == HTTPStatus.OK
    errors = response.context["form"].non_field_errors().as_data()
    assert [error.code for error in errors] == ["rate_limited"]


def test_the_password_field_helps_password_managers(stale):
    html = stale.get(CONFIRM).content.decode()
    assert 'autocomplete="current-password"' in html
    assert 'autocomplete="username" value="ahmed2024" hidden' in html


def test_the_confirm_pages_are_for_active_signed_in_people(clock):
    assert browser().get(CONFIRM)["Location"].startswith(reverse("accounts:login"))
    pending = make_user("sara2024", OTHER_CITIZEN_ID, "0561234567", status=AccountStatus.PENDING)
    client = sign_in_as(browser(), pending)
    assert client.get(CONFIRM)["Location"] == reverse("accounts:status")


# --- another way, offered beside the SMS ----------------------------------------------------
class AppCodeForm(forms.Form):
    code = forms.CharField(label="App code")


class FakeAppStep(SecondStep):
    """An authenticator app as another helper will add it: a class and a line in the list."""

    slug = "app"
    factor = factors.Factor.TOTP
    offer_label = "Use your authenticator app instead"
    template = "security/confirm/sms.html"
    form_class = AppCodeForm

    def available(self, user: User) -> bool:
        return True

    def begin(self, request: Any, user: User) -> dict:
        return {"started": True}

    def check(self, request: Any, user: User, form: forms.Form, data: dict) -> bool:
        if form.cleaned_data["code"] == "246810" and data == {"started": True}:
            return True
        form.add_error("code", "Wrong app code.")
        return False

    def context(self, request: Any, user: User, form: forms.Form, data: dict) -> dict:
        return {"form": form, "code_minutes": 1, "mobile": ""}


@pytest.fixture
def app_first(monkeypatch):
    from security.confirm import steps

    monkeypatch.setattr(
        steps,
        "SECOND_STEPS",
        ("tests.test_confirm_identity.FakeAppStep", "security.confirm.sms.SmsCodeStep"),
    )


def test_the_first_way_starts_and_another_is_offered_instead(app_first, stale, sms_outbox):
    before = len(login_codes(sms_outbox))
    response = stale.post(CONFIRM, {"password": PASSWORD, "next": GUARDED})
    app_step = reverse("security:confirm_step", args=["app"])
    assert response["Location"] == app_step
    assert len(login_codes(sms_outbox)) == before  # no SMS for the app
    page = stale.get(app_step).content.decode()
    assert "Send a code by SMS instead" in page

    response = stale.post(SMS_STEP, {"switch": "1"})
    assert response["Location"] == SMS_STEP
    assert len(login_codes(sms_outbox)) == before + 1
    assert "Use your authenticator app instead" in stale.get(SMS_STEP).content.decode()
    assert stale.get(app_step)["Location"] == SMS_STEP  # not started: back to the current one


def test_another_way_records_its_own_factor(app_first, stale):
    stale.post(CONFIRM, {"password": PASSWORD, "next": GUARDED})
    app_step = reverse("security:confirm_step", args=["app"])
    assert stale.post(app_step, {"code": "111111"}).status_code == HTTPStatus.OK
    response = stale.post(app_step, {"code": "246810"})
    assert response["Location"] == GUARDED
    assert set(factors.passed(stale.session)) == {"password", "sms", "totp"}
    assert stale.get(GUARDED).status_code == HTTPStatus.OK


def test_an_unknown_way_is_not_found_as_the_current_one(stale):
    stale.post(CONFIRM, {"password": PASSWORD})
    response = stale.post(
        reverse("security:confirm_step", args=["carrier-pigeon"]), {"switch": "1"}
    )
    assert response["Location"] == SMS_STEP
