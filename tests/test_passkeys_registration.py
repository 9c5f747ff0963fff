"""Adding a passkey on the security page (passkeys/registration.py, design.md §19).

The options ask for a discoverable credential with user verification, for the RP ID and
origin of ``PUBLIC_ORIGIN``, excluding the person's passkeys; the answer is verified by the
library against a challenge this session was given less than five minutes ago, once.
"""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from accounts import factors
from accounts.models import AccountEvent, Notice
from passkeys import challenges
from passkeys.models import Passkey, UserHandle
from passkeys.services import MAX_PASSKEYS
from tests.factories import make_user, sign_in_as
from tests.passkey_helpers import (
    ANDROID,
    ORIGIN,
    RP_ID,
    add_options,
    add_passkey,
    post_json,
)
from tests.people import CITIZEN_ID, MOBILE, OTHER_CITIZEN_ID, OTHER_MOBILE
from tests.webauthn_authenticator import SoftAuthenticator

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_origin")]


@pytest.fixture
def account():
    return make_user("sara2024", CITIZEN_ID, MOBILE, preferred_language="en")


@pytest.fixture
def browser(account) -> Client:
    return sign_in_as(Client(), account)


@pytest.fixture
def authenticator() -> SoftAuthenticator:
    return SoftAuthenticator(rp_id=RP_ID, origin=ORIGIN)


def test_the_options_ask_for_a_discoverable_user_verified_passkey_for_the_public_origin(
    browser, account
):
    options = add_options(browser)

    assert options["rp"]["id"] == RP_ID
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["attestation"] == "none"
    assert options["timeout"] == challenges.LIFETIME_SECONDS * 1000
    assert options["user"]["name"] == "sara2024"
    assert options["excludeCredentials"] == []


def test_the_user_handle_is_64_random_bytes_made_once_never_the_id_number(browser, account):
    first, second = add_options(browser)["user"]["id"], add_options(browser)["user"]["id"]

    handle = bytes(UserHandle.objects.get(account=account).handle)
    assert first == second
    assert len(handle) == 64
    assert CITIZEN_ID.encode() not in handle and b"sara2024" not in handle
    other = make_user("omar2024", OTHER_CITIZEN_ID, OTHER_MOBILE)
    assert add_options(sign_in_as(Client(), other))["user"]["id"] != first


def test_a_passkey_is_added_recorded_and_told_by_sms(
    browser, account, authenticator, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = add_passkey(browser, authenticator)

    assert response.status_code == HTTPStatus.OK
    # The first passkey leads to the recovery codes, made and shown once (decision 283).
    assert response.json() == {"next": reverse("authenticator:first_codes")}
    passkey = Passkey.objects.get(owner=account)
    assert bytes(passkey.credential_id) == authenticator.credential_id
    assert passkey.name == "Passkey on Android"
    assert passkey.transports == ["internal"]
    assert passkey.sign_count == 0 and passkey.last_used_at is None
    event = AccountEvent.objects.get(account=account, kind=AccountEvent.Kind.PASSKEY_ADDED)
    assert event.details == {"name": "Passkey on Android"}
    assert event.source == "security"
    assert Notice.objects.filter(subject_id=event.pk, kind=Notice.Kind.SECURITY_CHANGED).exists()
    assert [sms["purpose"] for sms in sms_outbox] == ["security_changed"]
    assert sms_outbox[0]["body"].startswith("A passkey was added to your Absher portal account")


def test_the_existing_passkeys_are_excluded_from_a_new_one(browser, authenticator):
    add_passkey(browser, authenticator)

    excluded = add_options(browser)["excludeCredentials"]

    assert [item["transports"] for item in excluded] == [["internal"]]
    assert len(excluded) == 1


def test_the_same_passkey_twice_is_refused_as_already_added(browser, authenticator):
    add_passkey(browser, authenticator)
    response = add_passkey(browser, authenticator)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"] == "already_added"
    assert Passkey.objects.count() == 1


def test_another_persons_passkey_cannot_be_added_to_this_account(browser, authenticator):
    add_passkey(browser, authenticator)
    other = sign_in_as(Client(), make_user("omar2024", OTHER_CITIZEN_ID, OTHER_MOBILE))

    response = add_passkey(other, authenticator)

    assert response.json()["error"] == "failed"
    assert Passkey.objects.count() == 1


# --- attacks --------------------------------------------------------------------------------
def test_a_passkey_made_for_another_origin_is_refused(browser, authenticator):
    response = add_passkey(browser, authenticator, origin="https://absher-portal.example.com")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"] == "failed"
    assert not Passkey.objects.exists()


def test_a_passkey_made_for_another_rp_id_is_refused(browser, authenticator):
    response = add_passkey(browser, authenticator, rp_id="example.com")

    assert response.json()["error"] == "failed"
    assert not Passkey.objects.exists()


def test_a_passkey_made_without_user_verification_is_refused(browser, authenticator):
    response = add_passkey(browser, authenticator, user_verified=False)

    assert response.json()["error"] == "failed"
    assert not Passkey.objects.exists()


def test_a_challenge_answered_twice_is_refused_the_second_time(browser, authenticator):
    credential = authenticator.create(add_options(browser))
    first = post_json(browser, "passkeys:add", {"credential": credential})
    Passkey.objects.all().delete()

    again = post_json(browser, "passkeys:add", {"credential": credential})

    assert first.status_code == HTTPStatus.OK
    assert again.json()["error"] == "expired"
    assert not Passkey.objects.exists()


def test_a_challenge_given_to_another_session_is_refused(account, authenticator):
    theirs, ours = sign_in_as(Client(), account), sign_in_as(Client(), account)
    credential = authenticator.create(add_options(theirs))

    response = post_json(ours, "passkeys:add", {"credential": credential})

    assert response.json()["error"] == "expired"
    assert not Passkey.objects.exists()


def test_a_challenge_older_than_five_minutes_is_refused(frozen, browser, authenticator):
    options = add_options(browser)
    frozen.shift(challenges.LIFETIME_SECONDS - 2)
    session = browser.session  # still a recent sign-in: only the challenge is old
    factors.record(session, factors.Factor.PASSWORD)
    factors.record(session, factors.Factor.SMS)
    session.save()
    frozen.shift(3)

    response = post_json(browser, "passkeys:add", {"credential": authenticator.create(options)})

    assert response.json()["error"] == "expired"


def test_a_failed_answer_uses_the_challenge_up(browser, authenticator):
    options = add_options(browser)
    post_json(
        browser,
        "passkeys:add",
        {"credential": authenticator.create(options, origin="https://evil.example")},
    )

    response = post_json(browser, "passkeys:add", {"credential": authenticator.create(options)})

    assert response.json()["error"] == "expired"


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"credential": 7}',
        b'{"credential": {"id": "x", "rawId": "x", "response": {}}}',
        b'{"credential": {"id": "!!", "rawId": "!!", "type": "public-key", "response": '
        b'{"clientDataJSON": "!!", "attestationObject": "??"}}}',
        b'{"credential": {"id": "AA", "rawId": "AA", "type": "public-key", "response": '
        b'{"clientDataJSON": "_w", "attestationObject": "AA"}}}',
    ],
)
def test_a_malformed_answer_is_a_translated_refusal_not_an_error(browser, body):
    add_options(browser)

    response = browser.post(reverse("passkeys:add"), data=body, content_type="application/json")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "error": "failed",
        "message": "The passkey could not be added. Try again.",
    }


def test_the_refusal_is_in_the_persons_language(browser, authenticator, account):
    account.preferred_language = "ar"
    account.save(update_fields=["preferred_language"])

    response = add_passkey(browser, authenticator, origin="https://evil.example")

    assert response.json()["message"] == "تعذّرت إضافة مفتاح المرور. حاول مرة أخرى."


# --- who may add one -------------------------------------------------------------------------
def test_adding_needs_a_sign_in_in_the_last_five_minutes(frozen, browser):
    frozen.shift(6 * 60)

    response = post_json(browser, "passkeys:add_options")

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json()["error"] == "reauthenticate"
    assert response.json()["next"].startswith(reverse("security:confirm"))


def test_a_session_signed_in_without_its_second_factor_cannot_ask(account):
    browser = Client()
    browser.force_login(account)

    response = post_json(browser, "passkeys:add_options")

    assert response.status_code == HTTPStatus.FOUND
    assert not UserHandle.objects.exists()


def test_the_options_are_given_to_a_post_only(browser):
    assert browser.get(reverse("passkeys:add_options")).status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_an_account_has_at_most_twenty_passkeys(browser, account):
    for number in range(MAX_PASSKEYS):
        Passkey.objects.create(
            owner=account, credential_id=bytes([number]) * 16, public_key=b"k", name=f"Key {number}"
        )

    response = post_json(browser, "passkeys:add_options")

    assert response.json()["error"] == "too_many"


def test_asking_to_add_is_limited_per_account(browser, settings):
    settings.PASSKEY_ADD_REQUESTS_PER_ACCOUNT = 2
    add_options(browser)
    add_options(browser)

    response = post_json(browser, "passkeys:add_options")

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert response.json()["error"] == "rate_limited"


# --- names -----------------------------------------------------------------------------------
def test_a_second_passkey_on_the_same_platform_gets_a_number(browser, account):
    add_passkey(browser, SoftAuthenticator(rp_id=RP_ID, origin=ORIGIN))
    add_passkey(browser, SoftAuthenticator(rp_id=RP_ID, origin=ORIGIN), user_agent=ANDROID)

    names = list(Passkey.objects.filter(owner=account).values_list("name", flat=True))

    assert names == ["Passkey on Android", "Passkey on Android (2)"]


def test_a_security_key_and_an_unknown_device_are_named_for_what_they_are(browser, account):
    key = SoftAuthenticator(
        rp_id=RP_ID, origin=ORIGIN, attachment="cross-platform", transports=["usb"]
    )
    unknown = SoftAuthenticator(rp_id=RP_ID, origin=ORIGIN, attachment="platform", transports=[])
    add_passkey(browser, key)
    add_passkey(browser, unknown, user_agent="")

    names = list(Passkey.objects.filter(owner=account).values_list("name", flat=True))

    assert names == ["Security key", "Passkey 2"]


def test_the_default_name_is_in_the_language_of_the_page(browser, account):
    browser.cookies["django_language"] = "ar"

    add_passkey(browser, SoftAuthenticator(rp_id=RP_ID, origin=ORIGIN))

    assert Passkey.objects.get(owner=account).name == "مفتاح مرور على أندرويد"


def test_the_first_passkey_leads_to_the_recovery_codes_and_a_second_one_home(browser, account):
    first = add_passkey(browser, SoftAuthenticator(rp_id=RP_ID, origin=ORIGIN))
    assert first.json() == {"next": reverse("authenticator:first_codes")}
    codes_page = browser.get(first.json()["next"])  # made and shown once
    assert codes_page.status_code == HTTPStatus.OK
    assert account.recovery_codes.count() == 10

    second = add_passkey(browser, SoftAuthenticator(rp_id=RP_ID, origin=ORIGIN))
    assert second.json() == {"next": reverse("security:page")}
