"""Every SMS attempt leaves a record (never its body), and staff can browse the failures."""

from __future__ import annotations

import logging
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.urls import reverse

from sms.backends import BaseSmsBackend
from sms.message import SmsAlreadyClaimed, SmsError, SmsMessage
from sms.models import SmsDelivery, SmsStatus
from sms.sending import send_sms
from tests.factories import make_user, sign_in_as
from tests.people import MOBILE_E164, OTHER_CITIZEN_ID, STAFF_MOBILE
from tests.twilio_fakes import OUTAGES, message_sid

pytest_plugins = ["tests.twilio_fixtures"]  # the offline_twilio fixture

pytestmark = pytest.mark.django_db

CODE = "482913"
MESSAGE = SmsMessage(
    to=MOBILE_E164, body=f"Your code is {CODE} @portal.example.sa #{CODE}", purpose="login"
)
CHANGELIST = reverse("admin:sms_smsdelivery_changelist")


def row_values(record: SmsDelivery) -> str:
    """Everything stored in a record, as one string."""
    return " ".join(str(getattr(record, field.attname)) for field in SmsDelivery._meta.fields)


def delivery(n: int, status: str, *, purpose: str = "login", **fields) -> SmsDelivery:
    return SmsDelivery.objects.create(
        recipient=f"+96655{n:07d}", purpose=purpose, backend="twilio", status=status, **fields
    )


# --- Recording -------------------------------------------------------------------------------


def test_a_message_through_a_development_backend_is_recorded_as_sent(sms_outbox):
    assert send_sms(MESSAGE) is None

    record = SmsDelivery.objects.get()
    assert (record.recipient, record.purpose, record.backend, record.status) == (
        MOBILE_E164,
        "login",
        "locmem",
        SmsStatus.SENT,
    )
    assert record.provider_message_id is None
    assert CODE not in row_values(record)


def test_a_message_twilio_accepted_is_recorded_queued_with_its_sid(offline_twilio):
    sid = send_sms(MESSAGE)

    record = SmsDelivery.objects.get()
    assert sid == message_sid(1)
    assert (record.provider_message_id, record.status, record.backend) == (
        sid,
        SmsStatus.QUEUED,
        "twilio",
    )
    assert CODE not in row_values(record)


@pytest.mark.parametrize(
    ("outage", "status", "reason", "error_code"),
    [
        ("invalid_number_21211", SmsStatus.NOT_SENT, "invalid_number", 21211),
        ("not_mobile_21614", SmsStatus.NOT_SENT, "invalid_number", 21614),
        ("http_429", SmsStatus.NOT_SENT, "rate_limited", 20429),
        ("http_503", SmsStatus.FAILED, "provider_error", 20503),
        ("connect_timeout", SmsStatus.FAILED, "connection_error", None),
        ("connection_refused", SmsStatus.FAILED, "connection_error", None),
        ("dns_failure", SmsStatus.FAILED, "connection_error", None),
        ("tls_handshake", SmsStatus.FAILED, "connection_error", None),
        # Twilio may have taken these: a later status report may still say what became of it.
        ("http_500", SmsStatus.UNKNOWN, "provider_error", None),
        ("timeout", SmsStatus.UNKNOWN, "timeout", None),
        ("reset_after_send", SmsStatus.UNKNOWN, "connection_error", None),
        ("chunked_reply", SmsStatus.UNKNOWN, "connection_error", None),
    ],
)
def test_a_message_twilio_did_not_take_is_recorded_with_the_reason_and_the_error_raised(
    offline_twilio, outage, status, reason, error_code
):
    offline_twilio.script(OUTAGES[outage])

    with pytest.raises(SmsError) as excinfo:
        send_sms(MESSAGE)

    assert excinfo.value.reason == reason
    record = SmsDelivery.objects.get()
    assert (record.status, record.error_reason, record.error_code) == (status, reason, error_code)
    assert record.provider_message_id is None
    assert CODE not in row_values(record)


def test_a_record_that_cannot_be_written_does_not_turn_a_sent_sms_into_an_error(
    offline_twilio, caplog
):
    delivery(1, SmsStatus.DELIVERED, provider_message_id=message_sid(1))

    with caplog.at_level(logging.ERROR):
        sid = send_sms(MESSAGE)  # Twilio answers with a SID already recorded: unique violation

    assert sid == message_sid(1)
    assert offline_twilio.sent_bodies() == [MESSAGE.body]
    # The row written before sending stays as it was: handed over, outcome not recorded.
    record = SmsDelivery.objects.exclude(provider_message_id=message_sid(1)).get()
    assert (record.status, record.provider_message_id) == (SmsStatus.SUBMITTING, None)
    assert "could not record an SMS attempt" in caplog.text
    assert CODE not in caplog.text


class BrokenBackend(BaseSmsBackend):
    """A transport with a bug: it fails with something that is not an ``SmsError``."""

    def send(self, message: SmsMessage) -> str | None:
        raise KeyError("not an SmsError")


def test_a_backend_failing_with_another_exception_leaves_a_record_and_the_error_raised(settings):
    settings.SMS_BACKEND = "tests.test_sms_delivery_records.BrokenBackend"

    with pytest.raises(KeyError):
        send_sms(MESSAGE)

    record = SmsDelivery.objects.get()
    assert (record.status, record.error_reason) == (SmsStatus.UNKNOWN, "internal_error")


def test_the_record_is_committed_before_the_provider_is_asked(offline_twilio):
    seen: list[tuple[str, str | None]] = []
    offline_twilio.before_answer = lambda call: seen.extend(
        SmsDelivery.objects.values_list("status", "provider_message_id")
    )

    send_sms(MESSAGE)

    assert seen == [(SmsStatus.SUBMITTING, None)]
    callback = offline_twilio.calls[0]["data"]["StatusCallback"]
    assert callback.endswith(f"?delivery={SmsDelivery.objects.get().pk}")


def test_sending_inside_a_callers_transaction_is_refused_before_anything_is_sent(sms_outbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        send_sms(MESSAGE)

    assert sms_outbox == []
    assert not SmsDelivery.objects.exists()


def test_a_second_send_with_the_same_dedupe_key_sends_nothing(sms_outbox):
    send_sms(MESSAGE, dedupe_key="password_changed:7:1")

    with pytest.raises(SmsAlreadyClaimed):
        send_sms(MESSAGE, dedupe_key="password_changed:7:1")
    send_sms(MESSAGE, dedupe_key="password_changed:7:2")

    assert len(sms_outbox) == 2
    assert list(SmsDelivery.objects.order_by("id").values_list("dedupe_key", flat=True)) == [
        "password_changed:7:1",
        "password_changed:7:2",
    ]


def test_the_record_has_no_field_for_the_body():
    names = {field.name for field in SmsDelivery._meta.get_fields()}
    assert not names & {"body", "text", "message", "content"}


# --- Admin -----------------------------------------------------------------------------------


@pytest.fixture
def rows() -> dict[str, SmsDelivery]:
    return {
        "delivered": delivery(1, SmsStatus.DELIVERED, provider_message_id=message_sid(1)),
        "undelivered": delivery(
            2, SmsStatus.UNDELIVERED, provider_message_id=message_sid(2), error_code=30003
        ),
        "failed": delivery(3, SmsStatus.FAILED, purpose="activation", error_reason="timeout"),
        "not_sent": delivery(
            4, SmsStatus.NOT_SENT, error_reason="invalid_number", error_code=21211
        ),
        "queued": delivery(5, SmsStatus.QUEUED, provider_message_id=message_sid(5)),
        "unknown": delivery(6, SmsStatus.UNKNOWN, error_reason="timeout"),
        "submitting": delivery(7, SmsStatus.SUBMITTING, purpose="password_changed"),
    }


def listed(response) -> set[int]:
    return {record.pk for record in response.context["cl"].result_list}


def test_the_list_masks_recipients_and_shows_newest_first(staff_client, rows):
    response = staff_client.get(CHANGELIST)

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    for record in rows.values():
        assert record.recipient not in html
        assert record.recipient[-3:] in html
    assert list(response.context["cl"].result_list) == sorted(
        rows.values(), key=lambda r: (r.created_at, r.pk), reverse=True
    )


def test_not_delivered_shows_refused_failed_and_undelivered_only(staff_client, rows):
    response = staff_client.get(CHANGELIST, {"delivery": "problem"})

    assert listed(response) == {rows[k].pk for k in ("undelivered", "failed", "not_sent")}


def test_outcome_unknown_shows_sends_that_may_or_may_not_have_gone(staff_client, rows):
    response = staff_client.get(CHANGELIST, {"delivery": "unknown"})

    assert listed(response) == {rows[k].pk for k in ("unknown", "submitting")}


def test_filters_by_status_and_purpose(staff_client, rows):
    assert listed(staff_client.get(CHANGELIST, {"status__exact": "failed"})) == {rows["failed"].pk}
    assert listed(staff_client.get(CHANGELIST, {"purpose__exact": "activation"})) == {
        rows["failed"].pk
    }


@pytest.mark.parametrize("term", ["0550000004", "+966550000004", "٠٥٥٠٠٠٠٠٠٤"])
def test_search_finds_a_mobile_number_in_any_notation(staff_client, rows, term):
    assert listed(staff_client.get(CHANGELIST, {"q": term})) == {rows["not_sent"].pk}


def test_search_finds_a_provider_message_id(staff_client, rows):
    assert listed(staff_client.get(CHANGELIST, {"q": message_sid(2)})) == {rows["undelivered"].pk}


def test_a_lookup_the_list_does_not_offer_is_refused(staff_client, rows):
    response = staff_client.get(CHANGELIST, {"recipient__startswith": "+9665"})
    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_nobody_adds_changes_or_deletes_records(staff_client, rows):
    record = rows["failed"]
    change = reverse("admin:sms_smsdelivery_change", args=[record.pk])
    delete = reverse("admin:sms_smsdelivery_delete", args=[record.pk])

    assert staff_client.get(reverse("admin:sms_smsdelivery_add")).status_code == 403
    page = staff_client.get(change)
    assert page.status_code == HTTPStatus.OK
    assert 'name="status"' not in page.content.decode()
    assert staff_client.post(change, {"status": "delivered"}).status_code == 403
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    record.refresh_from_db()
    assert record.status == SmsStatus.FAILED


def test_a_reviewer_may_look_at_deliveries(client, rows):
    reviewer = make_user("review2024", OTHER_CITIZEN_ID, STAFF_MOBILE, is_staff=True)
    reviewer.groups.add(Group.objects.get(name="reviewer"))
    sign_in_as(client, reviewer)

    assert client.get(CHANGELIST).status_code == HTTPStatus.OK
    change = reverse("admin:sms_smsdelivery_change", args=[rows["failed"].pk])
    assert client.get(change).status_code == HTTPStatus.OK


def test_staff_without_the_permission_cannot(client, rows):
    sign_in_as(client, make_user("staff2024", OTHER_CITIZEN_ID, STAFF_MOBILE, is_staff=True))
    assert client.get(CHANGELIST).status_code == 403
