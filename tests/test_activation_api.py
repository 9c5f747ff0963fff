"""The bank activation API through real signed HTTP requests to a live server (design.md §8).

Requests are signed as a bank signs them (``tests.bank_signing``) and sent to pytest-django's
``live_server``; ``PUBLIC_ORIGIN`` is the live server's origin. Tests are transactional, so the
request's transaction commits in the server's thread and the activation SMS task (immediate
backend, enqueued on commit) really runs: the locmem outbox shows what was sent.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import jsonschema_rs
import pytest
import requests

from accounts.models import AccountEvent, AccountStatus, Notice, User
from activation.keys import generate_private_key
from activation.models import ActivationEvent, ActivationOutcome, Bank
from activation.notifications import activation_sms_body
from activation.openapi import ACTIVATIONS_PATH, build_document
from tests.bank_signing import (
    API_PATH,
    DEFAULT_COVERED,
    PATH_AUTHORITY_COVERED,
    BankSigner,
    Sha512ContentDigest,
    encode,
    payload,
    register_key,
)
from tests.factories import make_user
from tests.people import (
    CITIZEN_ID,
    CITIZEN_ID_ARABIC,
    MOBILE_E164,
    OTHER_CITIZEN_ID,
    OTHER_MOBILE_E164,
)

# The fixtures anb_bank, bank_key, api_origin and signer. The serialized rollback restores the
# seeded banks before each test and flushes without re-creating content types afterwards, as
# other serialized live-server tests expect.
pytest_plugins = ["tests.bank_signing"]

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def confirmation(**extra) -> dict:
    return payload(national_id=CITIZEN_ID, mobile=MOBILE_E164, **extra)


def assert_rejected_signature(response: requests.Response, reason: str) -> None:
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["error"] == "invalid_signature"
    assert body["reason"] == reason
    assert isinstance(body["detail"], str)


def assert_nothing_happened(account: User, sms_outbox: list) -> None:
    account.refresh_from_db()
    assert account.status == AccountStatus.PENDING
    assert not ActivationEvent.objects.exists()
    assert sms_outbox == []


# --- Outcomes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "bank_name"),
    [("ar", "البنك العربي الوطني"), ("en", "Arab National Bank")],
    ids=["ar", "en"],
)
def test_valid_confirmation_activates_the_account_and_sends_one_sms_in_its_language(
    signer, pending_account, sms_outbox, language, bank_name
):
    pending_account.preferred_language = language
    pending_account.save(update_fields=["preferred_language"])

    response = signer.post(confirmation(channel="app"))

    assert response.status_code == 200, response.text
    assert response.json() == {"status": "activated"}
    assert response.headers["Content-Type"] == "application/json"
    pending_account.refresh_from_db()
    assert pending_account.status == AccountStatus.ACTIVE
    event = ActivationEvent.objects.get()
    assert (event.bank.code, event.key.key_id, event.account) == (
        "anb",
        "anb-test-1",
        pending_account,
    )
    assert (event.outcome, event.response_status) == (ActivationOutcome.ACTIVATED, 200)
    assert (event.national_id, event.mobile, event.channel) == (CITIZEN_ID, MOBILE_E164, "app")
    account_event = AccountEvent.objects.get(account=pending_account, kind="activated")
    assert account_event.source == "bank:anb"
    assert (account_event.from_status, account_event.to_status) == ("pending", "active")
    assert account_event.details["event_id"] == event.event_id
    assert len(sms_outbox) == 1
    sms = sms_outbox[0]
    assert (sms["to"], sms["purpose"]) == (MOBILE_E164, "activation")
    assert sms["body"] == activation_sms_body(event=event, language=language)
    assert bank_name in sms["body"]
    notice = Notice.objects.get(kind=Notice.Kind.ACTIVATED, subject_id=event.pk)
    assert notice.sent_at is not None


def test_already_active_account_answers_already_active_and_sends_no_sms(signer, sms_outbox):
    make_user("active2024", CITIZEN_ID, MOBILE_E164, status=AccountStatus.ACTIVE)

    response = signer.post(confirmation())

    assert response.status_code == 200
    assert response.json() == {"status": "already_active"}
    assert ActivationEvent.objects.get().outcome == ActivationOutcome.ALREADY_ACTIVE
    assert sms_outbox == []


def test_second_confirmation_of_an_activated_account_answers_already_active(
    signer, pending_account, sms_outbox
):
    assert signer.post(confirmation()).json() == {"status": "activated"}

    response = signer.post(confirmation(channel="online"))

    assert response.json() == {"status": "already_active"}
    assert len(sms_outbox) == 1
    assert AccountEvent.objects.filter(kind="activated").count() == 1


def test_unknown_id_answers_no_pending_account(signer, sms_outbox):
    response = signer.post(payload(national_id=OTHER_CITIZEN_ID, mobile=MOBILE_E164))

    assert response.status_code == 422
    assert response.json()["error"] == "no_pending_account"
    assert ActivationEvent.objects.get().outcome == ActivationOutcome.NO_PENDING_ACCOUNT
    assert sms_outbox == []


def test_other_mobile_answers_mobile_mismatch_and_leaves_the_account_pending(
    signer, pending_account, sms_outbox
):
    response = signer.post(payload(national_id=CITIZEN_ID, mobile=OTHER_MOBILE_E164))

    assert response.status_code == 422
    assert response.json()["error"] == "mobile_mismatch"
    pending_account.refresh_from_db()
    assert pending_account.status == AccountStatus.PENDING
    assert sms_outbox == []


def test_arabic_indic_digits_in_the_national_id_are_normalised(signer, pending_account, sms_outbox):
    response = signer.post(
        payload(national_id=CITIZEN_ID_ARABIC, mobile="٠٥٥١٢٣٤٥٦٧", channel="phone")
    )

    assert response.status_code == 200, response.text
    assert response.json() == {"status": "activated"}
    event = ActivationEvent.objects.get()
    assert (event.national_id, event.mobile) == (CITIZEN_ID, MOBILE_E164)
    assert len(sms_outbox) == 1


# --- Idempotency ------------------------------------------------------------------------------


def test_replay_with_a_fresh_signature_returns_the_stored_result_once(
    signer, pending_account, sms_outbox
):
    body = encode(confirmation())

    first = signer.post(body)
    replay = signer.post(body)

    assert first.status_code == replay.status_code == 200
    assert first.json() == replay.json() == {"status": "activated"}
    assert ActivationEvent.objects.count() == 1
    assert AccountEvent.objects.filter(account=pending_account, kind="activated").count() == 1
    assert len(sms_outbox) == 1


def test_replay_of_a_refusal_returns_the_stored_refusal(signer, pending_account):
    body = encode(payload(national_id=CITIZEN_ID, mobile=OTHER_MOBILE_E164))

    assert signer.post(body).json()["error"] == "mobile_mismatch"
    assert signer.post(body).json()["error"] == "mobile_mismatch"
    assert ActivationEvent.objects.count() == 1


def test_same_event_id_with_another_body_is_refused(signer, pending_account, sms_outbox):
    first = confirmation(event_id="evt-reused")
    assert signer.post(first).status_code == 200

    response = signer.post({**first, "channel": "online"})

    assert response.status_code == 422
    assert response.json()["error"] == "event_id_reused"
    assert ActivationEvent.objects.count() == 1
    assert len(sms_outbox) == 1


def test_event_ids_are_per_bank(signer, pending_account, api_origin):
    other_bank = Bank.objects.create(code="otherbank", name_en="Other", name_ar="آخر")
    key, private_key = register_key(other_bank, "other-1")
    other = BankSigner(key_id=key.key_id, private_key=private_key, origin=api_origin)
    assert signer.post(confirmation(event_id="evt-shared")).json() == {"status": "activated"}

    response = other.post(confirmation(event_id="evt-shared", channel="online"))

    assert response.json() == {"status": "already_active"}


# --- Signatures -------------------------------------------------------------------------------


def test_unsigned_request_is_rejected(signer, pending_account, sms_outbox):
    response = signer.post(confirmation(), sign=False)

    assert_rejected_signature(response, "missing_signature")
    assert_nothing_happened(pending_account, sms_outbox)


def test_body_changed_after_signing_is_rejected(signer, pending_account, sms_outbox):
    honest = confirmation()
    tampered = encode({**honest, "mobile": OTHER_MOBILE_E164})

    response = signer.post(honest, body_after_signing=tampered)

    assert_rejected_signature(response, "digest_mismatch")
    assert_nothing_happened(pending_account, sms_outbox)


def test_signature_made_with_another_private_key_is_rejected(signer, pending_account, sms_outbox):
    response = signer.post(confirmation(), private_key=generate_private_key())

    assert_rejected_signature(response, "invalid_signature")
    assert_nothing_happened(pending_account, sms_outbox)


def test_unknown_key_id_is_rejected(signer, pending_account, sms_outbox):
    response = signer.post(confirmation(), key_id="no-such-key")

    assert_rejected_signature(response, "unknown_key")
    assert_nothing_happened(pending_account, sms_outbox)


def test_revoked_key_is_rejected(signer, bank_key, pending_account, sms_outbox):
    key, _ = bank_key
    key.is_active = False
    key.save(update_fields=["is_active"])

    response = signer.post(confirmation())

    assert_rejected_signature(response, "unknown_key")
    assert_nothing_happened(pending_account, sms_outbox)


def test_key_of_an_inactive_bank_is_rejected(signer, anb_bank, pending_account, sms_outbox):
    anb_bank.is_active = False
    anb_bank.save(update_fields=["is_active"])

    response = signer.post(confirmation())

    assert_rejected_signature(response, "unknown_key")
    assert_nothing_happened(pending_account, sms_outbox)


def test_missing_content_digest_is_rejected(signer, pending_account, sms_outbox):
    response = signer.post(
        confirmation(), digest=False, covered=("@method", "@target-uri", "content-type")
    )

    assert "Content-Digest" not in response.request.headers
    assert_rejected_signature(response, "missing_component")
    assert_nothing_happened(pending_account, sms_outbox)


def test_content_digest_present_but_not_covered_is_rejected(signer, pending_account):
    response = signer.post(
        confirmation(),
        digest_of=encode(confirmation()),
        covered=("@method", "@target-uri", "content-type"),
    )

    assert_rejected_signature(response, "missing_component")


def test_wrong_content_digest_is_rejected(signer, pending_account, sms_outbox):
    response = signer.post(confirmation(), digest_of=b'{"something": "else"}')

    assert_rejected_signature(response, "digest_mismatch")
    assert_nothing_happened(pending_account, sms_outbox)


def test_sha512_content_digest_is_accepted(signer, pending_account):
    response = signer.post(confirmation(), digest_class=Sha512ContentDigest)

    assert response.request.headers["Content-Digest"].startswith("sha-512=")
    assert response.json() == {"status": "activated"}


@pytest.mark.parametrize(
    "covered",
    [
        pytest.param(("@method", "@target-uri", "content-digest"), id="content-type"),
        pytest.param(("@target-uri", "content-type", "content-digest"), id="method"),
        pytest.param(("@method", "content-type", "content-digest"), id="target"),
        pytest.param(("@method", "@path", "content-type", "content-digest"), id="authority"),
        pytest.param(("@method", "@authority", "content-type", "content-digest"), id="path"),
    ],
)
def test_signature_missing_a_required_component_is_rejected(
    signer, pending_account, sms_outbox, covered
):
    response = signer.post(confirmation(), covered=covered)

    assert_rejected_signature(response, "missing_component")
    assert_nothing_happened(pending_account, sms_outbox)


def test_path_and_authority_may_stand_for_the_target_uri(signer, pending_account):
    response = signer.post(confirmation(), covered=PATH_AUTHORITY_COVERED)

    assert response.json() == {"status": "activated"}


def test_extra_covered_components_are_accepted(signer, pending_account):
    response = signer.post(
        confirmation(),
        covered=(*DEFAULT_COVERED, "date"),
        headers={"Date": "Thu, 01 Jan 2026 09:00:00 GMT"},
    )

    assert response.json() == {"status": "activated"}


@pytest.mark.parametrize(("age", "accepted"), [(290, True), (302, False), (400, False)])
def test_signature_older_than_the_maximum_age_is_rejected(
    signer, pending_account, sms_outbox, age, accepted
):
    response = signer.post(confirmation(), created=datetime.now(UTC) - timedelta(seconds=age))

    if accepted:
        assert response.json() == {"status": "activated"}
    else:
        assert_rejected_signature(response, "expired")
        assert_nothing_happened(pending_account, sms_outbox)


@pytest.mark.parametrize(("ahead", "accepted"), [(2, True), (60, False)])
def test_signature_created_in_the_future_is_rejected_beyond_the_clock_skew(
    signer, pending_account, sms_outbox, ahead, accepted
):
    response = signer.post(confirmation(), created=datetime.now(UTC) + timedelta(seconds=ahead))

    if accepted:
        assert response.json() == {"status": "activated"}
    else:
        assert_rejected_signature(response, "created_in_future")
        assert_nothing_happened(pending_account, sms_outbox)


def test_garbage_signature_headers_are_rejected_without_a_server_error(signer, pending_account):
    response = signer.post(
        confirmation(),
        sign=False,
        headers={"Signature-Input": 'sig1=("@method";created=x', "Signature": "sig1=:%%%:"},
    )

    assert_rejected_signature(response, "invalid_signature")


def test_host_header_does_not_matter_the_signature_is_over_the_public_origin(
    signer, pending_account, settings
):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "evil.example"]

    response = signer.post(confirmation(), headers={"Host": "evil.example"})

    assert response.json() == {"status": "activated"}


def test_signature_over_another_origin_is_rejected_whatever_the_host_header(
    signer, pending_account, settings, api_origin
):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "evil.example"]
    prepared = signer.prepare(confirmation(), url="http://evil.example" + API_PATH)
    prepared.url = api_origin + API_PATH  # delivered to the portal, Host still evil.example
    prepared.headers["Host"] = "evil.example"

    with requests.Session() as session:
        response = session.send(prepared, timeout=30)

    assert_rejected_signature(response, "invalid_signature")


# --- Size, media type, JSON, fields -----------------------------------------------------------


def test_body_over_16_kib_is_refused_even_unsigned(signer, pending_account, sms_outbox):
    body = encode(confirmation(padding="x" * 16 * 1024))

    for response in (signer.post(body, sign=False), signer.post(body)):
        assert response.status_code == 413
        assert response.json()["error"] == "body_too_large"
    assert_nothing_happened(pending_account, sms_outbox)


def test_body_of_exactly_16_kib_is_read(signer, pending_account):
    body = encode(confirmation())
    body = body[:-1] + b" " * (16 * 1024 - len(body)) + b"}"
    assert len(body) == 16 * 1024

    assert signer.post(body).json() == {"status": "activated"}


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin-1"],
)
def test_signed_body_that_is_not_json_is_refused_with_415(
    signer, pending_account, sms_outbox, content_type
):
    response = signer.post(confirmation(), content_type=content_type)

    assert response.status_code == 415
    assert response.json()["error"] == "unsupported_media_type"
    assert_nothing_happened(pending_account, sms_outbox)


def test_json_with_a_utf8_charset_is_accepted(signer, pending_account):
    response = signer.post(confirmation(), content_type="application/json; charset=UTF-8")

    assert response.json() == {"status": "activated"}


@pytest.mark.parametrize(
    "body",
    [
        b'{"event_id": "evt-1",',
        b"",
        b"\xff\xfe{}",
        b'{"event_id": NaN}',
        b'{"event_id": "a", "event_id": "b"}',
        b"[" * 5000 + b"]" * 5000,
    ],
    ids=["truncated", "empty", "not-utf8", "nan", "duplicate-name", "deeply-nested"],
)
def test_broken_json_is_refused_with_400(signer, pending_account, sms_outbox, body):
    response = signer.post(body)

    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_json"
    assert_nothing_happened(pending_account, sms_outbox)


@pytest.mark.parametrize("document", [[], "text", 12, None])
def test_json_that_is_not_an_object_is_refused_with_422(signer, document):
    response = signer.post(encode(document))

    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_fields"
    assert body["codes"] == {"__all__": ["not_an_object"]}


def test_invalid_fields_are_all_reported_with_codes(signer, pending_account, sms_outbox):
    response = signer.post(
        {
            "event_id": "évènement",
            "national_id": "1234567890",
            "mobile": "+966112345678",
            "channel": "branch",
            "confirmed_at": "2026-01-01T09:00:00",
        }
    )

    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_fields"
    assert body["codes"] == {
        "event_id": ["event_id_charset"],
        "national_id": ["id_checksum"],
        "mobile": ["mobile_not_mobile"],
        "channel": ["invalid_channel"],
        "confirmed_at": ["datetime_naive"],
    }
    assert set(body["fields"]) == set(body["codes"])
    assert all(isinstance(m, str) and m for ms in body["fields"].values() for m in ms)
    assert_nothing_happened(pending_account, sms_outbox)


def test_missing_empty_and_non_string_fields_are_refused(signer):
    response = signer.post(
        {"event_id": "", "national_id": 1000000008, "mobile": None, "channel": ["atm"]}
    )

    assert response.status_code == 422
    assert response.json()["codes"] == {
        "event_id": ["required"],
        "national_id": ["not_a_string"],
        "mobile": ["required"],
        "channel": ["not_a_string"],
        "confirmed_at": ["required"],
    }


def test_unknown_fields_are_refused(signer, pending_account, sms_outbox):
    response = signer.post(confirmation(branch="Riyadh"))

    assert response.status_code == 422
    assert response.json()["codes"] == {"branch": ["unknown_field"]}
    assert_nothing_happened(pending_account, sms_outbox)


@pytest.mark.parametrize(
    ("confirmed_at", "code"),
    [
        ("yesterday", "datetime_invalid"),
        ("2026-02-30T09:00:00Z", "datetime_invalid"),
        ("2026-01-01T09:00:60Z", "datetime_invalid"),
        ("2026-01-01T09:00:00+24:00", "datetime_invalid"),
        ("0001-01-01T00:00:00+01:00", "datetime_invalid"),
        ("2026-01-01 09:00:00", "datetime_naive"),
        ("9999-12-31T23:59:59Z", "datetime_future"),
    ],
)
def test_confirmed_at_must_be_an_rfc3339_time_with_an_offset_not_in_the_future(
    signer, confirmed_at, code
):
    response = signer.post(confirmation(confirmed_at=confirmed_at))

    assert response.status_code == 422
    assert response.json()["codes"] == {"confirmed_at": [code]}


def test_confirmed_at_with_an_offset_and_a_fraction_is_stored_in_utc(signer, pending_account):
    response = signer.post(confirmation(confirmed_at="2026-01-01t12:00:00.1234567+03:00"))

    assert response.json() == {"status": "activated"}
    stored = ActivationEvent.objects.get().confirmed_at
    assert stored == datetime(2026, 1, 1, 9, 0, 0, 123456, tzinfo=UTC)


def test_event_id_longer_than_100_characters_is_refused(signer):
    response = signer.post(confirmation(event_id="e" * 101))

    assert response.json()["codes"] == {"event_id": ["max_length"]}


# --- Methods and the document -----------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_other_methods_answer_405_in_json(api_origin, method):
    response = requests.request(method, api_origin + API_PATH, timeout=30)

    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert response.json()["error"] == "method_not_allowed"


def test_a_database_outage_during_key_lookup_is_a_503_not_a_401(
    signer, pending_account, sms_outbox, monkeypatch
):
    from django.db import OperationalError

    from activation.models import BankKey

    def outage(*args, **kwargs):
        raise OperationalError("connection refused")

    body = confirmation()
    monkeypatch.setattr(BankKey.objects, "select_related", outage)
    response = signer.post(body)

    assert response.status_code == 503
    assert response.json()["error"] == "unavailable"
    assert_nothing_happened(pending_account, sms_outbox)
    # The answer is the one the OpenAPI document promises banks for 503.
    document = build_document(public_origin="https://portal.example.sa")
    documented = document["paths"][ACTIVATIONS_PATH]["post"]["responses"]["503"]
    schema_name = documented["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    jsonschema_rs.validate(document["components"]["schemas"][schema_name], response.json())


def test_a_huge_number_is_a_field_error_not_broken_json(signer):
    body = json.dumps(confirmation())[:-1] + ', "extra_number": ' + "9" * 5000 + "}"
    response = signer.post(body.encode())

    assert response.status_code == 422
    assert response.json()["error"] == "invalid_fields"


def test_a_replay_written_differently_is_still_a_replay(signer, pending_account, sms_outbox):
    first = confirmation()
    assert signer.post(first).json() == {"status": "activated"}
    arabic = first["national_id"].translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    same_meaning = {**first, "national_id": arabic}

    response = signer.post(dict(reversed(list(same_meaning.items()))))

    assert response.json() == {"status": "activated"}
    assert len(sms_outbox) == 1


@pytest.mark.parametrize("event_id", [" ", " evt-1", "evt-1 ", "évt"])
def test_an_event_id_of_spaces_or_non_ascii_is_a_field_error(signer, event_id):
    response = signer.post(confirmation(event_id=event_id))
    assert response.status_code == 422
    assert response.json()["codes"]["event_id"] == ["event_id_charset"]
