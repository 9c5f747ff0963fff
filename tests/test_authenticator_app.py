"""The authenticator app (authenticator/totp.py, design.md §19): RFC 6238 codes with ±1 step of
drift, never the same step twice; set up from the security page with a QR code drawn by the
server and the key as text, confirmed with a first code; removed; each change told by SMS."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from http import HTTPStatus
from urllib.parse import parse_qs, unquote, urlparse

import pyotp
import pytest
from django.urls import reverse

from accounts.models import AccountEvent, Notice
from authenticator import totp
from authenticator.models import AuthenticatorApp
from authenticator.totp import Check
from security.recent import RECENT_SECONDS, confirm_url
from tests.authenticator_helpers import set_up_app
from tests.factories import make_user, sign_in_as
from tests.people import CITIZEN_ID, MOBILE

pytestmark = pytest.mark.django_db

SETUP = reverse("authenticator:setup")
REMOVE = reverse("authenticator:remove")
SECURITY = reverse("security:page")
STEP = totp.STEP_SECONDS


@pytest.fixture
def account():
    return make_user("Ahmed2024", CITIZEN_ID, MOBILE, preferred_language="en")


@pytest.fixture
def signed_in(client, account):
    client.cookies["django_language"] = "en"
    return sign_in_as(client, account)


def kinds(account) -> list[str]:
    return list(AccountEvent.objects.filter(account=account).values_list("kind", flat=True))


# --- codes ------------------------------------------------------------------------------------
@pytest.mark.parametrize("offset", [-STEP, 0, STEP])
def test_a_code_one_step_either_side_of_now_is_accepted(frozen, account, offset):
    app = set_up_app(account)
    frozen.shift(10 * STEP)  # well past the step the first code used
    assert totp.app_code_check(user=account, code=app.at(time.time() + offset)) is Check.ACCEPTED


@pytest.mark.parametrize("offset", [-2 * STEP, 2 * STEP])
def test_a_code_two_steps_from_now_is_refused(frozen, account, offset):
    app = set_up_app(account)
    frozen.shift(10 * STEP)
    assert totp.app_code_check(user=account, code=app.at(time.time() + offset)) is Check.WRONG


def test_the_same_code_is_never_accepted_twice(frozen, account):
    app = set_up_app(account)
    frozen.shift(STEP)
    code = app.now()
    assert totp.app_code_check(user=account, code=code) is Check.ACCEPTED
    assert totp.app_code_check(user=account, code=code) is Check.USED
    frozen.shift(STEP // 2)  # still within the drift: the code is still the app's, and used
    assert totp.app_code_check(user=account, code=code) is Check.USED


def test_an_older_code_is_refused_once_a_newer_one_was_accepted(frozen, account):
    app = set_up_app(account)
    frozen.shift(5 * STEP)
    assert totp.app_code_check(user=account, code=app.at(time.time() + STEP)) is Check.ACCEPTED
    assert totp.app_code_check(user=account, code=app.now()) is Check.USED


def test_the_first_code_of_the_setup_cannot_sign_in(frozen, account):
    key = totp.app_setup_start(user=account)
    code = pyotp.TOTP(key.secret).now()
    assert totp.app_setup_confirm(user=account, code=code) is Check.ACCEPTED
    assert totp.app_code_check(user=account, code=code) is Check.USED


def test_an_account_without_an_app_accepts_no_code(account):
    totp.app_setup_start(user=account)  # being set up is not set up
    assert totp.app_code_check(user=account, code="123456") is Check.WRONG
    assert not totp.has_app(account)


# --- setting up -------------------------------------------------------------------------------
def test_the_setup_page_draws_the_qr_code_in_the_page_and_shows_the_key_in_fours(signed_in):
    response = signed_in.get(SETUP)
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    key = response.context["key"]
    assert re.fullmatch(r"[A-Z2-7]{32}", key.secret)  # 160 bits
    assert f'<code dir="ltr">{key.grouped}</code>' in html
    assert key.grouped.split(" ") == re.findall(r"[A-Z2-7]{4}", key.secret)
    # An <svg> of the page itself: nothing fetched, no style attribute for the CSP to refuse.
    svg = re.search(r'<div class="qr-code" role="img" aria-label="[^"]+">(<svg .*?</svg>)', html)
    assert svg and 'aria-hidden="true"' in svg.group(1)
    assert "style=" not in svg.group(1) and "<img" not in html and "href=" not in svg.group(1)
    assert 'name="code"' in html


def test_the_key_names_the_service_as_issuer_and_the_username_never_the_id(signed_in, account):
    key = signed_in.get(SETUP).context["key"]
    uri = urlparse(key.uri)
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    assert unquote(uri.path) == "/Absher portal:Ahmed2024"
    query = parse_qs(uri.query)
    assert query["issuer"] == ["Absher portal"] and query["secret"] == [key.secret]
    assert CITIZEN_ID not in key.uri


def test_the_key_being_set_up_is_kept_sealed_in_the_database_never_in_the_session(
    signed_in, account
):
    key = signed_in.get(SETUP).context["key"]
    session = signed_in.session
    stored = repr(dict(session.items()))
    assert key.secret not in stored and key.grouped not in stored
    app = AuthenticatorApp.objects.get(user=account)
    assert app.confirmed_at is None
    assert key.secret.encode() not in bytes(app.secret)


def test_a_reload_shows_the_same_key_until_it_is_15_minutes_old(frozen, signed_in, account):
    first = signed_in.get(SETUP).context["key"]
    frozen.shift(totp.SETUP_SECONDS - 60)
    sign_in_as(signed_in, account)  # still a recent sign-in
    assert signed_in.get(SETUP).context["key"] == first
    frozen.shift(120)
    sign_in_as(signed_in, account)
    assert signed_in.get(SETUP).context["key"] != first


def test_a_wrong_first_code_keeps_the_key_and_says_so(signed_in, account):
    key = signed_in.get(SETUP).context["key"]
    wrong = f"{(int(pyotp.TOTP(key.secret).now()) + 1) % 10**6:06d}"
    response = signed_in.post(SETUP, {"code": wrong})
    assert response.status_code == HTTPStatus.OK
    assert [e.code for e in response.context["form"].errors.as_data()["code"]] == ["wrong"]
    assert response.context["key"] == key
    assert not totp.has_app(account)


def test_a_first_code_after_the_key_expired_gets_a_new_key_and_says_why(frozen, signed_in, account):
    key = signed_in.get(SETUP).context["key"]
    frozen.shift(totp.SETUP_SECONDS + 1)
    sign_in_as(signed_in, account)
    response = signed_in.post(SETUP, {"code": pyotp.TOTP(key.secret).now()})
    codes = [e.code for e in response.context["form"].errors.as_data()["code"]]
    assert codes == ["setup_expired"]
    assert response.context["key"] != key
    assert not totp.has_app(account)


def test_the_right_first_code_sets_the_app_up_tells_the_person_and_shows_recovery_codes(
    signed_in, account, django_capture_on_commit_callbacks, sms_outbox
):
    key = signed_in.get(SETUP).context["key"]
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(SETUP, {"code": pyotp.TOTP(key.secret).now()})
    assert response.status_code == HTTPStatus.OK
    assert len(response.context["codes"]) == 10
    assert "Your authenticator app is set up." in response.content.decode()
    assert totp.has_app(account)
    assert sorted(kinds(account)) == ["app_added", "recovery_codes_new"]
    bodies = [message["body"] for message in sms_outbox]
    assert any("An authenticator app was set up" in body for body in bodies)
    assert any(body.startswith("Recovery codes were made") for body in bodies)
    assert Notice.objects.filter(kind=Notice.Kind.SECURITY_CHANGED).count() == 2


def test_a_second_set_up_is_not_offered_while_an_app_is_set_up(signed_in, account):
    set_up_app(account)
    response = signed_in.get(SETUP)
    assert response.status_code == HTTPStatus.FOUND and response.url == SECURITY
    with pytest.raises(totp.AlreadySetUp):
        totp.app_setup_start(user=account)


def test_setting_up_with_existing_recovery_codes_leaves_them_and_goes_to_the_security_page(
    signed_in, account
):
    from authenticator import recovery_codes

    recovery_codes.recovery_codes_make(user=account)
    key = signed_in.get(SETUP).context["key"]
    response = signed_in.post(SETUP, {"code": pyotp.TOTP(key.secret).now()})
    assert response.status_code == HTTPStatus.FOUND and response.url == SECURITY
    assert recovery_codes.remaining(account) == 10


@pytest.mark.parametrize("path", [SETUP, REMOVE])
def test_setting_up_and_removing_need_a_recent_sign_in(frozen, signed_in, account, path):
    if path == REMOVE:
        set_up_app(account)
    frozen.shift(RECENT_SECONDS + 1)
    response = signed_in.get(path)
    assert response.status_code == HTTPStatus.FOUND
    assert response.url == confirm_url(path)
    response = signed_in.post(path, {"code": "123456"})
    assert response.url == confirm_url(SECURITY)
    assert totp.has_app(account) is (path == REMOVE)


def test_pages_of_the_app_are_for_signed_in_people_only(client, account):
    for path in (SETUP, REMOVE):
        response = client.get(path)
        assert response.status_code == HTTPStatus.FOUND
        assert response.url.startswith(reverse("accounts:login"))


# --- removing ---------------------------------------------------------------------------------
def test_removing_asks_first_then_removes_and_tells_the_person(
    signed_in, account, django_capture_on_commit_callbacks, sms_outbox
):
    set_up_app(account)
    response = signed_in.get(REMOVE)
    assert response.status_code == HTTPStatus.OK
    assert totp.has_app(account)
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(REMOVE)
    assert response.status_code == HTTPStatus.FOUND and response.url == SECURITY
    assert not AuthenticatorApp.objects.filter(user=account).exists()
    assert kinds(account).count("app_removed") == 1
    assert "The authenticator app was removed" in sms_outbox[-1]["body"]


def test_removing_an_app_being_set_up_tells_nobody(account):
    totp.app_setup_start(user=account)
    assert totp.app_remove(user=account) is False
    assert not AuthenticatorApp.objects.exists() and "app_removed" not in kinds(account)


# --- the security page ----------------------------------------------------------------------------
def test_the_security_page_offers_to_set_up_an_app(signed_in):
    html = signed_in.get(SECURITY).content.decode()
    assert "Set up an authenticator app" in html and f'href="{SETUP}"' in html


def test_the_security_page_says_when_the_app_was_set_up_and_last_used(frozen, signed_in, account):
    app = set_up_app(account)
    html = signed_in.get(SECURITY).content.decode()
    assert "Last used to sign in" in html and "Not yet" in html
    assert f'href="{REMOVE}"' in html and f'href="{SETUP}"' not in html
    frozen.shift(STEP)
    assert totp.app_code_check(user=account, code=app.now()) is Check.ACCEPTED
    stored = AuthenticatorApp.objects.get(user=account)
    assert stored.last_used_at - stored.confirmed_at == timedelta(seconds=STEP)
    assert "Not yet" not in signed_in.get(SECURITY).content.decode()
