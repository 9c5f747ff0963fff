"""Closing an account ends every session of it, however it was signed in: staff's suspension or
rejection, expiry, a newer registration (accounts.lifecycle.sign_in_closed → security)."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.contrib.sessions.backends.cached_db import SessionStore
from django.db import transaction
from django.urls import reverse

from accounts import lifecycle
from accounts.models import AccountStatus, User
from accounts.signin import services
from security.models import SignedInSession
from tests.factories import make_user, sign_in_as
from tests.people import (
    CITIZEN_ID,
    MOBILE,
    OTHER_CITIZEN_ID,
    OTHER_MOBILE,
    RESIDENT_ID,
    STAFF_MOBILE,
)
from tests.session_helpers import (
    ANDROID_CHROME,
    WINDOWS_FIREFOX,
    browser,
    sign_in_through_the_pages,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff() -> User:
    return make_user("staff01", RESIDENT_ID, STAFF_MOBILE, is_staff=True, is_superuser=True)


@pytest.fixture
def account() -> User:
    return make_user("ahmed2024", CITIZEN_ID, MOBILE, preferred_language="en")


def signed_in_anywhere(client) -> bool:
    """Whether the client's session still names an account, on any signed-in page."""
    if not SessionStore().exists(client.cookies["sessionid"].value):
        return False
    status = client.get(reverse("accounts:status")).status_code
    account = client.get(reverse("accounts:account")).status_code
    return HTTPStatus.OK in (status, account)


def two_browsers(account: User, sms_outbox: list[dict]):
    """One signed in through the pages (password and SMS), one by another door."""
    phone = browser(ANDROID_CHROME)
    sign_in_through_the_pages(phone, sms_outbox, account.username)
    laptop = sign_in_as(browser(WINDOWS_FIREFOX), account)
    assert signed_in_anywhere(phone) and signed_in_anywhere(laptop)
    return phone, laptop


def test_staff_suspension_ends_both_browsers_sessions(
    account, staff, sms_outbox, django_capture_on_commit_callbacks
):
    phone, laptop = two_browsers(account, sms_outbox)
    keys = [phone.cookies["sessionid"].value, laptop.cookies["sessionid"].value]

    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.account_suspend(account=account, actor=staff, reason="Reported stolen.")

    assert not any(SessionStore().exists(key) for key in keys)
    assert not SignedInSession.objects.filter(account=account).exists()
    assert not signed_in_anywhere(phone) and not signed_in_anywhere(laptop)


def test_suspension_through_the_admin_action_ends_the_sessions(
    account, staff, sms_outbox, django_capture_on_commit_callbacks, settings
):
    settings.STAFF_REQUIRE_STRONG_FACTOR = False
    phone, laptop = two_browsers(account, sms_outbox)
    admin = sign_in_as(browser(), staff)
    data = {
        "action": "suspend_accounts",
        "_selected_action": [account.pk],
        "post": "yes",
        "reason": "Reported stolen.",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(reverse("admin:accounts_user_changelist"), data)
    assert response.status_code == HTTPStatus.FOUND
    account.refresh_from_db()
    assert account.status == AccountStatus.SUSPENDED
    assert not signed_in_anywhere(phone) and not signed_in_anywhere(laptop)


@pytest.mark.parametrize(
    "close",
    [
        lambda account, staff: lifecycle.account_reject(account=account, actor=staff, reason="No."),
        lambda account, staff: lifecycle.account_change_status(
            account=account, to_status=AccountStatus.EXPIRED, source="expiry"
        ),
        lambda account, staff: lifecycle.account_supersede(account=account),
    ],
    ids=["rejected", "expired", "superseded"],
)
def test_a_pending_account_closed_any_way_loses_its_sessions(
    staff, sms_outbox, django_capture_on_commit_callbacks, close
):
    pending = make_user("sara2024", OTHER_CITIZEN_ID, OTHER_MOBILE, status=AccountStatus.PENDING)
    phone, laptop = two_browsers(pending, sms_outbox)
    with django_capture_on_commit_callbacks(execute=True):
        close(pending, staff)
    assert not signed_in_anywhere(phone) and not signed_in_anywhere(laptop)
    assert not SignedInSession.objects.exists()


def test_activation_and_reinstatement_end_nothing(
    account, staff, sms_outbox, django_capture_on_commit_callbacks
):
    pending = make_user("sara2024", OTHER_CITIZEN_ID, OTHER_MOBILE, status=AccountStatus.PENDING)
    waiting = sign_in_as(browser(), pending)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.account_approve(account=pending, actor=staff, reason="Checked.")
    assert signed_in_anywhere(waiting)


def test_a_suspension_that_rolls_back_signs_nobody_out(account, staff, sms_outbox):
    phone, laptop = two_browsers(account, sms_outbox)
    with pytest.raises(RuntimeError), transaction.atomic():
        lifecycle.account_suspend(account=account, actor=staff, reason="Mistake.")
        raise RuntimeError("rolled back")
    assert signed_in_anywhere(phone) and signed_in_anywhere(laptop)
    assert SignedInSession.objects.filter(account=account).count() == 2


def test_reinstating_brings_no_ended_session_back(
    account, staff, sms_outbox, django_capture_on_commit_callbacks
):
    phone, laptop = two_browsers(account, sms_outbox)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.account_suspend(account=account, actor=staff, reason="Reported stolen.")
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.account_reinstate(account=account, actor=staff, reason="Found.")
    assert not signed_in_anywhere(phone) and not signed_in_anywhere(laptop)


def test_a_sign_in_completing_after_the_suspension_committed_is_signed_out(
    account, staff, sms_outbox, monkeypatch, django_capture_on_commit_callbacks
):
    """The suspension lands between the code check and ``login()``: its sweep ran before this
    session's record existed, so the middleware reads the account again and signs it out."""
    complete = services.complete_sign_in

    def suspended_meanwhile(**kwargs):
        user = complete(**kwargs)
        with django_capture_on_commit_callbacks(execute=True):
            lifecycle.account_suspend(account=account, actor=staff, reason="Reported stolen.")
        return user

    monkeypatch.setattr(services, "complete_sign_in", suspended_meanwhile)
    client = browser()
    sign_in_through_the_pages(client, sms_outbox, "ahmed2024")

    assert not SessionStore().exists(client.cookies["sessionid"].value)
    assert not SignedInSession.objects.exists()
    assert not signed_in_anywhere(client)
