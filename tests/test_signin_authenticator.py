"""Signing in with the authenticator app or a recovery code (design.md §7, §19): after the right
password an account with an app is asked for the app's code and sent no SMS; "Send a code by
SMS instead" leads to the SMS code page as before; a recovery code works once and says how many
are left. Wrong codes count with wrong passwords toward the same lockout (decision 245)."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from accounts import factors, lifecycle
from accounts.error_messages import lockout_message
from accounts.models import AccountEvent
from accounts.signin import devices
from accounts.signin.services import PENDING_SIGNIN_KEY, account_key, lockout_remaining
from authenticator import recovery_codes
from tests.authenticator_helpers import make_codes, set_up_app
from tests.factories import code_from_sms, make_user
from tests.people import CITIZEN_ID, MOBILE, PASSWORD, STAFF_MOBILE
from tests.test_signin import LOGIN, VERIFY, post_password

pytestmark = pytest.mark.django_db

APP = reverse("authenticator:login_app")
RECOVERY = reverse("authenticator:login_recovery")
ACCOUNT = reverse("accounts:account")


@pytest.fixture
def account():
    return make_user("Ahmed2024", CITIZEN_ID, MOBILE, preferred_language="en")


@pytest.fixture
def app(account, frozen):
    """The account's app; the clock moved on one step past the code that set it up."""
    phone = set_up_app(account)
    frozen.shift(30)
    return phone


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def passed_factors(client) -> set[str]:
    return set(factors.passed(client.session))


# --- the password step ------------------------------------------------------------------------
def test_an_account_with_an_app_is_asked_for_its_code_and_sent_no_sms(
    client, account, app, sms_outbox, english
):
    response = post_password(client, "ahmed2024")
    assert response.status_code == HTTPStatus.FOUND and response["Location"] == APP
    assert sms_outbox == []
    page = client.get(APP)
    html = page.content.decode()
    assert "Enter the 6-digit code from your authenticator app" in html
    assert 'name="sms_instead"' in html and f'action="{VERIFY}"' in html
    assert f'href="{RECOVERY}"' not in html  # no recovery codes yet: no dead end offered


def test_the_apps_code_signs_in_with_the_password_and_the_app_recorded(client, account, app):
    post_password(client, "ahmed2024")
    response = client.post(APP, {"code": app.now()})
    assert response.status_code == HTTPStatus.FOUND and response["Location"] == ACCOUNT
    assert client.session[SESSION_KEY] == str(account.pk)
    assert passed_factors(client) == {"password", "totp"}
    assert factors.passed_strong_factor(client.session)
    assert PENDING_SIGNIN_KEY not in client.session
    assert devices.COOKIE_NAME in response.cookies
    assert client.get(ACCOUNT).status_code == HTTPStatus.OK


def test_the_apps_code_goes_on_to_the_page_the_sign_in_was_given(client, account, app):
    security = reverse("security:page")
    response = client.post(
        LOGIN, {"identifier": "ahmed2024", "password": PASSWORD, "next": security}
    )
    assert response["Location"] == APP
    assert client.post(APP, {"code": app.now()})["Location"] == security


def test_a_code_used_once_is_refused_the_second_time(client, account, app, english):
    code = app.now()
    post_password(client, "ahmed2024")
    client.post(APP, {"code": code})
    client.post(reverse("accounts:logout"))
    post_password(client, "ahmed2024")
    response = client.post(APP, {"code": code})
    assert response.status_code == HTTPStatus.OK
    errors = response.context["form"].errors.as_data()["code"]
    assert [error.code for error in errors] == ["used"]
    assert "already been used" in response.content.decode()
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize("typed", ["", "12345", "abcdef", "1234567"])
def test_a_code_that_is_not_six_digits_is_asked_again_and_not_counted(client, account, app, typed):
    post_password(client, "ahmed2024")
    for _ in range(6):
        response = client.post(APP, {"code": typed})
        assert response.status_code == HTTPStatus.OK
    assert lockout_remaining(account_key(account)) == 0


def test_arabic_indic_digits_are_read(client, account, app):
    post_password(client, "ahmed2024")
    arabic = app.now().translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert client.post(APP, {"code": arabic})["Location"] == ACCOUNT


# --- wrong codes and the lockout ----------------------------------------------------------------
def test_wrong_app_codes_count_toward_the_lockout_of_wrong_passwords(
    client, account, app, english, sms_outbox
):
    post_password(client, "ahmed2024")
    for _ in range(4):
        response = client.post(APP, {"code": wrong(app.now())})
        assert response.status_code == HTTPStatus.OK
        assert [e.code for e in response.context["form"].errors.as_data()["code"]] == ["wrong"]
    locked = client.post(APP, {"code": wrong(app.now())})
    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert locked.context["message"] == lockout_message(15 * 60)
    assert PENDING_SIGNIN_KEY not in client.session
    # The account is locked at the password step too, here and in any new browser.
    assert post_password(client, "ahmed2024").status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert lockout_remaining(account_key(account)) > 0
    assert sms_outbox == []


def test_wrong_passwords_and_wrong_codes_add_up(client, account, app):
    for _ in range(3):
        post_password(client, "ahmed2024", "Wr0ngPassw9x")
    post_password(client, "ahmed2024")
    client.post(APP, {"code": wrong(app.now())})
    locked = client.post(APP, {"code": wrong(app.now())})
    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_while_locked_even_the_right_code_is_refused(client, account, app, english):
    post_password(client, "ahmed2024")
    for _ in range(4):
        client.post(APP, {"code": wrong(app.now())})
    second_tab = client.session[PENDING_SIGNIN_KEY]
    client.post(APP, {"code": wrong(app.now())})  # locks
    session = client.session
    session[PENDING_SIGNIN_KEY] = second_tab  # a page still open elsewhere
    session.save()
    response = client.post(APP, {"code": app.now()})
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert SESSION_KEY not in client.session


def test_on_a_browser_that_signed_in_before_wrong_codes_lock_only_that_browser(
    client, account, app, frozen
):
    post_password(client, "ahmed2024")
    client.post(APP, {"code": app.now()})  # this browser becomes a known device
    client.post(reverse("accounts:logout"))
    frozen.shift(30)
    post_password(client, "ahmed2024")
    for _ in range(5):
        last = client.post(APP, {"code": wrong(app.now())})
    assert last.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert lockout_remaining(account_key(account)) == 0  # the account is not locked elsewhere
    elsewhere = Client()
    assert post_password(elsewhere, "ahmed2024")["Location"] == APP


# --- an SMS code instead ------------------------------------------------------------------------
def test_sms_instead_sends_a_code_and_the_sms_page_works_as_before(
    client, account, app, english, sms_outbox
):
    post_password(client, "ahmed2024")
    response = client.post(VERIFY, {"sms_instead": "1"})
    assert response.status_code == HTTPStatus.FOUND and response["Location"] == VERIFY
    assert len(sms_outbox) == 1 and sms_outbox[0]["purpose"] == "login"
    page = client.get(VERIFY).content.decode()
    assert "Enter the code we sent you" in page
    assert f'href="{APP}"' in page and "Use your authenticator app instead" in page
    # Pressed again (another tab): no second SMS, the code page.
    assert client.post(VERIFY, {"sms_instead": "1"})["Location"] == VERIFY
    assert len(sms_outbox) == 1
    response = client.post(VERIFY, {"code": code_from_sms(sms_outbox[-1])})
    assert response["Location"] == ACCOUNT
    assert passed_factors(client) == {"password", "sms"}


def test_the_sms_page_before_any_sms_was_sent_leads_back_to_the_app(client, account, app):
    post_password(client, "ahmed2024")
    assert client.get(VERIFY)["Location"] == APP
    assert client.post(VERIFY, {"code": "123456"})["Location"] == APP


def test_after_sms_instead_the_app_still_signs_in(client, account, app, sms_outbox):
    post_password(client, "ahmed2024")
    client.post(VERIFY, {"sms_instead": "1"})
    assert client.post(APP, {"code": app.now()})["Location"] == ACCOUNT


def test_an_account_without_an_app_still_gets_its_sms_code(client, account, sms_outbox):
    response = post_password(client, "ahmed2024")
    assert response["Location"] == VERIFY and len(sms_outbox) == 1
    assert client.get(APP).status_code == HTTPStatus.OK  # the pending sign-in, any step


# --- recovery codes -------------------------------------------------------------------------------
def test_a_recovery_code_signs_in_once_and_says_how_many_are_left(
    client, account, app, english, sms_outbox, django_capture_on_commit_callbacks
):
    codes = recovery_codes.first_recovery_codes(user=account)
    post_password(client, "ahmed2024")
    assert f'href="{RECOVERY}"' in client.get(APP).content.decode()
    page = client.get(RECOVERY).content.decode()
    assert f'href="{APP}"' in page and 'name="sms_instead"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RECOVERY, {"code": codes[0].upper()})
    assert response["Location"] == ACCOUNT
    assert passed_factors(client) == {"password", "recovery_code"}
    landing = client.get(ACCOUNT).content.decode()
    assert "You signed in with a recovery code. You have 9 codes left" in landing
    assert AccountEvent.objects.filter(account=account, kind="recovery_code_used").count() == 1
    assert sms_outbox[-1]["body"].startswith("A recovery code was used to sign in")

    client.post(reverse("accounts:logout"))
    post_password(client, "ahmed2024")
    again = client.post(RECOVERY, {"code": codes[0]})
    assert again.status_code == HTTPStatus.OK
    assert [e.code for e in again.context["form"].errors.as_data()["code"]] == ["wrong_code"]
    assert SESSION_KEY not in client.session


def test_the_last_recovery_code_says_so(client, account, english):
    codes = make_codes(account)
    for code in codes[:9]:
        recovery_codes.recovery_code_use(user=account, typed=code)
    post_password(client, "ahmed2024")
    client.post(RECOVERY, {"code": codes[9]})
    assert "You signed in with your last recovery code." in client.get(ACCOUNT).content.decode()


def test_wrong_recovery_codes_count_toward_the_lockout(client, account, app):
    make_codes(account)
    post_password(client, "ahmed2024")
    for _ in range(4):
        assert client.post(RECOVERY, {"code": "3k7m2-9qx4z"}).status_code == HTTPStatus.OK
    locked = client.post(RECOVERY, {"code": "3k7m2-9qx4z"})
    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_an_account_with_codes_but_no_app_is_offered_them_beside_the_sms_code(
    client, account, sms_outbox, english
):
    make_codes(account)
    post_password(client, "ahmed2024")
    page = client.get(VERIFY).content.decode()
    assert f'href="{RECOVERY}"' in page and f'href="{APP}"' not in page


# --- the pending sign-in --------------------------------------------------------------------------
def test_the_second_step_pages_need_a_pending_sign_in(client, account, app):
    for path in (APP, RECOVERY):
        assert client.get(path)["Location"] == LOGIN
        assert client.post(path, {"code": app.now()})["Location"] == LOGIN
    assert SESSION_KEY not in client.session


def test_an_account_suspended_after_its_password_is_not_signed_in(client, account, app):
    post_password(client, "ahmed2024")
    staff = make_user("staff2024x", "1058529940", STAFF_MOBILE, is_staff=True)
    lifecycle.account_suspend(account=account, actor=staff, reason="fraud report")
    response = client.post(APP, {"code": app.now()})
    assert response["Location"] == LOGIN
    assert SESSION_KEY not in client.session
