"""``manage.py changepassword`` goes through the one password service (issue 12, item 2)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from accounts.models import AccountEvent
from tests.factories import make_user, sign_in_as
from tests.people import CITIZEN_ID, MOBILE

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Nq4vXb8Rk2Tz"


@pytest.fixture
def typed(monkeypatch):
    """What the person at the terminal types at each password prompt, in order."""
    answers: list[str] = []
    monkeypatch.setattr("getpass.getpass", lambda prompt="": answers.pop(0))
    return answers


def test_changepassword_records_the_change_and_tells_the_person(
    typed, sms_outbox, django_capture_on_commit_callbacks
):
    user = make_user("staffchanged", CITIZEN_ID, MOBILE)
    typed.extend([NEW_PASSWORD, NEW_PASSWORD])

    with django_capture_on_commit_callbacks(execute=True):
        call_command("changepassword", user.username.upper(), language="en")

    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    event = user.events.get(kind=AccountEvent.Kind.PASSWORD_CHANGED)
    assert event.source == "command"
    assert [sms["purpose"] for sms in sms_outbox] == ["password_changed"]
    assert sms_outbox[0]["to"] == user.mobile


def test_changepassword_finds_the_account_by_its_id_number(typed):
    user = make_user("staffchanged", CITIZEN_ID, MOBILE)
    typed.extend([NEW_PASSWORD, NEW_PASSWORD])

    call_command("changepassword", user.national_id, language="en")

    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_changepassword_refuses_passwords_against_the_policy_and_changes_nothing(typed):
    user = make_user("staffchanged", CITIZEN_ID, MOBILE)
    typed.extend(["short", "short"] * 3)

    with pytest.raises(CommandError, match="not changed after 3 tries"):
        call_command("changepassword", user.username, language="en")

    user.refresh_from_db()
    assert not user.check_password("short")
    assert not user.events.filter(kind=AccountEvent.Kind.PASSWORD_CHANGED).exists()


def test_changepassword_names_no_account_it_cannot_find(typed):
    with pytest.raises(CommandError, match="No account holds"):
        call_command("changepassword", "nobody-here", language="en")


def test_the_account_page_says_staff_changed_the_password(typed, client):
    user = make_user("staffchanged", CITIZEN_ID, MOBILE)
    typed.extend([NEW_PASSWORD, NEW_PASSWORD])
    call_command("changepassword", user.username, language="en")

    event = user.events.get(kind=AccountEvent.Kind.PASSWORD_CHANGED)
    assert set(event.details) == {"os_user"}
    user.refresh_from_db()  # the new password hash: the session follows it
    sign_in_as(client, user)
    client.cookies["django_language"] = "en"
    page = client.get("/account/")
    assert "By the portal staff" in page.content.decode()
