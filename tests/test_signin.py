"""Sign-in: identifier and password, then the SMS code, then a session (design.md §7, issue 5)."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from captcha.models import CaptchaStore
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.urls import reverse

from accounts import lifecycle
from accounts.factors import FACTORS_KEY
from accounts.hashers import PortalArgon2PasswordHasher
from accounts.models import AccountStatus, OtpPurpose
from accounts.signin.services import PENDING_SIGNIN_KEY, PENDING_SIGNIN_SECONDS
from tests.factories import code_from_sms, make_user
from tests.people import (
    CITIZEN_ID,
    MOBILE,
    MOBILE_E164,
    OTHER_CITIZEN_ID,
    PASSWORD,
    STAFF_MOBILE,
)

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:login_verify")
LOGOUT = reverse("accounts:logout")
WRONG_PASSWORD = "Wr0ngPassw9x"
OTHER_IP = "203.0.113.9"


@pytest.fixture
def account():
    return make_user("Ahmed2024", CITIZEN_ID, MOBILE)


# --- helpers ----------------------------------------------------------------------------------
def form_of(response):
    return response.context["form"]


def non_field_codes(response) -> list[str]:
    return [error.code for error in form_of(response).non_field_errors().as_data()]


def field_codes(response, field: str) -> list[str]:
    return [error.code for error in form_of(response).errors.as_data().get(field, [])]


def captcha_answer(html: str) -> dict[str, str]:
    """The solved captcha of a page, or nothing when the page shows none."""
    match = re.search(r'name="captcha_0" value="([0-9a-f]+)"', html)
    if not match:
        return {}
    key = match.group(1)
    return {"captcha_0": key, "captcha_1": CaptchaStore.objects.get(hashkey=key).response}


def post_password(client, identifier, password=PASSWORD, *, solve=True, **extra):
    """Post the first step as a browser would, solving the captcha whenever it is shown."""
    data = {"identifier": identifier, "password": password}
    if solve:
        data |= captcha_answer(client.get(LOGIN, **extra).content.decode())
    response = client.post(LOGIN, data, **extra)
    if solve and response.status_code == HTTPStatus.OK and field_codes(response, "captcha"):
        # The identifier (not the address) demands it: the answer shows it now.
        data |= captcha_answer(response.content.decode())
        response = client.post(LOGIN, data, **extra)
    return response


def fail(client, identifier, times: int, *, solve=True, **extra):
    responses = [
        post_password(client, identifier, WRONG_PASSWORD, solve=solve, **extra)
        for _ in range(times)
    ]
    return responses[-1]


def sign_in(client, sms_outbox, identifier="ahmed2024", **extra):
    response = post_password(client, identifier, **extra)
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()
    assert response["Location"] == VERIFY
    return client.post(VERIFY, {"code": code_from_sms(sms_outbox[-1])}, **extra)


def signed_in_user_id(client):
    return client.session.get(SESSION_KEY)


# --- the password step ------------------------------------------------------------------------
def test_username_in_another_letter_case_sends_a_sign_in_code_to_the_accounts_mobile(
    client, account, sms_outbox
):
    response = post_password(client, "AHMED2024")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == VERIFY
    assert len(sms_outbox) == 1
    assert sms_outbox[0]["to"] == MOBILE_E164
    assert sms_outbox[0]["purpose"] == OtpPurpose.LOGIN
    assert signed_in_user_id(client) is None


@pytest.mark.parametrize(
    "identifier",
    ["1000000008", "١٠٠٠٠٠٠٠٠٨", "۱۰۰۰۰۰۰۰۰۸", " 1000 000 008 "],
    ids=["ascii", "arabic-indic", "persian", "spaced"],
)
def test_id_number_in_any_digits_signs_in(client, account, sms_outbox, identifier):
    response = sign_in(client, sms_outbox, identifier)
    assert response["Location"] == reverse("accounts:account")
    assert signed_in_user_id(client) == str(account.pk)


def test_code_sms_is_in_the_accounts_preferred_language(client, sms_outbox):
    make_user("Ahmed2024", CITIZEN_ID, MOBILE, preferred_language="ar")
    client.cookies["django_language"] = "en"
    post_password(client, "ahmed2024")
    assert "رمز" in sms_outbox[-1]["body"]


def test_wrong_password_and_unknown_identifier_get_the_same_answer(client, account, sms_outbox):
    wrong_password = post_password(client, "ahmed2024", WRONG_PASSWORD)
    unknown = post_password(client, "nobody2024", WRONG_PASSWORD)
    unknown_id = post_password(client, OTHER_CITIZEN_ID, PASSWORD)
    for response in (wrong_password, unknown, unknown_id):
        assert response.status_code == HTTPStatus.OK
        assert non_field_codes(response) == ["invalid_login"]
        assert form_of(response).errors.keys() == {"__all__"}
    texts = {str(form_of(r).non_field_errors()) for r in (wrong_password, unknown, unknown_id)}
    assert len(texts) == 1
    assert sms_outbox == []


def test_unknown_identifier_still_hashes_a_password_once(client, monkeypatch):
    calls = []
    encode = PortalArgon2PasswordHasher.encode

    def counting_encode(self, password, salt):
        calls.append(1)
        return encode(self, password, salt)

    monkeypatch.setattr(PortalArgon2PasswordHasher, "encode", counting_encode)
    post_password(client, "nobody2024", WRONG_PASSWORD)
    assert len(calls) == 1


@pytest.mark.parametrize(
    "status", [AccountStatus.SUSPENDED, AccountStatus.SUPERSEDED, AccountStatus.EXPIRED]
)
def test_accounts_that_may_not_sign_in_get_the_generic_error(client, sms_outbox, status):
    make_user("Ahmed2024", CITIZEN_ID, MOBILE, status=status)
    for identifier in ("ahmed2024", CITIZEN_ID):
        response = post_password(client, identifier)
        assert response.status_code == HTTPStatus.OK
        assert non_field_codes(response) == ["invalid_login"]
    assert sms_outbox == []


def test_account_without_a_mobile_is_told_no_code_can_be_sent(client, sms_outbox):
    make_user("Ahmed2024", CITIZEN_ID, "")
    response = post_password(client, "ahmed2024")
    assert response.status_code == HTTPStatus.OK
    assert non_field_codes(response) == ["no_mobile"]
    assert sms_outbox == []
    assert PENDING_SIGNIN_KEY not in client.session


def test_sign_in_page_fields_help_password_managers_and_link_to_reset_and_register(client):
    html = client.get(LOGIN).content.decode()
    assert re.search(r'<input[^>]*name="identifier"[^>]*autocomplete="username webauthn"', html)
    assert 'name="password" autocomplete="current-password"' in html
    assert 'name="captcha_0"' not in html
    assert f'href="{reverse("accounts:password_reset")}"' in html
    assert f'href="{reverse("accounts:register")}"' in html


@pytest.mark.parametrize("url", [LOGIN, VERIFY])
def test_sign_in_pages_are_never_cached(client, account, sms_outbox, url):
    post_password(client, "ahmed2024")
    response = client.get(url)
    assert "no-store" in response["Cache-Control"]


# --- lockout, captcha and the per-address limit -----------------------------------------------
@pytest.mark.parametrize("identifier", ["ahmed2024", CITIZEN_ID, "nobody2024"])
def test_five_wrong_passwords_lock_the_identifier_even_against_the_right_one(
    client, account, sms_outbox, frozen, identifier
):
    for _ in range(4):
        assert non_field_codes(post_password(client, identifier, WRONG_PASSWORD)) == [
            "invalid_login"
        ]
    fifth = post_password(client, identifier, WRONG_PASSWORD)
    assert fifth.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert non_field_codes(fifth) == ["locked"]
    right = post_password(client, identifier)
    assert right.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert non_field_codes(right) == ["locked"]
    assert sms_outbox == []


def test_lockout_names_the_minutes_left_and_is_released_after_the_window(
    client, account, sms_outbox, frozen, settings
):
    client.cookies["django_language"] = "en"
    fail(client, "ahmed2024", settings.LOGIN_LOCKOUT_FAILURES)
    frozen.shift(60)
    locked = post_password(client, "AHMED2024")
    assert "Try again in 14 minutes." in locked.content.decode()
    frozen.shift(settings.LOGIN_LOCKOUT_SECONDS - 60)
    response = post_password(client, "ahmed2024")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == VERIFY


def test_lockout_of_an_unknown_identifier_reads_like_a_known_one(client, account, frozen):
    known = fail(client, "ahmed2024", 5)
    unknown = fail(client, "nobody2024", 5)
    assert known.status_code == unknown.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert str(form_of(known).non_field_errors()) == str(form_of(unknown).non_field_errors())


def test_captcha_is_demanded_after_three_failures_until_solved(client, account, sms_outbox):
    fail(client, "ahmed2024", 2)
    assert 'name="captcha_0"' not in client.get(LOGIN).content.decode()
    third = post_password(client, "ahmed2024", WRONG_PASSWORD)
    assert 'name="captcha_0"' in third.content.decode()

    unsolved = client.post(LOGIN, {"identifier": "ahmed2024", "password": PASSWORD})
    assert unsolved.status_code == HTTPStatus.OK
    assert field_codes(unsolved, "captcha") == ["required"]
    answer = captcha_answer(unsolved.content.decode())
    wrong = client.post(
        LOGIN,
        {"identifier": "ahmed2024", "password": PASSWORD, **answer, "captcha_1": "9999"},
    )
    assert field_codes(wrong, "captcha") == ["captcha_invalid"]
    assert "invalid_login" not in non_field_codes(wrong)
    assert sms_outbox == []

    solved = client.post(
        LOGIN,
        {
            "identifier": "ahmed2024",
            "password": PASSWORD,
            **captcha_answer(wrong.content.decode()),
        },
    )
    assert solved.status_code == HTTPStatus.FOUND
    assert len(sms_outbox) == 1


@pytest.mark.parametrize(
    ("language", "hint"),
    [
        ("en", "To protect this account, work out the calculation too."),
        ("ar", "لحماية هذا الحساب، احسب ناتج العملية أيضًا."),
    ],
)
def test_the_captcha_says_why_it_appears_after_failures(client, account, language, hint):
    """After the third wrong password the captcha appears: the page says why it is now asked."""
    client.cookies["django_language"] = language
    assert hint not in client.get(LOGIN).content.decode()
    fail(client, "ahmed2024", 2)
    third = post_password(client, "ahmed2024", WRONG_PASSWORD).content.decode()
    assert f'<div class="hint" id="id_captcha_helptext">{hint}</div>' in third
    assert re.search(r'aria-describedby="[^"]*id_captcha_helptext', third)


def test_captcha_follows_the_identifier_to_another_address_until_a_sign_in(
    client, account, sms_outbox
):
    fail(client, "ahmed2024", 3)
    elsewhere = client.post(
        LOGIN, {"identifier": "AHMED2024", "password": PASSWORD}, REMOTE_ADDR=OTHER_IP
    )
    assert field_codes(elsewhere, "captcha") == ["required"]

    assert sign_in(client, sms_outbox)["Location"] == reverse("accounts:account")
    client.post(LOGOUT)
    after = client.post(
        LOGIN, {"identifier": CITIZEN_ID, "password": PASSWORD}, REMOTE_ADDR=OTHER_IP
    )
    assert after.status_code == HTTPStatus.FOUND


def test_failures_at_a_shared_address_never_show_the_captcha_to_someone_else(
    client, account, sms_outbox
):
    """A carrier's shared address (issue 14 item 7): an attacker behind it fails for several
    identifiers and locks one; a neighbour at the same address who made no mistake signs in
    without a captcha, while the attacked identifier still demands it."""
    for identifier in ("first2024", "second2024", "third2024", "fourth2024"):
        fail(client, identifier, 2, solve=False)
    fail(client, "attacked2024", 5)
    assert 'name="captcha_0"' not in client.get(LOGIN).content.decode()
    neighbour = client.post(LOGIN, {"identifier": "ahmed2024", "password": PASSWORD})
    assert neighbour.status_code == HTTPStatus.FOUND
    assert neighbour["Location"] == VERIFY
    assert len(sms_outbox) == 1


def test_the_attacked_identifier_still_demands_the_captcha_at_any_address(client, account):
    """The captcha follows the identifier under attack, wherever its next post comes from."""
    fail(client, "ahmed2024", 3)
    for ip in ("127.0.0.1", OTHER_IP):
        again = client.post(
            LOGIN, {"identifier": "ahmed2024", "password": PASSWORD}, REMOTE_ADDR=ip
        )
        assert field_codes(again, "captcha") == ["required"]
        assert 'name="captcha_0"' in again.content.decode()


def test_attempts_per_address_are_limited(client, account, sms_outbox, settings):
    settings.LOGIN_ATTEMPTS_PER_IP = 3
    for identifier in ("first2024", "second2024", "third2024"):
        post_password(client, identifier, WRONG_PASSWORD, solve=False)
    refused = post_password(client, "ahmed2024", solve=False)
    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert non_field_codes(refused) == ["ip_rate_limited"]
    assert sms_outbox == []
    elsewhere = post_password(client, "ahmed2024", REMOTE_ADDR=OTHER_IP)
    assert elsewhere.status_code == HTTPStatus.FOUND


# --- the code step ----------------------------------------------------------------------------
def test_pending_account_lands_on_the_status_page(client, sms_outbox):
    make_user("Ahmed2024", CITIZEN_ID, MOBILE, status=AccountStatus.PENDING)
    response = sign_in(client, sms_outbox)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("accounts:status")


def test_active_account_lands_on_the_account_page_and_records_the_sign_in(
    client, account, sms_outbox
):
    response = sign_in(client, sms_outbox)
    assert response["Location"] == reverse("accounts:account")
    account.refresh_from_db()
    assert account.last_login is not None
    assert PENDING_SIGNIN_KEY not in client.session


def test_code_in_arabic_indic_digits_is_accepted(client, account, sms_outbox):
    post_password(client, "ahmed2024")
    code = code_from_sms(sms_outbox[-1]).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert client.post(VERIFY, {"code": code})["Location"] == reverse("accounts:account")


def test_code_page_field_is_a_one_time_code_input(client, account, sms_outbox):
    post_password(client, "ahmed2024")
    html = client.get(VERIFY).content.decode()
    field = re.search(r'<input[^>]*name="code"[^>]*>', html).group(0)
    assert 'autocomplete="one-time-code"' in field
    assert 'inputmode="numeric"' in field
    assert 'name="resend"' in html


def test_wrong_code_is_refused_and_counts_a_try(client, account, sms_outbox):
    post_password(client, "ahmed2024")
    code = code_from_sms(sms_outbox[-1])
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == HTTPStatus.OK
    assert field_codes(response, "code") == ["wrong_code"]
    assert signed_in_user_id(client) is None


def test_expired_code_is_refused(client, account, sms_outbox, frozen, settings):
    post_password(client, "ahmed2024")
    frozen.shift(settings.OTP_TTL_SECONDS + 1)
    response = client.post(VERIFY, {"code": code_from_sms(sms_outbox[-1])})
    assert field_codes(response, "code") == ["expired"]
    assert signed_in_user_id(client) is None


def test_code_cannot_be_used_again_after_signing_out(client, account, sms_outbox):
    post_password(client, "ahmed2024")
    pending = client.session[PENDING_SIGNIN_KEY]
    code = code_from_sms(sms_outbox[-1])
    client.post(VERIFY, {"code": code})
    client.post(LOGOUT)

    # Replaying the very same sign-in (same challenge, same code):
    del client.cookies["sessionid"]
    session = client.session
    session[PENDING_SIGNIN_KEY] = pending
    session.save()
    replay = client.post(VERIFY, {"code": code})
    assert field_codes(replay, "code") == ["already_verified"]
    assert signed_in_user_id(client) is None

    # And with a new sign-in, the old code is just wrong:
    post_password(client, "ahmed2024")
    response = client.post(VERIFY, {"code": code})
    assert field_codes(response, "code") == ["wrong_code"]
    assert signed_in_user_id(client) is None


def test_resend_waits_for_the_cooldown(client, account, sms_outbox, frozen, settings):
    client.cookies["django_language"] = "en"
    post_password(client, "ahmed2024")
    page = client.get(VERIFY).content.decode()
    assert 'data-cooldown="60"' in page

    early = client.post(VERIFY, {"resend": "1"}, follow=True)
    assert len(sms_outbox) == 1
    assert "Wait 1:00 (minutes:seconds)" in early.content.decode()

    frozen.shift(settings.OTP_RESEND_COOLDOWN_SECONDS)
    response = client.post(VERIFY, {"resend": "1"})
    assert response["Location"] == VERIFY
    assert len(sms_outbox) == 2
    signed_in = client.post(VERIFY, {"code": code_from_sms(sms_outbox[-1])})
    assert signed_in["Location"] == reverse("accounts:account")


def test_code_page_without_a_pending_sign_in_goes_to_the_sign_in_page(client):
    assert client.get(VERIFY)["Location"] == LOGIN
    assert client.post(VERIFY, {"code": "123456"})["Location"] == LOGIN


def test_code_step_closes_after_fifteen_minutes(client, account, sms_outbox, frozen):
    post_password(client, "ahmed2024")
    frozen.shift(PENDING_SIGNIN_SECONDS + 1)
    response = client.post(VERIFY, {"code": code_from_sms(sms_outbox[-1])})
    assert response["Location"] == LOGIN
    assert signed_in_user_id(client) is None


def test_account_suspended_between_password_and_code_is_refused(client, account, sms_outbox):
    staff = make_user("Staff2024", OTHER_CITIZEN_ID, STAFF_MOBILE, is_staff=True, is_superuser=True)
    post_password(client, "ahmed2024")
    lifecycle.account_suspend(account=account, actor=staff, reason="fraud report")
    response = client.post(VERIFY, {"code": code_from_sms(sms_outbox[-1])})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == LOGIN
    assert signed_in_user_id(client) is None
    assert PENDING_SIGNIN_KEY not in client.session


# --- the session ------------------------------------------------------------------------------
def test_session_key_changes_at_sign_in(client, account, sms_outbox):
    post_password(client, "ahmed2024")
    before = client.cookies["sessionid"].value
    client.post(VERIFY, {"code": code_from_sms(sms_outbox[-1])})
    after = client.cookies["sessionid"].value
    assert after != before
    assert signed_in_user_id(client) == str(account.pk)


def test_session_never_holds_the_password_or_the_code(client, account, sms_outbox):
    post_password(client, "ahmed2024")
    code = code_from_sms(sms_outbox[-1])
    pending = dict(client.session.items())
    # "auth": the session auth hash Django keeps in every signed-in session (HMAC under
    # SECRET_KEY of the password's hash), so a password changed meanwhile ends the sign-in.
    assert set(pending[PENDING_SIGNIN_KEY]) == {
        "user_id",
        "challenge_id",
        "started_at",
        "next",
        "auth",
    }
    client.post(VERIFY, {"code": code})
    signed_in = dict(client.session.items())
    # The factors passed: their names and times, nothing derived from a secret.
    assert set(signed_in[FACTORS_KEY]["passed"]) == {"password", "sms"}
    for data in (pending, signed_in):
        text = repr(data)
        assert PASSWORD not in text
        assert code not in text
        assert account.password not in text


def test_signed_in_person_opening_the_sign_in_page_goes_to_their_page(client, account, sms_outbox):
    sign_in(client, sms_outbox)
    assert client.get(LOGIN)["Location"] == reverse("accounts:account")


def test_header_names_the_signed_in_person_with_a_sign_out_button(client, account, sms_outbox):
    sign_in(client, sms_outbox)
    html = client.get(reverse("accounts:home")).content.decode()
    assert "Ahmed2024" in html
    assert re.search(rf'<form[^>]*action="{LOGOUT}"[^>]*method="post"', html)
    assert f'href="{reverse("accounts:account")}"' in html


def test_sign_out_by_get_is_not_allowed(client, account, sms_outbox):
    sign_in(client, sms_outbox)
    assert client.get(LOGOUT).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert signed_in_user_id(client) == str(account.pk)


def test_sign_out_by_post_ends_the_session(client, account, sms_outbox):
    sign_in(client, sms_outbox)
    old_key = client.cookies["sessionid"].value
    response = client.post(LOGOUT)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("accounts:home")
    assert signed_in_user_id(client) is None
    assert not Session.objects.filter(session_key=old_key).exists()


def test_a_code_page_locked_by_wrong_codes_says_so_once_in_the_summary_and_once_at_the_field(
    client, account, sms_outbox, frozen, settings
):
    """GOV.UK: each error once in the summary and once at its field. The lock used to be said
    three times: an alert box above the summary, the summary, the field."""
    settings.OTP_MAX_FAILURES = 2
    post_password(client, "ahmed2024")
    right = code_from_sms(sms_outbox[-1])
    wrong = "000000" if right != "000000" else "111111"
    client.post(VERIFY, {"code": wrong})
    locked = client.post(VERIFY, {"code": wrong})
    assert field_codes(locked, "code") == ["locked"]
    message = str(form_of(locked).errors["code"][0])
    html = locked.content.decode()
    assert html.count(message) == 2
    assert html.index(message) > html.index('class="error-summary"')
    # Opened afresh, the page still says why the form is of no use, once, in the alert box.
    again = client.get(VERIFY).content.decode()
    assert again.count(message) == 1
    assert 'class="notice notice-error" role="alert"' in again
