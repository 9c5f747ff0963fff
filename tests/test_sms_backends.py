"""SMS backends: each transport, and Twilio driven through the real twilio client offline."""

from __future__ import annotations

import json
import logging
import multiprocessing

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured
from twilio.http.http_client import TwilioHttpClient

from sms.backends import FileBackend, TwilioBackend
from sms.message import SmsError, SmsMessage
from sms.sending import get_backend, send_sms
from tests.twilio_fakes import (
    OUTAGES,
    SID,
    TOKEN,
    OfflineHttpClient,
    configure_twilio,
    message_sid,
)

BODY = "Your code is 482913 @portal.example.sa #482913"
MESSAGE = SmsMessage(to="+966501234567", body=BODY, purpose="registration")
CALLBACK = "https://portal.example.sa/sms/twilio/status/"


@pytest.fixture
def twilio_settings(settings, monkeypatch):
    """Twilio configured with a sender number; no edge/region from the environment."""
    configure_twilio(settings, monkeypatch)
    return settings


def send_failing(http_client, caplog) -> SmsError:
    """Send through Twilio expecting failure; check the body leaked nowhere; return the error."""
    with caplog.at_level(logging.DEBUG), pytest.raises(SmsError) as excinfo:
        TwilioBackend(http_client=http_client).send(MESSAGE)
    error = excinfo.value
    assert BODY not in str(error)
    assert "482913" not in caplog.text
    assert MESSAGE.to not in caplog.text
    assert error.reason in caplog.text
    return error


@pytest.mark.django_db
def test_locmem_backend_appends_to_outbox(sms_outbox):
    assert send_sms(MESSAGE) is None

    assert sms_outbox == [{"to": MESSAGE.to, "body": BODY, "purpose": "registration"}]


@pytest.mark.django_db
def test_file_backend_appends_one_utf8_json_line_per_message(settings, tmp_path):
    path = tmp_path / "nested" / "sms.jsonl"
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(path)
    arabic = SmsMessage(to="+966501234567", body="رمز التحقق 123456", purpose="login")

    send_sms(MESSAGE)
    send_sms(arabic)

    raw = path.read_text(encoding="utf-8")
    assert "رمز التحقق" in raw  # readable, not \\u escapes
    records = [json.loads(line) for line in raw.splitlines()]
    assert [(r["to"], r["body"], r["purpose"]) for r in records] == [
        (MESSAGE.to, BODY, "registration"),
        (arabic.to, arabic.body, "login"),
    ]
    assert all(r["sent_at"] for r in records)


@pytest.mark.django_db
def test_console_backend_prints_recipient_purpose_and_body(settings, capsys):
    settings.SMS_BACKEND = "console"

    send_sms(MESSAGE)

    out = capsys.readouterr().out
    assert "SMS" in out
    assert MESSAGE.to in out
    assert "registration" in out
    assert BODY in out


def test_unknown_backend_name_is_improperly_configured(settings):
    settings.SMS_BACKEND = "carrier-pigeon"

    with pytest.raises(ImproperlyConfigured):
        get_backend()


def test_unimportable_backend_path_is_improperly_configured(settings):
    settings.SMS_BACKEND = "sms.backends.NoSuchBackend"

    with pytest.raises(ImproperlyConfigured):
        get_backend()


def test_sms_message_repr_hides_body_and_number():
    assert BODY not in repr(MESSAGE)
    assert MESSAGE.to not in repr(MESSAGE)


def test_twilio_posts_form_to_messages_api_with_basic_auth(twilio_settings):
    http = OfflineHttpClient()

    message_id = get_backend(http_client=http).send(MESSAGE)

    assert message_id == message_sid(1)
    [call] = http.calls
    assert call["method"] == "POST"
    assert call["url"] == f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"
    assert call["auth"] == (SID, TOKEN)
    assert call["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert call["data"] == {
        "To": MESSAGE.to,
        "Body": BODY,
        "From": "+15005550006",
        "StatusCallback": CALLBACK,
    }


@pytest.mark.parametrize("origin", ["http://127.0.0.1:8000", "http://portal.example.sa"])
def test_twilio_asks_for_no_status_callback_without_an_https_origin(twilio_settings, origin):
    twilio_settings.PUBLIC_ORIGIN = origin
    http = OfflineHttpClient()

    TwilioBackend(http_client=http).send(MESSAGE)

    assert "StatusCallback" not in http.calls[0]["data"]


def test_twilio_uses_messaging_service_when_configured(twilio_settings):
    twilio_settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "1" * 32
    http = OfflineHttpClient()

    TwilioBackend(http_client=http).send(MESSAGE)

    assert http.calls[0]["data"] == {
        "To": MESSAGE.to,
        "Body": BODY,
        "MessagingServiceSid": "MG" + "1" * 32,
        "StatusCallback": CALLBACK,
    }


def test_twilio_default_http_client_has_configured_timeout(twilio_settings):
    client = TwilioBackend()._http_client()

    assert isinstance(client, TwilioHttpClient)
    assert client.timeout == 7.5


def test_twilio_429_is_rate_limited(twilio_settings, caplog):
    http = OfflineHttpClient(429, {"code": 20429, "message": "Too Many Requests", "status": 429})

    assert send_failing(http, caplog).reason == "rate_limited"


def test_twilio_rfc9457_429_is_rate_limited(twilio_settings, caplog):
    problem = {"type": "https://x", "title": "Too Many Requests", "status": 429, "code": 20429}

    assert send_failing(OfflineHttpClient(429, problem), caplog).reason == "rate_limited"


def test_twilio_invalid_to_number_code_is_invalid_number(twilio_settings, caplog):
    payload = {
        "code": 21211,
        "message": f"The 'To' number {MESSAGE.to} is not a valid phone number.",
        "status": 400,
    }

    assert send_failing(OfflineHttpClient(400, payload), caplog).reason == "invalid_number"


def test_twilio_400_about_to_without_known_code_is_invalid_number(twilio_settings, caplog):
    payload = {"code": 29999, "message": "Invalid 'To' Phone Number", "status": 400}

    assert send_failing(OfflineHttpClient(400, payload), caplog).reason == "invalid_number"


def test_twilio_500_is_provider_error(twilio_settings, caplog):
    http = OfflineHttpClient(500, "<html>Internal Server Error</html>")

    assert send_failing(http, caplog).reason == "provider_error"


def test_twilio_timeout_is_timeout(twilio_settings, caplog):
    http = OfflineHttpClient(raises=requests.exceptions.ReadTimeout("read timed out"))

    assert send_failing(http, caplog).reason == "timeout"


def test_twilio_connection_failure_is_connection_error(twilio_settings, caplog):
    http = OfflineHttpClient(raises=requests.exceptions.ConnectionError("refused"))

    assert send_failing(http, caplog).reason == "connection_error"


@pytest.mark.parametrize(
    ("outage", "reason", "maybe_sent", "provider_code"),
    [
        # No answer after the request went out: Twilio may have created the message.
        ("timeout", "timeout", True, None),
        # Never connected: certainly nothing was created.
        ("connect_timeout", "connection_error", False, None),
        ("connection_refused", "connection_error", False, None),
        ("dns_failure", "connection_error", False, None),
        ("tls_handshake", "connection_error", False, None),
        # Connected and written, then the connection broke: Twilio may have read it.
        ("reset_after_send", "connection_error", True, None),
        ("chunked_reply", "connection_error", True, None),
        # A 500 may come after the message was created; a 503 or 429 says it was not handled.
        ("http_500", "provider_error", True, None),
        ("http_503", "provider_error", False, 20503),
        ("http_429", "rate_limited", False, 20429),
        ("invalid_number_21211", "invalid_number", False, 21211),
        ("not_mobile_21614", "invalid_number", False, 21614),
    ],
)
def test_twilio_failure_says_whether_the_message_may_exist(
    twilio_settings, caplog, outage, reason, maybe_sent, provider_code
):
    error = send_failing(OfflineHttpClient(answers=[OUTAGES[outage]]), caplog)

    assert (error.reason, error.maybe_sent, error.provider_code) == (
        reason,
        maybe_sent,
        provider_code,
    )


def test_twilio_success_status_with_a_body_that_is_not_json_is_an_error_not_a_crash(
    twilio_settings, caplog
):
    http = OfflineHttpClient(201, "<html>proxy says hello</html>")

    error = send_failing(http, caplog)

    assert (error.reason, error.maybe_sent) == ("provider_error", True)


@pytest.mark.parametrize("missing", ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM"])
def test_twilio_missing_credentials_is_not_configured(twilio_settings, caplog, missing):
    setattr(twilio_settings, missing, "")
    http = OfflineHttpClient()

    assert send_failing(http, caplog).reason == "not_configured"
    assert http.calls == []


def test_twilio_error_is_not_chained_to_provider_text(twilio_settings):
    payload = {"code": 21211, "message": f"The 'To' number {MESSAGE.to} is bad", "status": 400}

    with pytest.raises(SmsError) as excinfo:
        TwilioBackend(http_client=OfflineHttpClient(400, payload)).send(MESSAGE)

    assert excinfo.value.__suppress_context__
    assert excinfo.value.__cause__ is None


def _send_many(path: str, worker: int) -> None:
    backend = FileBackend(path=path)
    for n in range(25):
        backend.send(SmsMessage(to=f"+9665000{worker}{n:04d}", body="x" * 3000, purpose="login"))


def test_file_backend_lines_stay_whole_when_processes_append_at_once(tmp_path):
    path = str(tmp_path / "sms.jsonl")
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_send_many, args=(path, w)) for w in range(4)]
    for proc in workers:
        proc.start()
    for proc in workers:
        proc.join(timeout=30)

    lines = (tmp_path / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 100
    assert len({json.loads(line)["to"] for line in lines}) == 100
