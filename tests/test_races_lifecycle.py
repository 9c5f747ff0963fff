"""Status changes racing each other on a real database (design.md §7, §8, §12; issue 6).

An account has one status at a time and every change is recorded once, whoever gets there
first: the expiry command against a bank activation of an account just past its time, several
expiry runs at once (cron overlapping itself), staff approving while banks confirm, and a new
registration for the same ID superseding the pending account a bank is confirming. Each race
is repeated for some rounds, since which side wins varies; every round must end in a state
some serial order of the same calls could have produced.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts import lifecycle
from accounts.models import AccountEvent, AccountStatus, User
from accounts.registration.services import RegistrationConflict, register_account
from activation.models import ActivationEvent, ActivationOutcome
from activation.services import Confirmation, activation_confirm
from tests.activation_helpers import ACTIVATED, ALREADY_ACTIVE
from tests.factories import make_user, verified_challenge
from tests.people import STAFF_MOBILE
from tests.race_helpers import RACE_MARKS, THREADS, citizen_ids, mobiles, race

pytest_plugins = ["tests.bank_signing"]  # anb_bank, bank_key

pytestmark = RACE_MARKS

ROUNDS = 20
Kind = AccountEvent.Kind


@pytest.fixture(autouse=True)
def _cheap_hashes(settings):
    settings.ARGON2_TIME_COST, settings.ARGON2_MEMORY_COST_KIB = 1, 1024
    settings.OTP_LIMIT_PER_MOBILE = settings.OTP_LIMIT_PER_ID = settings.OTP_LIMIT_PER_IP = 1000


def confirm(key, *, national_id: str, mobile: str, event_id: str):
    confirmation = Confirmation(
        event_id=event_id,
        national_id=national_id,
        mobile=mobile,
        channel="atm",
        confirmed_at=timezone.now() - timedelta(minutes=1),
    )
    return lambda: activation_confirm(key=key, confirmation=confirmation)


def expire_command() -> int:
    """Run ``manage.py expire_pending_accounts``; return how many it says it expired."""
    out = StringIO()
    call_command("expire_pending_accounts", stdout=out)
    return int(re.search(r"\d+", out.getvalue()).group())


def registration(
    sms_outbox: list[dict], national_id: str, mobile: str, username: str, password_hash: str
) -> Callable[[], User]:
    """The wizard's last step for this ID and mobile, its code already verified (§6)."""
    challenge = verified_challenge(sms_outbox, national_id=national_id, mobile=mobile)
    details = {
        "national_id": national_id,
        "mobile": mobile,
        "email": "again@example.sa",
        "username": username,
        "password_hash": password_hash,
        "preferred_language": "en",
        "challenge_id": challenge.pk,
    }
    return lambda: register_account(**details)


def kinds(account: User) -> list[str]:
    return list(account.events.order_by("pk").values_list("kind", flat=True))


def activation_sms_to(sms_outbox: list[dict], mobile: str) -> int:
    return sum(sms["to"] == mobile and sms["purpose"] == "activation" for sms in sms_outbox)


def accounts_just_past_their_time(username: str, settings) -> Iterator[User]:
    """One pending account per round, a second past ``PENDING_TTL_DAYS``, each with its own ID
    and mobile; ``username`` is a format with one slot for the round."""
    just_expired = timedelta(days=settings.PENDING_TTL_DAYS, seconds=1)
    ids_and_mobiles = zip(citizen_ids(ROUNDS), mobiles(ROUNDS), strict=True)
    for round_, (national_id, mobile) in enumerate(ids_and_mobiles):
        yield make_user(
            username.format(round_),
            national_id,
            mobile,
            status=AccountStatus.PENDING,
            created_at=timezone.now() - just_expired,
        )


def test_expiry_beside_an_activation_of_an_account_just_past_its_time_is_one_or_the_other(
    bank_key, sms_outbox, settings, record_property
):
    key, _ = bank_key
    outcomes = Counter()

    for round_, account in enumerate(accounts_just_past_their_time("late{:02d}abc", settings)):
        national_id, mobile = account.national_id, account.mobile
        expired, answer = race(
            [
                expire_command,
                confirm(key, national_id=national_id, mobile=mobile, event_id=f"evt-{round_}"),
            ]
        )

        account.refresh_from_db()
        stored = ActivationEvent.objects.get(event_id=f"evt-{round_}")
        if account.status == AccountStatus.ACTIVE:
            assert (expired, answer) == (0, ACTIVATED)
            assert kinds(account) == [Kind.ACTIVATED]
            assert (stored.outcome, stored.account) == (ActivationOutcome.ACTIVATED, account)
            assert activation_sms_to(sms_outbox, mobile) == 1
        else:
            assert account.status == AccountStatus.EXPIRED
            assert expired == 1
            assert (answer.status, answer.body["error"]) == (422, "no_pending_account")
            assert kinds(account) == [Kind.EXPIRED]
            assert stored.outcome == ActivationOutcome.NO_PENDING_ACCOUNT
            assert activation_sms_to(sms_outbox, mobile) == 0
        outcomes[account.status] += 1

    record_property("expiry_vs_activation", dict(outcomes))
    assert sum(outcomes.values()) == ROUNDS


def test_expiry_beside_a_new_registration_for_the_same_id_is_one_or_the_other(
    sms_outbox, settings, password_hash, record_property
):
    """Expired first: the new account supersedes nothing. Registered first: nothing expires."""
    outcomes = Counter()

    for round_, old in enumerate(accounts_just_past_their_time("old{:02d}abcd", settings)):
        national_id, mobile = old.national_id, old.mobile
        register_again = registration(
            sms_outbox, national_id, mobile, f"new{round_:02d}abcd", password_hash
        )

        expired, new = race([expire_command, register_again])

        assert isinstance(new, User), new
        old.refresh_from_db()
        registered = new.events.get()
        if old.status == AccountStatus.EXPIRED:
            assert expired == 1
            assert kinds(old) == [Kind.EXPIRED]
            assert registered.details == {}
        else:
            assert old.status == AccountStatus.SUPERSEDED
            assert expired == 0
            assert kinds(old) == [Kind.SUPERSEDED]
            assert registered.details == {"supersedes": [old.pk]}
        assert User.objects.get(national_id=national_id, status="pending") == new
        assert User.objects.get(mobile=mobile, status="pending") == new
        outcomes[old.status] += 1

    record_property("expiry_vs_registration", dict(outcomes))


def test_sixteen_expiry_runs_at_once_expire_each_account_once():
    now = timezone.now()
    due = [
        make_user(f"due{n:02d}abcd", national_id, status=AccountStatus.PENDING)
        for n, national_id in enumerate(citizen_ids(10))
    ]
    User.objects.filter(pk__in=[a.pk for a in due]).update(created_at=now - timedelta(days=31))
    recent = make_user("recent2024", citizen_ids(1, start=20_000_000)[0], status="pending")

    counts = race([expire_command] * THREADS)

    assert all(isinstance(c, int) for c in counts), counts
    assert sum(counts) == len(due)
    assert set(User.objects.filter(status=AccountStatus.EXPIRED)) == set(due)
    assert all(kinds(account) == [Kind.EXPIRED] for account in due)
    recent.refresh_from_db()
    assert recent.status == AccountStatus.PENDING


def test_staff_approving_while_banks_confirm_activates_once(bank_key, sms_outbox, record_property):
    key, _ = bank_key
    staff = make_user(
        "reviewer2024", citizen_ids(1, start=30_000_000)[0], STAFF_MOBILE, is_staff=True
    )
    half = THREADS // 2
    winners = Counter()

    for round_, (national_id, mobile) in enumerate(zip(citizen_ids(5), mobiles(5), strict=True)):
        account = make_user(f"both{round_:02d}abc", national_id, mobile, status="pending")

        def approve(account=account):
            return lifecycle.account_approve(account=account, actor=staff, reason="checked")

        outcomes = race(
            [approve] * half
            + [
                confirm(key, national_id=national_id, mobile=mobile, event_id=f"e{round_}-{n}")
                for n in range(half)
            ]
        )

        approvals, answers = outcomes[:half], outcomes[half:]
        approved = [o for o in approvals if isinstance(o, AccountEvent)]
        refused = [o for o in approvals if isinstance(o, lifecycle.TransitionNotAllowed)]
        assert len(approved) + len(refused) == half, approvals
        assert all(a in (ACTIVATED, ALREADY_ACTIVE) for a in answers), answers
        activated = answers.count(ACTIVATED)
        assert len(approved) + activated == 1
        account.refresh_from_db()
        assert account.status == AccountStatus.ACTIVE
        assert kinds(account) == [Kind.APPROVED if approved else Kind.ACTIVATED]
        assert activation_sms_to(sms_outbox, mobile) == activated
        winners["staff" if approved else "bank"] += 1

    record_property("approve_vs_bank", dict(winners))


def test_bank_confirming_while_the_same_person_registers_again_activates_one_account(
    bank_key, sms_outbox, password_hash, record_property
):
    """A new registration supersedes the pending account the bank is confirming (§6).

    Either order is fine: bank first, the old account is activated and the registration is
    refused (the ID now has an active account); registration first, the bank activates the
    new account, which has the same ID and mobile. Never both refused.
    """
    key, _ = bank_key
    orders = Counter()

    for round_, (national_id, mobile) in enumerate(
        zip(citizen_ids(ROUNDS), mobiles(ROUNDS), strict=True)
    ):
        old = make_user(f"old{round_:02d}abcd", national_id, mobile, status="pending")
        register_again = registration(
            sms_outbox, national_id, mobile, f"new{round_:02d}abcd", password_hash
        )

        registered, answer = race(
            [
                register_again,
                confirm(key, national_id=national_id, mobile=mobile, event_id=f"again-{round_}"),
            ]
        )

        assert answer == ACTIVATED, answer
        active = User.objects.get(national_id=national_id, status=AccountStatus.ACTIVE)
        old.refresh_from_db()
        if isinstance(registered, User):
            assert active == registered
            assert old.status == AccountStatus.SUPERSEDED
            orders["registration first"] += 1
        else:
            assert isinstance(registered, RegistrationConflict), registered
            assert registered.code == "id_registered"
            assert active == old
            orders["bank first"] += 1
        assert User.objects.filter(national_id=national_id).count() == 1 + isinstance(
            registered, User
        )
        assert kinds(active)[-1] == Kind.ACTIVATED
        assert activation_sms_to(sms_outbox, mobile) == 1

    record_property("bank_vs_registration", dict(orders))
