"""Each business counter of /metrics moves where its event happens (issue 17 item 3)."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts import otp
from accounts.models import OtpPurpose
from sms.message import SmsMessage
from sms.models import SmsDelivery, SmsStatus
from sms.records import apply_provider_status
from sms.sending import send_sms
from tests.factories import make_user
from tests.metrics_helpers import Moves
from tests.otp_helpers import FAILING_BACKEND, issue, last_code, otp_error, wrong_code_for
from tests.people import CITIZEN_ID, MOBILE, MOBILE_E164
from tests.registration_driver import RegistrationDriver
from tests.test_signin import WRONG_PASSWORD, fail, post_password, sign_in

pytestmark = pytest.mark.django_db

STYLESHEET = "portal.css"


def test_a_registration_through_the_wizard_moves_started_completed_and_each_step(
    client, sms_outbox
):
    client.cookies["django_language"] = "en"
    started = Moves("portal_registrations_total", event="started", language="en")
    completed = Moves("portal_registrations_total", event="completed", language="en")
    steps = {
        step: Moves("portal_registration_steps_total", step=step, language="en")
        for step in ("identity", "account", "verify")
    }
    response = RegistrationDriver(client, sms_outbox).register()
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("accounts:registration_complete")
    assert (started.by(), completed.by()) == (1, 1)
    assert {step: moved.by() for step, moved in steps.items()} == {
        "identity": 1,
        "account": 1,
        "verify": 1,
    }


def test_an_arabic_page_counts_under_ar_and_an_invalid_step_counts_nothing(client, sms_outbox):
    client.cookies["django_language"] = "ar"
    started = Moves("portal_registrations_total", event="started", language="ar")
    any_step = Moves("portal_registration_steps_total")
    driver = RegistrationDriver(client, sms_outbox)
    driver.identity_step(national_id="123")  # not a valid ID number
    assert (started.by(), any_step.by()) == (0, 0)
    driver.identity_step()
    assert (started.by(), any_step.by()) == (1, 1)


def test_a_code_sent_verified_and_refused_moves_its_purposes_counters(sms_outbox):
    sent = Moves("portal_otp_sends_total", purpose="registration", outcome="sent")
    verified = Moves("portal_otp_verifications_total", purpose="registration", outcome="verified")
    wrong = Moves("portal_otp_verifications_total", purpose="registration", outcome="wrong_code")
    challenge = issue()
    code = last_code(sms_outbox)
    assert otp_error(otp.verify_code, challenge.pk, wrong_code_for(code)).code == "wrong_code"
    otp.verify_code(challenge.pk, code)
    assert (sent.by(), verified.by(), wrong.by()) == (1, 1, 1)


def test_a_code_the_provider_refused_counts_as_failed(settings):
    settings.SMS_BACKEND = FAILING_BACKEND
    failed = Moves("portal_otp_sends_total", purpose="login", outcome="failed")
    sent = Moves("portal_otp_sends_total", purpose="login", outcome="sent")
    assert otp_error(issue, purpose=OtpPurpose.LOGIN).code == "send_failed"
    assert (failed.by(), sent.by()) == (1, 0)


def test_an_sms_attempt_and_a_provider_report_count_their_outcomes(sms_outbox):
    attempt = Moves("portal_sms_attempts_total", purpose="activation", status="sent")
    delivered = Moves("portal_sms_provider_reports_total", status="delivered")
    send_sms(SmsMessage(to=MOBILE_E164, body="hello", purpose="activation"))
    assert attempt.by() == 1
    row = SmsDelivery.objects.get()
    assert apply_provider_status("SM" + "0" * 32, SmsStatus.DELIVERED, delivery_id=row.pk)
    assert delivered.by() == 1
    assert not apply_provider_status("SM" + "1" * 32, SmsStatus.DELIVERED)  # no such message
    assert delivered.by() == 1


def test_a_sign_in_counts_the_password_and_the_sms_code(client, sms_outbox):
    make_user("Ahmed2024", CITIZEN_ID, MOBILE)
    password = Moves("portal_sign_ins_total", factor="password", outcome="success")
    sms = Moves("portal_sign_ins_total", factor="sms", outcome="success")
    response = sign_in(client, sms_outbox)
    assert response.status_code == HTTPStatus.FOUND
    assert (password.by(), sms.by()) == (1, 1)


def test_wrong_passwords_count_as_failures_and_the_fifth_as_a_lockout(client, frozen):
    make_user("Ahmed2024", CITIZEN_ID, MOBILE)
    failures = Moves("portal_sign_ins_total", factor="password", outcome="failure")
    lockouts = Moves("portal_sign_in_lockouts_total", factor="password")
    fail(client, "ahmed2024", 4)
    assert (failures.by(), lockouts.by()) == (4, 0)
    locked = post_password(client, "ahmed2024", WRONG_PASSWORD)
    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert (failures.by(), lockouts.by()) == (5, 1)


def test_a_wrong_sms_code_at_sign_in_counts_as_a_failure(client, sms_outbox):
    make_user("Ahmed2024", CITIZEN_ID, MOBILE)
    failures = Moves("portal_sign_ins_total", factor="sms", outcome="failure")
    post_password(client, "ahmed2024")
    code = last_code(sms_outbox)
    client.post(reverse("accounts:login_verify"), {"code": wrong_code_for(code)})
    assert failures.by() == 1


def test_request_time_is_labelled_by_url_name_never_by_path(client, settings):
    settings.WHITENOISE_USE_FINDERS = settings.WHITENOISE_AUTOREFRESH = True
    named = Moves("portal_request_duration_seconds_count", view="healthz")
    unmatched = Moves("portal_request_duration_seconds_count", view="unmatched")
    static = Moves("portal_request_duration_seconds_count", view="static")
    client.get("/healthz")
    client.get(f"/{CITIZEN_ID}/no-such-page")
    assert client.get(f"/static/css/{STYLESHEET}").status_code == HTTPStatus.OK
    assert (named.by(), unmatched.by(), static.by()) == (1, 1, 1)
    text = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert CITIZEN_ID not in text and "no-such-page" not in text
