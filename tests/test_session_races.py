"""Sign-ins racing a suspension, and sessions ended while they are used (PostgreSQL, threads).

Whatever the interleaving, once the suspension is committed and its sweep has run, no session
of the account is left in the store: a sign-in whose record came after the sweep reads the
account again after ``login()`` and signs itself out (security.sessions.middleware).
"""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.urls import reverse

from accounts import lifecycle
from accounts.models import AccountStatus
from security.models import SignedInSession
from tests.factories import code_from_sms, make_user, sign_in_as
from tests.people import CITIZEN_ID, MOBILE, PASSWORD, RESIDENT_ID, STAFF_MOBILE
from tests.race_helpers import RACE_MARKS, race
from tests.session_helpers import browser, is_signed_in

pytestmark = RACE_MARKS

BROWSERS = 8


def sessions_naming(account_id: int) -> list[str]:
    """The keys of stored, unexpired sessions signed in as the account."""
    return [
        session.session_key
        for session in Session.objects.all()
        if session.get_decoded().get(SESSION_KEY) == str(account_id)
    ]


def test_sign_ins_racing_a_suspension_leave_no_session_of_the_account(settings, sms_outbox):
    settings.OTP_LIMIT_PER_MOBILE = settings.OTP_LIMIT_PER_ID = 100
    account = make_user("ahmed2024", CITIZEN_ID, MOBILE, preferred_language="en")
    staff = make_user("staff01", RESIDENT_ID, STAFF_MOBILE, is_staff=True, is_superuser=True)
    signed_in = [sign_in_as(browser(), account) for _ in range(2)]
    waiting = []
    for _ in range(BROWSERS):
        client = browser()
        response = client.post(
            reverse("accounts:login"), {"identifier": "ahmed2024", "password": PASSWORD}
        )
        assert response.status_code == 302
        waiting.append((client, code_from_sms(sms_outbox[-1])))

    def verify(client, code):
        return lambda: client.post(reverse("accounts:login_verify"), {"code": code}).status_code

    def suspend():
        lifecycle.account_suspend(account=account, actor=staff, reason="Reported stolen.")

    outcomes = race([*(verify(client, code) for client, code in waiting), suspend])

    assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
    account.refresh_from_db()
    assert account.status == AccountStatus.SUSPENDED
    assert sessions_naming(account.pk) == []
    assert not SignedInSession.objects.filter(account=account).exists()
    assert not any(is_signed_in(client) for client, _ in waiting)
    assert not any(is_signed_in(client) for client in signed_in)


def test_ending_other_sessions_while_they_are_used_leaves_them_signed_out():
    account = make_user("ahmed2024", CITIZEN_ID, MOBILE, preferred_language="en")
    here = sign_in_as(browser(), account)
    others = [sign_in_as(browser(), account) for _ in range(BROWSERS)]
    page = reverse("security:page")

    def use(client):
        return lambda: client.get(page).status_code

    def end_others():
        return here.post(reverse("security:end_other_sessions")).status_code

    outcomes = race([*(use(client) for client in others), end_others])

    assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
    assert sessions_naming(account.pk) == [here.cookies["sessionid"].value]
    assert not any(is_signed_in(client) for client in others)
    assert is_signed_in(here)
