"""Twilio's delivery reports: signed, stored on the SMS record, never moving it backwards."""

from __future__ import annotations

import threading
from http import HTTPStatus
from urllib.parse import quote, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from twilio.request_validator import RequestValidator

from sms.message import SmsError, SmsMessage
from sms.models import SmsDelivery, SmsStatus
from sms.sending import send_sms
from tests.people import MOBILE_E164, OTHER_MOBILE_E164
from tests.twilio_fakes import OUTAGES, TOKEN, configure_twilio, message_sid

pytest_plugins = ["tests.twilio_fixtures"]  # the offline_twilio fixture

pytestmark = pytest.mark.django_db

PATH = reverse("sms:twilio_status_callback")
PUBLIC_URL = "https://portal.example.sa" + PATH
SMS_SID = "SM" + "b" * 32


@pytest.fixture(autouse=True)
def twilio(settings, monkeypatch):
    configure_twilio(settings, monkeypatch)


@pytest.fixture
def record() -> SmsDelivery:
    return SmsDelivery.objects.create(
        recipient=MOBILE_E164,
        purpose="login",
        backend="twilio",
        provider_message_id=SMS_SID,
        status=SmsStatus.QUEUED,
    )


def report(
    client: Client,
    status: str,
    *,
    sid: str = SMS_SID,
    token: str = TOKEN,
    url: str = PUBLIC_URL,
    signature: str | None = None,
    **extra_fields: str,
):
    """POST a status report the way Twilio does, signed with ``token`` over ``url``."""
    data = {
        "MessageSid": sid,
        "SmsSid": sid,
        "MessageStatus": status,
        "SmsStatus": status,
        "AccountSid": "AC" + "0" * 32,
        "To": MOBILE_E164,
        "From": "+15005550006",
        "ApiVersion": "2010-04-01",
        **extra_fields,
    }
    if signature is None:
        signature = RequestValidator(token).compute_signature(url, data)
    target = urlsplit(url)  # Twilio requests the URL it was given, query string included
    path = f"{target.path}?{target.query}" if target.query else target.path
    return client.post(path, data, HTTP_X_TWILIO_SIGNATURE=signature)


def stored(record: SmsDelivery) -> tuple[str, int | None]:
    record.refresh_from_db()
    return record.status, record.error_code


def test_a_signed_report_stores_the_status(client, record):
    assert report(client, "delivered").status_code == HTTPStatus.OK
    assert stored(record) == (SmsStatus.DELIVERED, None)


def test_a_failure_report_stores_twilios_error_code(client, record):
    response = report(client, "undelivered", ErrorCode="30003")
    assert response.status_code == HTTPStatus.OK
    assert stored(record) == (SmsStatus.UNDELIVERED, 30003)


def test_csrf_is_not_asked_of_twilio(record):
    assert report(Client(enforce_csrf_checks=True), "sent").status_code == HTTPStatus.OK
    assert stored(record)[0] == SmsStatus.SENT


@pytest.mark.parametrize(
    "how",
    ["missing", "garbage", "other_token", "host_header_url", "tampered"],
)
def test_a_report_without_a_valid_signature_is_refused_and_changes_nothing(client, record, how):
    if how == "missing":
        response = report(client, "failed", signature="")
    elif how == "garbage":
        response = report(client, "failed", signature="bm90IGEgc2lnbmF0dXJl")
    elif how == "other_token":
        response = report(client, "failed", token="someone-elses-token")
    elif how == "host_header_url":
        # Signed over the URL the request arrived at, not the portal's public one.
        response = report(client, "failed", url="http://testserver" + PATH)
    else:
        signed_for_sent = RequestValidator(TOKEN).compute_signature(
            PUBLIC_URL,
            {"MessageSid": SMS_SID, "MessageStatus": "sent"},
        )
        response = client.post(
            PATH,
            {"MessageSid": SMS_SID, "MessageStatus": "failed"},
            HTTP_X_TWILIO_SIGNATURE=signed_for_sent,
        )
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert stored(record) == (SmsStatus.QUEUED, None)


def test_without_an_auth_token_nothing_is_trusted(client, record, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    response = report(client, "delivered", token="")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert stored(record)[0] == SmsStatus.QUEUED


def test_only_post_is_allowed(client):
    assert client.get(PATH).status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_an_unknown_message_id_is_acknowledged_and_creates_nothing(client, record):
    response = report(client, "delivered", sid="SM" + "c" * 32)
    assert response.status_code == HTTPStatus.OK
    assert SmsDelivery.objects.count() == 1
    assert stored(record)[0] == SmsStatus.QUEUED


def test_a_report_without_a_status_is_a_bad_request(client, record):
    response = report(client, "")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert stored(record)[0] == SmsStatus.QUEUED


@pytest.mark.parametrize("status", ["receiving", "received", "partially_delivered", "x" * 500])
def test_a_status_the_portal_does_not_track_is_acknowledged_and_ignored(client, record, status):
    assert report(client, status).status_code == HTTPStatus.OK
    assert stored(record)[0] == SmsStatus.QUEUED


@pytest.mark.parametrize("error_code", ["abc", "-5", "٣٠٠٠٣", "9" * 40])
def test_a_malformed_error_code_is_dropped_but_the_status_kept(client, record, error_code):
    assert report(client, "failed", ErrorCode=error_code).status_code == HTTPStatus.OK
    assert stored(record) == (SmsStatus.FAILED, None)


@pytest.mark.parametrize(
    ("reports", "final"),
    [
        (["sending", "sent", "delivered"], SmsStatus.DELIVERED),
        (["delivered", "sent"], SmsStatus.DELIVERED),  # a late "sent"
        (["delivered", "sending", "queued"], SmsStatus.DELIVERED),
        (["sent", "sent", "sending"], SmsStatus.SENT),
        (["failed", "sent", "delivered"], SmsStatus.FAILED),  # the first verdict stands
        (["undelivered", "delivered"], SmsStatus.UNDELIVERED),
        (["accepted", "sent", "read"], SmsStatus.DELIVERED),
    ],
)
def test_a_status_never_goes_backwards(client, record, reports, final):
    for status in reports:
        assert report(client, status).status_code == HTTPStatus.OK
    assert stored(record)[0] == final


def test_the_url_twilio_is_given_is_the_url_the_signature_is_checked_against(
    client, offline_twilio
):
    sid = send_sms(SmsMessage(to=MOBILE_E164, body="Code 123456", purpose="login"))
    callback_url = offline_twilio.calls[0]["data"]["StatusCallback"]

    response = report(client, "delivered", sid=sid, url=callback_url)

    assert response.status_code == HTTPStatus.OK
    assert sid == message_sid(1)
    assert SmsDelivery.objects.get(provider_message_id=sid).status == SmsStatus.DELIVERED


@pytest.mark.parametrize("delivery", ["abc", "-1", "٣", "9" * 40, ""])
def test_a_junk_delivery_in_the_url_falls_back_to_the_message_id(client, record, delivery):
    response = report(client, "delivered", url=f"{PUBLIC_URL}?delivery={quote(delivery)}")
    assert response.status_code == HTTPStatus.OK
    assert stored(record)[0] == SmsStatus.DELIVERED


def test_a_report_naming_a_record_of_another_message_is_not_stored_on_it(client, record):
    other = SmsDelivery.objects.create(
        recipient=OTHER_MOBILE_E164,
        purpose="login",
        backend="twilio",
        provider_message_id="SM" + "d" * 32,
        status=SmsStatus.QUEUED,
    )

    response = report(client, "failed", url=f"{PUBLIC_URL}?delivery={other.pk}")

    assert response.status_code == HTTPStatus.OK
    assert stored(other)[0] == SmsStatus.QUEUED
    assert stored(record)[0] == SmsStatus.FAILED  # the report's own message


def callback_from_another_process(reported: str, **fields: str):
    """``before_answer`` for the fake: Twilio's report reaches another web process (thread,
    connection) and is handled there while this one still waits for Twilio's answer."""
    answers: list[int] = []

    def post(call: dict) -> None:
        def handle() -> None:
            try:
                url = call["data"]["StatusCallback"]
                answers.append(
                    report(Client(), reported, sid=SMS_SID, url=url, **fields).status_code
                )
            finally:
                connection.close()

        thread = threading.Thread(target=handle)
        thread.start()
        thread.join(timeout=30)

    return post, answers


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("reported", "fields", "final"),
    [
        ("undelivered", {"ErrorCode": "30003"}, (SmsStatus.UNDELIVERED, 30003)),
        ("failed", {"ErrorCode": "30008"}, (SmsStatus.FAILED, 30008)),
        ("delivered", {}, (SmsStatus.DELIVERED, None)),
    ],
)
def test_a_report_that_overtakes_twilios_answer_is_stored(offline_twilio, reported, fields, final):
    post, answers = callback_from_another_process(reported, **fields)
    offline_twilio.before_answer = post
    offline_twilio.script((201, {"sid": SMS_SID, "status": "queued"}))

    sid = send_sms(SmsMessage(to=MOBILE_E164, body="Code 123456", purpose="login"))

    assert answers == [HTTPStatus.OK]
    record = SmsDelivery.objects.get()
    assert record.provider_message_id == sid == SMS_SID
    assert stored(record) == final


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("outage", ["timeout", "reset_after_send", "http_500"])
def test_a_send_that_may_have_gone_through_is_settled_by_twilios_report(offline_twilio, outage):
    post, answers = callback_from_another_process("delivered")
    offline_twilio.before_answer = post
    offline_twilio.script(OUTAGES[outage])

    with pytest.raises(SmsError):
        send_sms(SmsMessage(to=MOBILE_E164, body="Code 123456", purpose="login"))

    assert answers == [HTTPStatus.OK]
    record = SmsDelivery.objects.get()
    assert (record.provider_message_id, record.status) == (SMS_SID, SmsStatus.DELIVERED)
    assert record.error_reason in {"timeout", "connection_error", "provider_error"}


def test_without_a_report_a_send_that_may_have_gone_through_stays_unknown(offline_twilio, client):
    offline_twilio.script(OUTAGES["timeout"])
    with pytest.raises(SmsError):
        send_sms(SmsMessage(to=MOBILE_E164, body="Code 123456", purpose="login"))
    record = SmsDelivery.objects.get()
    assert (record.status, record.error_reason) == (SmsStatus.UNKNOWN, "timeout")

    url = offline_twilio.calls[0]["data"]["StatusCallback"]
    assert report(client, "sent", url=url).status_code == HTTPStatus.OK  # a later report
    assert stored(record)[0] == SmsStatus.SENT


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_concurrent_reports_leave_the_furthest_status(record):
    order = ["queued", "sending", "sent", "delivered"] * 4
    barrier = threading.Barrier(len(order))
    answers: list[int] = []

    def post(status: str) -> None:
        try:
            barrier.wait()
            answers.append(report(Client(), status).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(status,)) for status in reversed(order)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert answers == [HTTPStatus.OK] * len(order)
    assert stored(record)[0] == SmsStatus.DELIVERED
