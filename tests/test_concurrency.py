"""Racing registrations on a real database: constraints plus transactions hold (design.md §12).

Each of sixteen threads completes a registration through ``register_account`` at the same
moment (``tests.race_helpers.race``: a ``threading.Barrier``), on its own database connection.
SQLite serialises writers with a database-wide lock, so this only proves something on
PostgreSQL. The same races through the wizard and the live server are in
``tests/test_races_wizard.py``.
"""

from __future__ import annotations

import pytest
from django.db.models.functions import Lower

from accounts import otp
from accounts.models import AccountEvent, AccountStatus, OtpChallenge, OtpPurpose, User
from accounts.registration.services import RegistrationConflict, register_account
from tests.factories import verified_challenge
from tests.race_helpers import RACE_MARKS, THREADS, citizen_ids, mobiles, race

CITIZEN_IDS = citizen_ids(THREADS)
MOBILES = mobiles(THREADS)

pytestmark = RACE_MARKS


@pytest.fixture(autouse=True)
def _generous_send_limits(settings):
    settings.OTP_LIMIT_PER_MOBILE = settings.OTP_LIMIT_PER_ID = settings.OTP_LIMIT_PER_IP = 1000


def race_registrations(registrations: list[dict]) -> list[object]:
    """Complete every registration at once; each outcome is a ``User`` or the exception."""
    return race([lambda kwargs=kwargs: register_account(**kwargs) for kwargs in registrations])


def assert_only_users_or_conflicts(outcomes: list[object]) -> None:
    unexpected = [o for o in outcomes if not isinstance(o, User | RegistrationConflict)]
    assert not unexpected, unexpected


def test_racing_registrations_for_one_id_leave_exactly_one_pending_account(
    sms_outbox, password_hash
):
    national_id = CITIZEN_IDS[0]
    registrations = [
        {
            "national_id": national_id,
            "mobile": MOBILES[i],
            "email": f"person{i}@example.sa",
            "username": f"person{i}abc",
            "password_hash": password_hash,
            "preferred_language": "en",
            "challenge_id": verified_challenge(
                sms_outbox, national_id=national_id, mobile=MOBILES[i]
            ).pk,
        }
        for i in range(THREADS)
    ]

    outcomes = race_registrations(registrations)

    assert_only_users_or_conflicts(outcomes)
    winners = [o for o in outcomes if isinstance(o, User)]
    losers = [o for o in outcomes if isinstance(o, RegistrationConflict)]
    assert winners
    assert len(winners) + len(losers) == THREADS
    assert User.objects.filter(national_id=national_id, status=AccountStatus.PENDING).count() == 1
    # A thread that started after another had committed legitimately supersedes it; every
    # other account written is superseded, with its event, and nothing else survives.
    pending = User.objects.get(national_id=national_id, status=AccountStatus.PENDING)
    assert pending.pk in {w.pk for w in winners}
    superseded = User.objects.filter(national_id=national_id, status=AccountStatus.SUPERSEDED)
    assert superseded.count() == len(winners) - 1
    assert User.objects.count() == len(winners)
    for account in superseded:
        assert account.events.filter(kind=AccountEvent.Kind.SUPERSEDED).count() == 1
    assert AccountEvent.objects.filter(kind=AccountEvent.Kind.REGISTERED).count() == len(winners)
    # Losers' transactions rolled back: their challenges are still unused.
    consumed = OtpChallenge.objects.filter(consumed_at__isnull=False).count()
    assert consumed == len(winners)


def test_racing_registrations_for_one_username_leave_exactly_one_account(sms_outbox, password_hash):
    registrations = [
        {
            "national_id": CITIZEN_IDS[i],
            "mobile": MOBILES[i],
            "email": f"person{i}@example.sa",
            # Same username, in differing letter case.
            "username": "sameName2024" if i % 2 else "SAMENAME2024",
            "password_hash": password_hash,
            "preferred_language": "en",
            "challenge_id": verified_challenge(
                sms_outbox, national_id=CITIZEN_IDS[i], mobile=MOBILES[i]
            ).pk,
        }
        for i in range(THREADS)
    ]

    outcomes = race_registrations(registrations)

    assert_only_users_or_conflicts(outcomes)
    winners = [o for o in outcomes if isinstance(o, User)]
    assert len(winners) == 1
    conflicts = [o for o in outcomes if isinstance(o, RegistrationConflict)]
    assert len(conflicts) == THREADS - 1
    assert {(c.code, c.step) for c in conflicts} == {("username_taken", "account")}
    held = User.objects.alias(lower=Lower("username")).filter(lower="samename2024")
    assert held.count() == 1
    assert held.get().status == AccountStatus.PENDING
    assert AccountEvent.objects.count() == 1
    assert OtpChallenge.objects.filter(consumed_at__isnull=False).count() == 1


def test_racing_resends_send_one_sms(sms_outbox, time_machine):
    time_machine.move_to("2026-11-26 10:00:00+03:00", tick=False)
    challenge = otp.issue_challenge(
        purpose=OtpPurpose.REGISTRATION,
        mobile=MOBILES[0],
        language="en",
        ip="198.51.100.7",
        national_id=CITIZEN_IDS[0],
    )
    time_machine.shift(61)
    outcomes = race(
        [
            lambda: otp.resend_code(challenge.pk, language="en", ip="198.51.100.7")
            for _ in range(THREADS)
        ]
    )

    sent = [o for o in outcomes if isinstance(o, OtpChallenge)]
    refused = [o for o in outcomes if isinstance(o, otp.OtpError)]
    assert len(sent) == 1
    assert {e.code for e in refused} == {"cooldown"}
    assert len(sms_outbox) == 2
    assert OtpChallenge.objects.get(pk=challenge.pk).sends == 2
