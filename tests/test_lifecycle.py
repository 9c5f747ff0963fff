"""The account lifecycle and the database constraints behind it (design.md §4, §7)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, InternalError, connection, transaction

from accounts import lifecycle
from accounts.lifecycle import TransitionNotAllowed
from accounts.models import AccountEvent, AccountStatus, User
from tests.factories import make_user
from tests.people import (
    CITIZEN_ID,
    MOBILE,
    MOBILE_E164,
    OTHER_CITIZEN_ID,
    OTHER_MOBILE_E164,
    RESIDENT_ID,
)

pytestmark = pytest.mark.django_db


Kind = AccountEvent.Kind
Status = AccountStatus


# --- The database constraints ----------------------------------------------------------------

HOLDING = [Status.PENDING, Status.ACTIVE, Status.SUSPENDED]
RETIRED = [Status.SUPERSEDED, Status.EXPIRED]


def raises_integrity_error(**kwargs) -> bool:
    try:
        with transaction.atomic():
            make_user(**kwargs)
    except IntegrityError:
        return True
    return False


@pytest.mark.parametrize("first", HOLDING)
@pytest.mark.parametrize("second", HOLDING)
def test_two_holding_accounts_cannot_share_a_national_id(first, second):
    make_user("first2024", CITIZEN_ID, MOBILE_E164, status=first)

    assert raises_integrity_error(
        username="second2024", national_id=CITIZEN_ID, mobile=OTHER_MOBILE_E164, status=second
    )


@pytest.mark.parametrize("first", HOLDING)
@pytest.mark.parametrize("second", HOLDING)
def test_two_holding_accounts_cannot_share_a_username_in_any_case(first, second):
    make_user("ahmed2024", CITIZEN_ID, MOBILE_E164, status=first)

    assert raises_integrity_error(
        username="AHMED2024", national_id=OTHER_CITIZEN_ID, mobile=OTHER_MOBILE_E164, status=second
    )


@pytest.mark.parametrize("first", HOLDING)
@pytest.mark.parametrize("second", HOLDING)
def test_two_holding_accounts_cannot_share_a_mobile(first, second):
    make_user("first2024", CITIZEN_ID, MOBILE_E164, status=first)

    assert raises_integrity_error(
        username="second2024", national_id=OTHER_CITIZEN_ID, mobile=MOBILE_E164, status=second
    )


def test_many_holding_accounts_may_have_no_mobile():
    make_user("first2024", CITIZEN_ID, "")

    assert not raises_integrity_error(
        username="second2024", national_id=OTHER_CITIZEN_ID, mobile="", status=Status.PENDING
    )


@pytest.mark.parametrize("retired", RETIRED)
@pytest.mark.parametrize("holding", HOLDING)
def test_retired_accounts_share_id_username_and_mobile_with_a_holding_one(retired, holding):
    make_user("ahmed2024", CITIZEN_ID, MOBILE_E164, status=holding)

    assert not raises_integrity_error(
        username="AHMED2024", national_id=CITIZEN_ID, mobile=MOBILE_E164, status=retired
    )
    assert not raises_integrity_error(
        username="Ahmed2024", national_id=CITIZEN_ID, mobile=MOBILE_E164, status=retired
    )
    assert User.objects.filter(national_id=CITIZEN_ID).count() == 3


def test_status_outside_the_lifecycle_is_refused_by_the_database():
    user = make_user("ahmed2024", CITIZEN_ID, MOBILE_E164)

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=user.pk).update(status="deleted")


# --- lifecycle.account_change_status ---------------------------------------------------------

ALLOWED = [
    (Status.PENDING, Status.ACTIVE, Kind.ACTIVATED),
    (Status.PENDING, Status.SUPERSEDED, Kind.SUPERSEDED),
    (Status.PENDING, Status.EXPIRED, Kind.EXPIRED),
    (Status.ACTIVE, Status.SUSPENDED, Kind.SUSPENDED),
    (Status.SUSPENDED, Status.ACTIVE, Kind.REINSTATED),
]
ALLOWED_PAIRS = {(a, b) for a, b, _ in ALLOWED}
DISALLOWED = [(a, b) for a in Status.values for b in Status.values if (a, b) not in ALLOWED_PAIRS]


@pytest.mark.parametrize(("from_status", "to_status", "kind"), ALLOWED)
def test_allowed_transition_changes_status_and_writes_one_event(from_status, to_status, kind):
    user = make_user("ahmed2024", CITIZEN_ID, MOBILE_E164, status=from_status)
    staff = make_user("staff2024x", RESIDENT_ID, OTHER_MOBILE_E164, is_staff=True)

    event = lifecycle.account_change_status(
        account=user, to_status=to_status, source="admin", actor=staff, reason="checked"
    )

    assert user.status == to_status
    assert User.objects.get(pk=user.pk).status == to_status
    assert list(user.events.all()) == [event]
    event.refresh_from_db()
    assert (event.kind, event.from_status, event.to_status) == (kind, from_status, to_status)
    assert (event.source, event.actor, event.reason) == ("admin", staff, "checked")


@pytest.mark.parametrize(("from_status", "to_status"), DISALLOWED)
def test_disallowed_transition_raises_and_writes_nothing(from_status, to_status):
    user = make_user("ahmed2024", CITIZEN_ID, MOBILE_E164, status=from_status)
    changed_at = User.objects.get(pk=user.pk).status_changed_at

    with pytest.raises(TransitionNotAllowed):
        lifecycle.account_change_status(account=user, to_status=to_status, source="admin")

    stored = User.objects.get(pk=user.pk)
    assert stored.status == from_status
    assert stored.status_changed_at == changed_at
    assert user.status == from_status
    assert not AccountEvent.objects.exists()


def test_a_refused_transition_on_a_locked_row_leaves_the_callers_transaction_usable():
    """``already_locked`` takes no savepoint (the bank's path); a refusal must still leave the
    caller's transaction able to go on and commit what it wrote."""
    user = make_user("ahmed2024", CITIZEN_ID, MOBILE_E164, status=Status.ACTIVE)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        with pytest.raises(TransitionNotAllowed):
            lifecycle.account_change_status(
                account=locked, to_status=Status.PENDING, source="x", already_locked=True
            )
        User.objects.filter(pk=user.pk).update(email="after@example.sa")
    assert User.objects.get(pk=user.pk).email == "after@example.sa"
    assert not AccountEvent.objects.exists()


def test_transition_is_checked_against_the_stored_status_not_a_stale_object():
    user = make_user("ahmed2024", CITIZEN_ID, MOBILE_E164, status=Status.PENDING)
    stale = User.objects.get(pk=user.pk)
    lifecycle.account_change_status(account=user, to_status=Status.SUPERSEDED, source="x")

    with pytest.raises(TransitionNotAllowed):
        lifecycle.account_change_status(account=stale, to_status=Status.ACTIVE, source="x")

    assert User.objects.get(pk=user.pk).status == Status.SUPERSEDED


def test_account_events_refuse_to_be_changed_or_deleted():
    user = make_user("ahmed2024", CITIZEN_ID, MOBILE_E164, status=Status.PENDING)
    event = lifecycle.account_change_status(
        account=user, to_status=Status.ACTIVE, source="bank", reason="confirmed"
    )

    event.reason = "rewritten"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()

    stored = AccountEvent.objects.get(pk=event.pk)
    assert stored.reason == "confirmed"


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_database_refuses_bulk_update_or_delete_of_account_events():
    user = User.objects.create_user("person2024", CITIZEN_ID, MOBILE, "p@example.sa")
    lifecycle.record_event(account=user, kind=AccountEvent.Kind.REGISTERED, source="test")
    with pytest.raises(InternalError), transaction.atomic():
        AccountEvent.objects.update(reason="rewritten")
    with pytest.raises(InternalError), transaction.atomic():
        AccountEvent.objects.all().delete()
    assert AccountEvent.objects.get().reason == ""


STAFF_ACTIONS = [
    (lifecycle.account_approve, Status.PENDING, Status.ACTIVE, Kind.APPROVED),
    (lifecycle.account_reject, Status.PENDING, Status.EXPIRED, Kind.REJECTED),
    (lifecycle.account_suspend, Status.ACTIVE, Status.SUSPENDED, Kind.SUSPENDED),
    (lifecycle.account_reinstate, Status.SUSPENDED, Status.ACTIVE, Kind.REINSTATED),
]


@pytest.mark.parametrize(("action", "from_status", "to_status", "kind"), STAFF_ACTIONS)
def test_staff_action_records_who_and_why(action, from_status, to_status, kind):
    user = make_user("ahmed2024", CITIZEN_ID, MOBILE_E164, status=from_status)
    staff = make_user("staff2024x", RESIDENT_ID, OTHER_MOBILE_E164, is_staff=True)

    event = action(account=user, actor=staff, reason="  checked the papers  ")

    assert User.objects.get(pk=user.pk).status == to_status
    assert (event.kind, event.source, event.actor, event.reason) == (
        kind,
        "staff",
        staff,
        "checked the papers",
    )


@pytest.mark.parametrize(("action", "from_status", "to_status", "kind"), STAFF_ACTIONS)
def test_staff_action_without_a_reason_changes_nothing(action, from_status, to_status, kind):
    user = make_user("ahmed2024", CITIZEN_ID, MOBILE_E164, status=from_status)
    staff = make_user("staff2024x", RESIDENT_ID, OTHER_MOBILE_E164, is_staff=True)

    with pytest.raises(ValueError):
        action(account=user, actor=staff, reason="   ")

    assert User.objects.get(pk=user.pk).status == from_status
    assert not user.events.exists()


def test_an_event_kind_that_does_not_fit_the_move_is_refused():
    user = make_user("ahmed2024", CITIZEN_ID, MOBILE_E164, status=Status.PENDING)
    with pytest.raises(TransitionNotAllowed):
        lifecycle.account_change_status(
            account=user, to_status=Status.ACTIVE, kind=Kind.REINSTATED, source="test"
        )
    assert User.objects.get(pk=user.pk).status == Status.PENDING
