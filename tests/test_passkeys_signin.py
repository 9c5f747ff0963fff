"""Signing in with a passkey on /login/ (passkeys/authentication.py, design.md §7 and §19).

A passkey with user verification is both factors: no SMS, and the person lands where the
password sign-in would. Each attack the issue names is refused here, and every refusal reads
the same.
"""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts import factors
from accounts.models import AccountEvent, AccountStatus, Notice
from accounts.signin import devices
from accounts.signin.services import account_key, lockout_remaining, record_failure
from passkeys import challenges
from passkeys.models import Passkey
from tests.factories import sign_in_as
from tests.passkey_helpers import (
    ORIGIN,
    RP_ID,
    account_with_passkey,
    post_json,
    sign_in_options,
    sign_in_with,
)
from tests.people import CITIZEN_ID, MOBILE, OTHER_CITIZEN_ID, OTHER_MOBILE
from tests.webauthn_authenticator import SoftAuthenticator

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_origin")]

FAILED = {
    "error": "failed",
    "message": "We could not sign you in with this passkey. "
    "Try again, or sign in with your password.",
}


@pytest.fixture
def owner(sms_outbox):
    account, authenticator = account_with_passkey("sara2024", CITIZEN_ID, MOBILE)
    sms_outbox.clear()  # the notice of the passkey being added
    return account, authenticator


@pytest.fixture
def browser() -> Client:
    """A browser on the login page, in English, signed in to nothing."""
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def signed_in_as(client: Client):
    response = client.get(reverse("accounts:account"))
    return response.wsgi_request.user if response.status_code == HTTPStatus.OK else None


def test_a_passkey_signs_in_with_no_sms_and_lands_on_the_account_page(owner, browser, sms_outbox):
    account, authenticator = owner

    response = sign_in_with(browser, authenticator)

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"next": reverse("accounts:account")}
    assert signed_in_as(browser) == account
    assert list(factors.passed(browser.session)) == [factors.Factor.WEBAUTHN]
    assert sms_outbox == []
    passkey = Passkey.objects.get(owner=account)
    assert passkey.sign_count == 1 and passkey.last_used_at is not None
    assert devices.COOKIE_NAME in response.cookies  # this browser is now one of the account's


def test_the_page_asked_for_is_kept_as_the_password_sign_in_keeps_it(owner, browser):
    _, authenticator = owner

    response = sign_in_with(browser, authenticator, next_url="/account/password/")

    assert response.json() == {"next": "/account/password/"}


def test_a_page_of_another_site_is_dropped(owner, browser):
    _, authenticator = owner

    response = sign_in_with(browser, authenticator, next_url="https://evil.example/")

    assert response.json() == {"next": reverse("accounts:account")}


def test_a_pending_account_lands_on_its_status_page(owner, browser):
    account, authenticator = owner
    account.status = AccountStatus.PENDING
    account.save(update_fields=["status"])

    response = sign_in_with(browser, authenticator)

    assert response.json() == {"next": reverse("accounts:status")}


def test_the_options_name_no_passkey_and_require_user_verification(browser):
    options = sign_in_options(browser)

    assert options["rpId"] == RP_ID
    assert options["allowCredentials"] == []
    assert options["userVerification"] == "required"


def test_a_signed_in_passkey_session_may_add_or_remove_at_once(owner, browser):
    """A passkey proves two kinds of thing: a recent sign-in for the security page's changes."""
    _, authenticator = owner
    sign_in_with(browser, authenticator)

    response = post_json(browser, "passkeys:add_options")

    assert response.status_code == HTTPStatus.OK


# --- attacks --------------------------------------------------------------------------------
def test_an_answer_made_for_another_origin_is_refused(owner, browser):
    _, authenticator = owner

    response = sign_in_with(browser, authenticator, origin="https://absher-portal.example.com")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == FAILED
    assert signed_in_as(browser) is None


def test_an_answer_without_user_verification_is_refused(owner, browser):
    _, authenticator = owner

    response = sign_in_with(browser, authenticator, user_verified=False)

    assert response.json() == FAILED
    assert signed_in_as(browser) is None


def test_a_challenge_answered_twice_is_refused_the_second_time(owner, browser):
    _, authenticator = owner
    credential = authenticator.get(sign_in_options(browser))
    first = post_json(browser, "passkeys:sign_in", {"credential": credential})
    browser.post(reverse("accounts:logout"))

    again = post_json(browser, "passkeys:sign_in", {"credential": credential})

    assert first.status_code == HTTPStatus.OK
    assert again.json()["error"] == "expired"
    assert signed_in_as(browser) is None


def test_a_challenge_given_to_another_session_is_refused(owner, browser):
    _, authenticator = owner
    credential = authenticator.get(sign_in_options(Client()))

    response = post_json(browser, "passkeys:sign_in", {"credential": credential})

    assert response.json()["error"] == "expired"
    assert signed_in_as(browser) is None


def test_a_challenge_older_than_five_minutes_is_refused(owner, frozen, browser):
    _, authenticator = owner
    options = sign_in_options(browser)
    frozen.shift(challenges.LIFETIME_SECONDS + 1)

    response = post_json(browser, "passkeys:sign_in", {"credential": authenticator.get(options)})

    assert response.json() == {
        "error": "expired",
        "message": "Signing in took too long. Try again.",
    }


def test_a_registration_challenge_cannot_sign_in(owner):
    account, authenticator = owner
    client = sign_in_as(Client(), account)
    options = post_json(client, "passkeys:add_options").json()["publicKey"]
    client.post(reverse("accounts:logout"))

    response = post_json(client, "passkeys:sign_in", {"credential": authenticator.get(options)})

    assert response.json()["error"] == "expired"


def test_a_copied_passkey_whose_counter_went_back_is_refused_recorded_and_told(
    owner, browser, sms_outbox, django_capture_on_commit_callbacks
):
    account, authenticator = owner
    sign_in_with(Client(), authenticator)  # the real one: counter 1
    sign_in_with(Client(), authenticator)  # counter 2

    with django_capture_on_commit_callbacks(execute=True):
        response = sign_in_with(browser, authenticator, counter=1)  # a copy, a step behind

    assert response.json() == FAILED
    assert signed_in_as(browser) is None
    event = AccountEvent.objects.get(account=account, kind=AccountEvent.Kind.PASSKEY_REFUSED)
    assert event.details == {"name": "Passkey on Android"}
    assert Notice.objects.filter(subject_id=event.pk).exists()
    assert [sms["purpose"] for sms in sms_outbox] == ["security_changed"]
    assert "it may have been copied" in sms_outbox[0]["body"]
    assert Passkey.objects.get(owner=account).sign_count == 2


def test_a_forged_answer_with_an_old_counter_is_refused_without_telling_anyone(
    owner, browser, sms_outbox, django_capture_on_commit_callbacks
):
    _, authenticator = owner
    sign_in_with(Client(), authenticator)
    forger = SoftAuthenticator(
        rp_id=RP_ID, origin=ORIGIN, credential_id=authenticator.credential_id
    )
    forger.user_handle = authenticator.user_handle

    with django_capture_on_commit_callbacks(execute=True):
        response = sign_in_with(browser, forger, counter=0)

    assert response.json() == FAILED
    assert not AccountEvent.objects.filter(kind=AccountEvent.Kind.PASSKEY_REFUSED).exists()
    assert sms_outbox == []


def test_a_passkey_of_a_suspended_account_signs_nobody_in_and_says_nothing_about_why(
    owner, browser
):
    account, authenticator = owner
    account.status = AccountStatus.SUSPENDED
    account.save(update_fields=["status"])

    response = sign_in_with(browser, authenticator)

    assert response.json() == FAILED
    assert signed_in_as(browser) is None


def test_a_removed_passkey_signs_nobody_in(owner, browser):
    account, authenticator = owner
    Passkey.objects.filter(owner=account).delete()

    response = sign_in_with(browser, authenticator)

    assert response.json() == FAILED
    assert signed_in_as(browser) is None


def test_a_user_handle_that_is_not_the_owners_is_refused(owner, browser):
    _, authenticator = owner
    other, _ = account_with_passkey("omar2024", OTHER_CITIZEN_ID, OTHER_MOBILE)
    other_handle = other.webauthn_handle.handle

    response = sign_in_with(browser, authenticator, user_handle=bytes(other_handle))

    assert response.json() == FAILED
    assert signed_in_as(browser) is None


def test_an_answer_without_a_user_handle_is_refused(owner, browser):
    _, authenticator = owner
    credential = authenticator.get(sign_in_options(browser))
    credential["response"]["userHandle"] = None

    response = post_json(browser, "passkeys:sign_in", {"credential": credential})

    assert response.json() == FAILED


def test_a_signature_by_another_key_is_refused(owner, browser):
    _, authenticator = owner
    impostor = SoftAuthenticator(
        rp_id=RP_ID, origin=ORIGIN, credential_id=authenticator.credential_id
    )

    response = sign_in_with(browser, impostor, user_handle=authenticator.user_handle)

    assert response.json() == FAILED
    assert signed_in_as(browser) is None


# --- the lockout the password shares -------------------------------------------------------------
def test_wrong_answers_count_toward_the_accounts_lockout_and_then_it_is_refused_as_passwords_are(
    owner, browser
):
    account, authenticator = owner
    for _ in range(settings.LOGIN_LOCKOUT_FAILURES - 1):
        assert sign_in_with(browser, authenticator, user_verified=False).status_code == 400

    locking = sign_in_with(browser, authenticator, user_verified=False)
    right = sign_in_with(browser, authenticator)

    assert locking.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert lockout_remaining(account_key(account)) > 0
    assert right.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert right.json() == {
        "error": "rate_limited",
        "message": "Too many attempts. Try again in 15 minutes.",
    }
    assert signed_in_as(browser) is None


def test_an_account_locked_by_wrong_passwords_is_refused_with_the_same_message(owner, browser):
    account, authenticator = owner
    for _ in range(settings.LOGIN_LOCKOUT_FAILURES):  # what five wrong passwords record
        record_failure(account_key(account))

    response = sign_in_with(browser, authenticator)

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert response.json()["message"] == "Too many attempts. Try again in 15 minutes."
    assert "Retry-After" in response.headers


def test_unknown_and_malformed_answers_lock_nobody(owner, browser):
    account, _ = owner
    stranger = SoftAuthenticator(rp_id=RP_ID, origin=ORIGIN)
    stranger.user_handle = b"x" * 64
    for _ in range(settings.LOGIN_LOCKOUT_FAILURES + 1):
        sign_in_with(browser, stranger)

    assert lockout_remaining(account_key(account)) == 0


def test_the_options_are_limited_per_address(browser, settings):
    settings.PASSKEY_SIGN_IN_REQUESTS_PER_IP = 2
    sign_in_options(browser)
    sign_in_options(browser)

    response = post_json(browser, "passkeys:sign_in_options")

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert response["Retry-After"]


def test_answers_count_against_the_addresses_sign_in_attempts(owner, browser, settings):
    _, authenticator = owner
    settings.LOGIN_ATTEMPTS_PER_IP = 1
    sign_in_with(browser, authenticator, user_verified=False)

    response = sign_in_with(browser, authenticator)

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_no_passkey_sign_in_on_an_ip_address_origin(browser, settings):
    settings.PUBLIC_ORIGIN = "http://127.0.0.1:8000"

    response = post_json(browser, "passkeys:sign_in_options")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "data-passkey-signin" not in browser.get(reverse("accounts:login")).content.decode()


def test_on_a_browser_that_signed_in_before_wrong_answers_lock_that_browser_alone(owner):
    """The password's rule (decision 105): a person's own browser keeps its own count."""
    account, authenticator = owner
    own = Client()
    sign_in_with(own, authenticator)
    own.post(reverse("accounts:logout"))
    for _ in range(settings.LOGIN_LOCKOUT_FAILURES):
        sign_in_with(own, authenticator, user_verified=False)

    locked = sign_in_with(own, authenticator)
    elsewhere = sign_in_with(Client(), authenticator)

    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert lockout_remaining(account_key(account)) == 0
    assert elsewhere.status_code == HTTPStatus.OK
