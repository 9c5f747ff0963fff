"""Logs carry the request id and never a password, a one-time code or a full ID number."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.conf import settings

from absher_portal.logs import RedactFilter, RequestIdFilter, redact
from tests.people import CITIZEN_ID, OTHER_RESIDENT_ID, PASSWORD
from tests.registration_driver import RegistrationDriver


def json_handler(stream: io.StringIO) -> logging.Handler:
    """A handler built exactly as production's: the settings' filters and JSON formatter."""
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactFilter())
    spec = dict(settings.LOGGING["formatters"]["json"])
    formatter_class = spec.pop("()")
    module, _, name = formatter_class.rpartition(".")
    handler.setFormatter(getattr(__import__(module, fromlist=[name]), name)(**spec))
    return handler


@pytest.fixture
def json_log():
    """Everything logged at INFO and above while the test runs, as production would write it."""
    stream = io.StringIO()
    handler = json_handler(stream)
    # Django's own loggers do not propagate to the root (settings.LOGGING): listen to both.
    loggers = [logging.getLogger(), logging.getLogger("django")]
    previous_levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    yield stream
    for logger, level in zip(loggers, previous_levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("id 2123456788 refused", "id 21******88 refused"),
        ("١٠٠٠٠٠٠٠٠٨", "١٠******٠٨"),
        ("ID=1000000008,", "ID=10******08,"),
        ("+966551234567 keeps its 12 digits", "+966551234567 keeps its 12 digits"),
        ("a code 123456 is not an ID", "a code 123456 is not an ID"),
    ],
)
def test_redact_masks_standalone_ten_digit_numbers_only(text, masked):
    assert redact(text) == masked


def test_a_json_line_masks_ids_in_arguments_extras_and_tracebacks(json_log):
    logger = logging.getLogger("tests.logs")
    try:
        raise ValueError("no account for 2123456788")
    except ValueError:
        logger.exception("lookup of %s failed", CITIZEN_ID, extra={"query": "q=1000000008"})
    line = json.loads(json_log.getvalue().splitlines()[-1])
    assert line["message"] == "lookup of 10******08 failed"
    assert line["query"] == "q=10******08"
    assert "21******88" in line["exc_info"]
    assert line["request_id"] == "-"
    assert OTHER_RESIDENT_ID not in json_log.getvalue()
    assert CITIZEN_ID not in json_log.getvalue()


@pytest.mark.django_db
def test_a_whole_registration_logs_no_password_code_or_id(client, sms_outbox, json_log):
    driver = RegistrationDriver(client=client, sms_outbox=sms_outbox)
    driver.identity_step()
    driver.account_step()
    code = driver.last_code()
    driver.verify_step(code="000000" if code != "000000" else "111111")  # a wrong code first
    response = driver.verify_step(code=code)
    assert response.status_code == 302
    written = json_log.getvalue()
    assert written, "registration logged nothing: the test would prove nothing"
    for secret in (PASSWORD, code, CITIZEN_ID):
        assert secret not in written
    for line in written.splitlines():
        assert json.loads(line)["request_id"] not in ("", None)


def test_a_request_in_extras_is_logged_as_method_and_path_without_query(json_log, rf):
    request = rf.get("/admin/accounts/user/", {"q": CITIZEN_ID, "token": "secret"})
    logging.getLogger("django.request").warning("Forbidden", extra={"request": request})
    line = json.loads(json_log.getvalue().splitlines()[-1])
    assert line["request"] == "GET /admin/accounts/user/"
    assert "secret" not in json_log.getvalue()
