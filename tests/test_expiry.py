"""Expiry of pending accounts and what an expired account frees (design.md §7, issue 5 item 4).

Decision 40 in docs/decisions.md: superseded and expired accounts hold nothing, so after
expiry the person registers again with the same ID and may reuse the old username.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from accounts import expiry
from accounts.models import AccountEvent, AccountStatus, User
from accounts.registration.services import RegistrationConflict, register_account
from accounts.selectors import username_taken
from tests.factories import make_user, verified_challenge
from tests.people import CITIZEN_ID, MOBILE_E164, OTHER_CITIZEN_ID, OTHER_MOBILE_E164, RESIDENT_ID
from tests.registration_driver import RegistrationDriver

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
PENDING = AccountStatus.PENDING


def run(*args: str, language: str = "en") -> str:
    """The command's output in ``language`` (commands speak the active language)."""
    out = StringIO()
    with translation.override(language):
        call_command("expire_pending_accounts", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def accounts(time_machine):
    """Accounts made at T0 and two days later; the clock is then 31 days after T0."""
    time_machine.move_to(T0)
    old = make_user("ahmed2024", CITIZEN_ID, MOBILE_E164, status=PENDING, preferred_language="en")
    active = make_user("active2024", "1000000107", "+966591234567")
    suspended = make_user("susp2024", RESIDENT_ID, "+966571234567")
    User.objects.filter(pk=suspended.pk).update(status=AccountStatus.SUSPENDED)
    time_machine.move_to(T0 + timedelta(days=2))
    recent = make_user("recent2024", "1000000016", "+966581234567", status=PENDING)
    time_machine.move_to(T0 + timedelta(days=31, minutes=1))
    return {"old": old, "recent": recent, "active": active, "suspended": suspended}


def register(
    sms_outbox: list[dict],
    national_id: str,
    mobile: str,
    username: str,
    language: str,
    *,
    email: str = "other@example.sa",
) -> User:
    """The wizard's last step for this ID and mobile, its code verified by SMS."""
    challenge = verified_challenge(sms_outbox, national_id=national_id, mobile=mobile)
    return register_account(
        national_id=national_id,
        mobile=mobile,
        email=email,
        username=username,
        password_hash="!",
        preferred_language=language,
        challenge_id=str(challenge.pk),
    )


def statuses(accounts: dict[str, User]) -> dict[str, str]:
    return {name: User.objects.get(pk=a.pk).status for name, a in accounts.items()}


def test_only_accounts_older_than_the_ttl_expire_with_an_event(accounts):
    assert expiry.expire_pending_accounts() == 1
    assert statuses(accounts) == {
        "old": AccountStatus.EXPIRED,  # 31 days old
        "recent": PENDING,  # 29 days old
        "active": AccountStatus.ACTIVE,
        "suspended": AccountStatus.SUSPENDED,
    }
    event = AccountEvent.objects.get(account=accounts["old"])
    assert event.kind == AccountEvent.Kind.EXPIRED
    assert event.source == "expiry"
    assert (event.from_status, event.to_status) == (PENDING, AccountStatus.EXPIRED)
    assert event.reason == "not activated within 30 days"
    assert event.actor is None
    assert not AccountEvent.objects.exclude(account=accounts["old"]).exists()


def test_running_again_changes_nothing_more(accounts):
    assert expiry.expire_pending_accounts() == 1
    assert expiry.expire_pending_accounts() == 0
    assert "Expired 0 pending accounts." in run()
    assert AccountEvent.objects.count() == 1


def test_the_rest_expires_once_it_is_old_enough(accounts, time_machine):
    expiry.expire_pending_accounts()
    time_machine.move_to(T0 + timedelta(days=32, minutes=1))
    assert expiry.expire_pending_accounts() == 1
    assert statuses(accounts)["recent"] == AccountStatus.EXPIRED


def test_the_ttl_setting_is_used(accounts, settings):
    settings.PENDING_TTL_DAYS = 28
    assert expiry.expire_pending_accounts() == 2
    assert AccountEvent.objects.filter(reason="not activated within 28 days").count() == 2


def test_an_account_changed_after_selection_is_skipped(accounts, monkeypatch):
    """A bank activation (or a concurrent run) between the select and the lock wins."""
    old = accounts["old"]
    selected = expiry.pending_accounts_due()
    User.objects.filter(pk=old.pk).update(status=AccountStatus.ACTIVE)
    monkeypatch.setattr(expiry, "pending_accounts_due", lambda **_: selected)
    assert expiry.expire_pending_accounts() == 0
    assert User.objects.get(pk=old.pk).status == AccountStatus.ACTIVE
    assert not AccountEvent.objects.exists()


def test_command_reports_how_many_expired(accounts):
    assert run().strip() == "Expired 1 pending account."
    assert statuses(accounts)["old"] == AccountStatus.EXPIRED


def test_command_reports_in_arabic(accounts):
    assert "انتهت صلاحية" in run(language="ar")


def test_dry_run_changes_nothing(accounts):
    assert "1 pending account would expire" in run("--dry-run")
    assert statuses(accounts)["old"] == PENDING
    assert not AccountEvent.objects.exists()


def test_command_refuses_a_bad_ttl(accounts, settings):
    settings.PENDING_TTL_DAYS = 0
    with pytest.raises(CommandError, match="PENDING_TTL_DAYS"):
        run()
    assert statuses(accounts)["old"] == PENDING


def test_command_refuses_unknown_options():
    with pytest.raises(CommandError):
        call_command("expire_pending_accounts", "--everything", stdout=StringIO())


# --- What an expired account frees (decision 40) -------------------------------------------


def test_after_expiry_the_same_id_registers_again_and_reuses_the_username(
    accounts, client, sms_outbox
):
    old = accounts["old"]
    expiry.expire_pending_accounts()
    response = RegistrationDriver(client, sms_outbox).register()
    assert response.status_code == 302
    new = User.objects.get(national_id=CITIZEN_ID, status=PENDING)
    assert new.pk != old.pk
    assert new.username == old.username == "ahmed2024"
    assert new.mobile == MOBILE_E164
    # The old row keeps its values for the audit trail, and nothing happened to it.
    old_row = User.objects.get(pk=old.pk)
    assert (old_row.status, old_row.username, old_row.national_id, old_row.mobile) == (
        AccountStatus.EXPIRED,
        "ahmed2024",
        CITIZEN_ID,
        MOBILE_E164,
    )
    assert [e.kind for e in old_row.events.all()] == [AccountEvent.Kind.EXPIRED]
    registered = new.events.get(kind=AccountEvent.Kind.REGISTERED)
    assert "supersedes" not in registered.details


def test_after_expiry_the_username_is_free_for_anyone(accounts, sms_outbox):
    expiry.expire_pending_accounts()
    assert not username_taken("AHMED2024", national_id=OTHER_CITIZEN_ID)
    user = register(sms_outbox, OTHER_CITIZEN_ID, OTHER_MOBILE_E164, "Ahmed2024", "ar")
    assert user.username == "Ahmed2024"


def test_a_pending_account_holds_its_username_against_other_ids(accounts, sms_outbox):
    assert username_taken("ahmed2024", national_id=OTHER_CITIZEN_ID)
    with pytest.raises(RegistrationConflict) as conflict:
        register(sms_outbox, OTHER_CITIZEN_ID, OTHER_MOBILE_E164, "ahmed2024", "ar")
    assert conflict.value.code == "username_taken"


def test_the_same_id_may_keep_the_username_of_the_pending_account_it_supersedes(
    accounts, sms_outbox
):
    old = accounts["old"]
    assert not username_taken("ahmed2024", national_id=CITIZEN_ID)
    new = register(
        sms_outbox, CITIZEN_ID, MOBILE_E164, "ahmed2024", "en", email="person@example.sa"
    )
    assert User.objects.get(pk=old.pk).status == AccountStatus.SUPERSEDED
    assert new.username == "ahmed2024"
    # A superseded account is not pending any more: expiry leaves it alone.
    assert expiry.expire_pending_accounts() == 0
