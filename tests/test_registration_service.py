"""Completing a registration (registration.services) and the lifecycle (design.md §6, §7)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext

from absher_portal.masking import mask_mobile
from accounts import otp
from accounts.models import AccountEvent, AccountStatus, OtpPurpose, User
from accounts.registration.services import RegistrationConflict, register_account
from tests.factories import make_user, verified_challenge
from tests.otp_helpers import issue, last_code
from tests.people import (
    BORDER_ID,
    CITIZEN_ID,
    MOBILE,
    MOBILE_E164,
    OTHER_CITIZEN_ID,
    OTHER_MOBILE_E164,
    OTHER_RESIDENT_ID,
    PASSWORD,
    RESIDENT_ID,
)

pytestmark = pytest.mark.django_db

MOBILE_3 = "+966501234567"
MOBILE_MOVED_SUBJECT = "Your mobile number was registered to another Absher portal account"

Kind = AccountEvent.Kind
Status = AccountStatus


@pytest.fixture
def register(sms_outbox, password_hash, settings):
    """Run ``register_account`` with a fresh verified challenge; keyword arguments override."""
    settings.OTP_LIMIT_PER_MOBILE = settings.OTP_LIMIT_PER_ID = 100

    def _register(
        *,
        national_id: str = CITIZEN_ID,
        mobile: str = MOBILE_E164,
        username: str = "ahmed2024",
        email: str = "Person@Example.SA",
        preferred_language: str = "en",
        challenge_id=None,
    ) -> User:
        if challenge_id is None:
            challenge_id = verified_challenge(sms_outbox, national_id=national_id, mobile=mobile).pk
        return register_account(
            national_id=national_id,
            mobile=mobile,
            email=email,
            username=username,
            password_hash=password_hash,
            preferred_language=preferred_language,
            challenge_id=challenge_id,
        )

    return _register


def counts() -> tuple[int, int]:
    return User.objects.count(), AccountEvent.objects.count()


def conflict(callable_, **kwargs) -> RegistrationConflict:
    with pytest.raises(RegistrationConflict) as excinfo:
        callable_(**kwargs)
    return excinfo.value


# --- register_account ------------------------------------------------------------------------


def test_register_creates_a_pending_account_with_its_details(register, password_hash):
    user = register(email="Person@Example.SA", preferred_language="ar")

    user.refresh_from_db()
    assert user.status == Status.PENDING
    assert user.national_id == CITIZEN_ID
    assert user.mobile == MOBILE_E164
    assert user.username == "ahmed2024"
    assert user.email == "Person@example.sa"
    assert user.preferred_language == "ar"
    assert user.password == password_hash
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("national_id", "kind"),
    [
        (CITIZEN_ID, "citizen"),
        (OTHER_CITIZEN_ID, "citizen"),
        (RESIDENT_ID, "resident"),
        (OTHER_RESIDENT_ID, "resident"),
        (BORDER_ID, "border"),
    ],
)
def test_register_stores_id_kind_from_the_first_digit(register, national_id, kind):
    user = register(national_id=national_id)

    assert User.objects.get(pk=user.pk).id_kind == kind


def test_register_writes_one_registered_event(register):
    user = register()

    event = AccountEvent.objects.get(account=user)
    assert event.kind == Kind.REGISTERED
    assert event.from_status == ""
    assert event.to_status == Status.PENDING
    assert event.source == "registration"
    assert isinstance(event.request_id, str)
    assert event.details.get("supersedes", []) == []


def test_register_consumes_the_challenge(register, sms_outbox):
    challenge = verified_challenge(sms_outbox, national_id=CITIZEN_ID, mobile=MOBILE_E164)

    register(challenge_id=challenge.pk)

    challenge.refresh_from_db()
    assert challenge.consumed_at is not None
    error = conflict(register, username="other2024", challenge_id=challenge.pk)
    assert (error.code, error.step) == ("code_not_verified", "verify")


def test_register_refuses_an_unverified_challenge(register):
    challenge = issue(ip="1.2.3.4")
    before = counts()

    error = conflict(register, challenge_id=challenge.pk)

    assert (error.code, error.step) == ("code_not_verified", "verify")
    assert counts() == before


def test_register_refuses_a_challenge_for_another_mobile_or_id(register, sms_outbox):
    for_other_mobile = verified_challenge(
        sms_outbox, national_id=CITIZEN_ID, mobile=OTHER_MOBILE_E164
    )
    for_other_id = verified_challenge(sms_outbox, national_id=OTHER_CITIZEN_ID, mobile=MOBILE_E164)

    assert conflict(register, challenge_id=for_other_mobile.pk).code == "code_not_verified"
    assert conflict(register, challenge_id=for_other_id.pk).code == "code_not_verified"
    assert counts() == (0, 0)


def test_register_refuses_a_challenge_for_another_purpose(register, sms_outbox):
    challenge = issue(purpose=OtpPurpose.LOGIN, ip="1.2.3.4")
    otp.verify_code(challenge.pk, last_code(sms_outbox))

    assert conflict(register, challenge_id=challenge.pk).code == "code_not_verified"


@pytest.mark.parametrize("status", [Status.ACTIVE, Status.SUSPENDED])
def test_registered_id_is_refused_and_nothing_is_written(register, sms_outbox, status):
    make_user("owner2024", CITIZEN_ID, OTHER_MOBILE_E164, status=status)
    challenge = verified_challenge(sms_outbox, national_id=CITIZEN_ID, mobile=MOBILE_E164)
    before = counts()

    error = conflict(register, challenge_id=challenge.pk)

    assert (error.code, error.step) == ("id_registered", "identity")
    assert counts() == before
    challenge.refresh_from_db()
    assert challenge.consumed_at is None


@pytest.mark.parametrize("status", [Status.SUPERSEDED, Status.EXPIRED])
def test_retired_accounts_do_not_block_their_id(register, status):
    old = make_user("ahmed2024", CITIZEN_ID, MOBILE_E164, status=status)

    user = register()

    assert user.status == Status.PENDING
    old.refresh_from_db()
    assert old.status == status
    assert not old.events.exists()


def test_older_pending_account_for_the_id_is_superseded(register):
    old = register(username="ahmed2024", mobile=MOBILE_E164)

    new = register(username="ahmed2024", mobile=MOBILE_E164)

    old.refresh_from_db()
    new.refresh_from_db()
    assert old.status == Status.SUPERSEDED
    assert new.status == Status.PENDING
    assert new.username == old.username == "ahmed2024"
    assert new.mobile == MOBILE_E164
    superseded = old.events.get(kind=Kind.SUPERSEDED)
    assert (superseded.from_status, superseded.to_status) == (Status.PENDING, Status.SUPERSEDED)
    registered = new.events.get(kind=Kind.REGISTERED)
    assert registered.details["supersedes"] == [old.pk]
    # The same person taking their own mobile back is not a "move".
    assert not AccountEvent.objects.filter(
        kind__in=[Kind.MOBILE_RELEASED, Kind.MOBILE_RECEIVED]
    ).exists()


def test_same_person_may_change_username_case_on_reregistration(register):
    old = register(username="ahmed2024")

    new = register(username="Ahmed2024", mobile=OTHER_MOBILE_E164)

    old.refresh_from_db()
    assert old.status == Status.SUPERSEDED
    assert new.username == "Ahmed2024"


def test_username_of_another_person_in_other_case_is_refused_and_nothing_written(
    register, sms_outbox
):
    make_user("Ahmed2024", OTHER_CITIZEN_ID, OTHER_MOBILE_E164, status=Status.PENDING)
    challenge = verified_challenge(sms_outbox, national_id=CITIZEN_ID, mobile=MOBILE_E164)
    before = counts()

    error = conflict(register, username="aHMED2024", challenge_id=challenge.pk)

    assert (error.code, error.step) == ("username_taken", "account")
    assert counts() == before
    challenge.refresh_from_db()
    assert challenge.consumed_at is None


def test_username_taken_check_wins_over_superseding_the_persons_pending_account(
    register, sms_outbox
):
    mine = register(username="mine20244")
    make_user("theirs2024", OTHER_CITIZEN_ID, OTHER_MOBILE_E164, status=Status.ACTIVE)

    error = conflict(register, username="THEIRS2024", mobile=MOBILE_3)

    assert error.code == "username_taken"
    mine.refresh_from_db()
    assert mine.status == Status.PENDING
    assert not mine.events.filter(kind=Kind.SUPERSEDED).exists()


def test_mobile_of_another_persons_account_moves_to_the_new_account(
    register, django_capture_on_commit_callbacks
):
    owner = make_user("owner2024", OTHER_CITIZEN_ID, MOBILE_E164, status=Status.ACTIVE)

    with django_capture_on_commit_callbacks(execute=True):
        user = register(national_id=CITIZEN_ID, mobile=MOBILE_E164)

    owner.refresh_from_db()
    user.refresh_from_db()
    assert owner.mobile == ""
    assert owner.status == Status.ACTIVE
    assert user.mobile == MOBILE_E164
    released = owner.events.get(kind=Kind.MOBILE_RELEASED)
    assert released.details["to_account"] == user.pk
    received = user.events.get(kind=Kind.MOBILE_RECEIVED)
    assert received.details["from_account"] == owner.pk


def test_previous_mobile_owner_is_emailed_in_their_language_with_the_number_masked(
    register, django_capture_on_commit_callbacks
):
    make_user(
        "owner2024",
        OTHER_CITIZEN_ID,
        MOBILE_E164,
        status=Status.ACTIVE,
        email="owner@example.sa",
        preferred_language="ar",
    )

    with django_capture_on_commit_callbacks(execute=True):
        register(national_id=CITIZEN_ID, mobile=MOBILE_E164, preferred_language="en")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["owner@example.sa"]
    assert message.subject != MOBILE_MOVED_SUBJECT
    with translation.override("ar"):
        assert message.subject == gettext(MOBILE_MOVED_SUBJECT)
    assert re.search(r"[\u0600-\u06FF]", message.subject)
    assert mask_mobile(MOBILE_E164) in message.body
    assert MOBILE_E164 not in message.body
    assert MOBILE_E164[4:] not in message.body
    assert MOBILE not in message.body


def test_english_speaking_previous_owner_gets_the_email_in_english(
    register, django_capture_on_commit_callbacks
):
    make_user("owner2024", OTHER_CITIZEN_ID, MOBILE_E164, preferred_language="en")

    with django_capture_on_commit_callbacks(execute=True), translation.override("ar"):
        register(national_id=CITIZEN_ID, mobile=MOBILE_E164, preferred_language="ar")

    assert [m.subject for m in mail.outbox] == [MOBILE_MOVED_SUBJECT]
    assert mask_mobile(MOBILE_E164) in mail.outbox[0].body


def test_no_email_is_sent_before_the_registration_commits(
    register, django_capture_on_commit_callbacks
):
    make_user("owner2024", OTHER_CITIZEN_ID, MOBILE_E164)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        register(national_id=CITIZEN_ID, mobile=MOBILE_E164)

    assert mail.outbox == []
    assert len(callbacks) == 1


def test_no_mobile_event_or_email_when_the_mobile_is_free(
    register, django_capture_on_commit_callbacks
):
    make_user("owner2024", OTHER_CITIZEN_ID, MOBILE_E164, status=Status.SUPERSEDED)

    with django_capture_on_commit_callbacks(execute=True):
        user = register(national_id=CITIZEN_ID, mobile=MOBILE_E164)

    assert user.mobile == MOBILE_E164
    assert list(user.events.values_list("kind", flat=True)) == [Kind.REGISTERED]
    assert mail.outbox == []


def test_failed_registration_leaves_the_other_persons_mobile_alone(register, sms_outbox):
    owner = make_user("owner2024", OTHER_CITIZEN_ID, MOBILE_E164)
    make_user("taken2024x", RESIDENT_ID, OTHER_MOBILE_E164)
    before = counts()

    error = conflict(register, national_id=CITIZEN_ID, mobile=MOBILE_E164, username="taken2024X")

    assert error.code == "username_taken"
    assert counts() == before
    owner.refresh_from_db()
    assert owner.mobile == MOBILE_E164
