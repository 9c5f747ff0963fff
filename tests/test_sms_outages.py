"""Twilio outages while a code is sent: explained to the person, nothing half-made, retry works.

Every test drives the real pages with ``SMS_BACKEND="twilio"``: the twilio library builds the
request and reads the answer, and only its HTTP client is offline (``tests/twilio_fakes.py``),
scripted to time out, answer 500/503/429, or refuse the number (21211, 21614).
"""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from accounts import otp
from accounts.models import AccountStatus, OtpChallenge, OtpPurpose, User
from accounts.signin.services import PENDING_SIGNIN_KEY
from sms.models import SmsDelivery, SmsStatus
from tests.factories import make_user
from tests.otp_helpers import issue
from tests.people import (
    CITIZEN_ID,
    IP,
    MOBILE,
    MOBILE_E164,
    NEW_PASSWORD,
    OTHER_CITIZEN_ID,
    OTHER_MOBILE,
    OTHER_MOBILE_E164,
    PASSWORD,
    RESIDENT_ID,
)
from tests.registration_driver import RegistrationDriver, step_url
from tests.twilio_fakes import CREATED, OUTAGES, OfflineHttpClient

pytest_plugins = ["tests.twilio_fixtures"]  # the offline_twilio fixture

pytestmark = pytest.mark.django_db

SEND_FAILED = "We could not send the SMS. Try again in a moment."
INVALID_NUMBER = "This number cannot receive SMS messages. Check it, or use another mobile number."
SIGNIN_INVALID_NUMBER = (
    "The mobile number on your account cannot receive SMS messages, so we cannot send you a "
    "sign-in code. Ask the portal's support to update your number."
)
TOO_MANY = "Too many codes have been requested. Wait an hour and try again."
NUMBER_REFUSED = {"invalid_number_21211", "not_mobile_21614"}
LOGIN_URL = reverse("accounts:login")
LOGIN_VERIFY_URL = reverse("accounts:login_verify")
RESET_URL = reverse("accounts:password_reset")
RESET_VERIFY_URL = reverse("accounts:password_reset_verify")
RESET_NEW_URL = reverse("accounts:password_reset_new")


def last_code(twilio: OfflineHttpClient) -> str:
    """The code in the last message Twilio accepted (its WebOTP line)."""
    return re.search(r"#([0-9]{6})\s*$", twilio.sent_bodies()[-1]).group(1)


def shown_in_arabic(response, msgid: str) -> bool:
    """Whether the page (Arabic, the default language) shows the Arabic text of ``msgid``."""
    with translation.override("ar"):
        text = translation.gettext(msgid)
    return escape(text) in response.content.decode()


def wizard_error_codes(response) -> set[str]:
    return {e.code for e in response.context["wizard"]["form"].non_field_errors().as_data()}


def form_error_codes(response) -> set[str]:
    return {e.code for e in response.context["form"].non_field_errors().as_data()}


def no_usable_code() -> bool:
    return not OtpChallenge.objects.exclude(code_hmac="").filter(verified_at__isnull=True).exists()


# --- (a) the registration code -------------------------------------------------------------


@pytest.mark.parametrize("outage", sorted(OUTAGES))
def test_registration_outage_is_explained_creates_nothing_and_a_retry_registers(
    client, offline_twilio, outage
):
    driver = RegistrationDriver(client, sms_outbox=[])
    offline_twilio.script(OUTAGES[outage])
    driver.identity_step()

    response = driver.account_step()

    assert response.status_code == HTTPStatus.OK
    refused = outage in NUMBER_REFUSED
    assert wizard_error_codes(response) == {"sms_invalid_number" if refused else "send_failed"}
    assert shown_in_arabic(response, INVALID_NUMBER if refused else SEND_FAILED)
    assert not User.objects.exists()
    assert no_usable_code()
    assert SmsDelivery.objects.get().status in (
        SmsStatus.FAILED,
        SmsStatus.NOT_SENT,
        SmsStatus.UNKNOWN,  # may have been sent: no code to use, but not a certain failure
    )

    offline_twilio.script(CREATED)  # Twilio is back
    assert driver.account_step()["Location"] == step_url("verify")
    response = driver.post_step("verify", {"code": last_code(offline_twilio)})

    assert response["Location"] == reverse("accounts:registration_complete")
    account = User.objects.get()
    assert (account.status, account.mobile) == (AccountStatus.PENDING, MOBILE_E164)


def test_the_outage_message_is_translated(client, offline_twilio):
    with translation.override("ar"):
        arabic = translation.gettext(SEND_FAILED)
    assert arabic != SEND_FAILED
    offline_twilio.script(OUTAGES["http_503"])
    driver = RegistrationDriver(client, sms_outbox=[])
    driver.identity_step()

    assert arabic in driver.account_step().content.decode()


def test_resending_during_an_outage_is_explained_and_works_once_twilio_is_back(
    client, offline_twilio, frozen
):
    driver = RegistrationDriver(client, sms_outbox=[])
    driver.identity_step()
    driver.account_step()
    offline_twilio.script(OUTAGES["http_503"])
    frozen.shift(61)  # past the resend cooldown

    page = client.post(step_url("verify"), {"resend": "1"}, follow=True)

    assert shown_in_arabic(page, SEND_FAILED)
    assert no_usable_code()
    offline_twilio.script(CREATED)
    client.post(step_url("verify"), {"resend": "1"})  # no cooldown: nothing was sent
    response = driver.post_step("verify", {"code": last_code(offline_twilio)})
    assert response["Location"] == reverse("accounts:registration_complete")


def test_failed_sends_do_not_use_up_the_registration_send_limit(client, offline_twilio, settings):
    settings.OTP_LIMIT_PER_MOBILE = 2
    driver = RegistrationDriver(client, sms_outbox=[])
    offline_twilio.script(OUTAGES["http_503"])
    driver.identity_step()
    for _ in range(3):
        assert wizard_error_codes(driver.account_step()) == {"send_failed"}

    offline_twilio.script(CREATED)
    assert driver.account_step()["Location"] == step_url("verify")
    driver.post_step("verify", {"code": last_code(offline_twilio)})
    assert User.objects.filter(national_id=CITIZEN_ID).exists()


# --- (b) the sign-in code -------------------------------------------------------------------


def sign_in(client):
    return client.post(LOGIN_URL, {"identifier": "ahmed2024", "password": PASSWORD})


@pytest.mark.parametrize("outage", sorted(OUTAGES))
def test_sign_in_outage_is_explained_signs_no_one_in_and_a_retry_signs_in(
    client, offline_twilio, outage
):
    account = make_user("ahmed2024", CITIZEN_ID, MOBILE_E164)
    offline_twilio.script(OUTAGES[outage])

    response = sign_in(client)

    assert response.status_code == HTTPStatus.OK
    refused = outage in NUMBER_REFUSED
    assert form_error_codes(response) == {"sms_invalid_number" if refused else "send_failed"}
    assert shown_in_arabic(response, SIGNIN_INVALID_NUMBER if refused else SEND_FAILED)
    assert "_auth_user_id" not in client.session
    assert PENDING_SIGNIN_KEY not in client.session
    assert no_usable_code()

    offline_twilio.script(CREATED)
    assert sign_in(client)["Location"] == LOGIN_VERIFY_URL
    response = client.post(LOGIN_VERIFY_URL, {"code": last_code(offline_twilio)})

    assert response.status_code == HTTPStatus.FOUND
    assert int(client.session["_auth_user_id"]) == account.pk


def test_failed_sends_do_not_use_up_the_sign_in_send_limit(client, offline_twilio, settings):
    settings.OTP_LIMIT_PER_MOBILE = 2
    make_user("ahmed2024", CITIZEN_ID, MOBILE_E164)
    offline_twilio.script(OUTAGES["connect_timeout"])
    for _ in range(3):
        assert form_error_codes(sign_in(client)) == {"send_failed"}

    offline_twilio.script(CREATED)
    assert sign_in(client)["Location"] == LOGIN_VERIFY_URL


# --- (c) the password reset code ------------------------------------------------------------


def start_reset(client, national_id: str = CITIZEN_ID, mobile: str = MOBILE):
    return client.post(RESET_URL, {"national_id": national_id, "mobile": mobile})


@pytest.mark.parametrize("outage", sorted(OUTAGES))
def test_reset_outage_shows_the_usual_page_changes_nothing_and_a_resend_resets(
    client, offline_twilio, frozen, django_capture_on_commit_callbacks, outage
):
    account = make_user("sara2024", CITIZEN_ID, MOBILE_E164)
    offline_twilio.script(OUTAGES[outage])

    # A failed send is not revealed (decision 46): the page is the one a decoy gets.
    assert start_reset(client)["Location"] == RESET_VERIFY_URL
    page = client.get(RESET_VERIFY_URL)
    assert page.status_code == HTTPStatus.OK
    assert shown_in_arabic(
        page,
        "If the ID number and mobile number you entered match an account, we have sent a "
        "6-digit code by SMS to that mobile. Enter it below.",
    )
    account.refresh_from_db()
    assert account.check_password(PASSWORD)
    assert no_usable_code()

    offline_twilio.script(CREATED)
    frozen.shift(61)  # the resend cooldown, counted as for a decoy
    client.post(RESET_VERIFY_URL, {"resend": "1"})
    assert client.post(RESET_VERIFY_URL, {"code": last_code(offline_twilio)})["Location"] == (
        RESET_NEW_URL
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(RESET_NEW_URL, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    account.refresh_from_db()
    assert account.check_password(NEW_PASSWORD)
    assert len(offline_twilio.sent_bodies()) == 2  # the code, then "your password was changed"


def test_a_failed_reset_send_counts_like_a_decoy(client, offline_twilio, settings):
    """A real reset whose SMS failed must hit the send limit exactly when a decoy does."""
    settings.OTP_LIMIT_PER_RESET_PAIR = 2
    make_user("sara2024", CITIZEN_ID, MOBILE_E164)
    offline_twilio.script(OUTAGES["http_503"])

    def refused_at(national_id: str, mobile: str) -> int:
        for attempt in range(1, 5):
            response = start_reset(client, national_id, mobile)
            if response.status_code == HTTPStatus.OK and shown_in_arabic(response, TOO_MANY):
                return attempt
        return 0

    assert refused_at(CITIZEN_ID, MOBILE) == refused_at(OTHER_CITIZEN_ID, OTHER_MOBILE) == 3


# --- The send limits, one send at a time ------------------------------------------------------


@pytest.mark.parametrize(
    ("outage", "given_back"),
    [
        ("http_503", True),
        ("http_429", True),
        ("connect_timeout", True),
        ("connection_refused", True),
        ("dns_failure", True),
        ("tls_handshake", True),
        ("invalid_number_21211", True),
        # The provider may have taken these: the SMS may still arrive, so it counts.
        ("timeout", False),
        ("http_500", False),
        ("reset_after_send", False),
        ("chunked_reply", False),
    ],
)
def test_a_send_the_provider_certainly_did_not_make_is_not_counted(
    offline_twilio, settings, frozen, outage, given_back
):
    settings.OTP_LIMIT_PER_MOBILE = 1
    settings.OTP_LIMIT_PER_ID = 1
    offline_twilio.script(OUTAGES[outage])
    with pytest.raises(otp.OtpError):
        issue()

    offline_twilio.script(CREATED)
    if given_back:
        challenge = issue()
        assert otp.verify_code(challenge.pk, last_code(offline_twilio)).verified_at
    else:
        with pytest.raises(otp.OtpError) as excinfo:
            issue()
        assert excinfo.value.code == "rate_limited"


def test_the_address_limit_still_counts_failed_sends(offline_twilio, settings, frozen):
    settings.OTP_LIMIT_PER_IP = 2
    offline_twilio.script(OUTAGES["http_503"])
    for mobile, national_id in [(MOBILE_E164, CITIZEN_ID), (OTHER_MOBILE_E164, OTHER_CITIZEN_ID)]:
        with pytest.raises(otp.OtpError):
            issue(mobile=mobile, national_id=national_id)

    offline_twilio.script(CREATED)
    with pytest.raises(otp.OtpError) as excinfo:
        issue(mobile="+966501234567", national_id=RESIDENT_ID, ip=IP)
    assert excinfo.value.code == "rate_limited"
    assert OtpChallenge.objects.filter(purpose=OtpPurpose.REGISTRATION).count() == 2
