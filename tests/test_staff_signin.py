"""Staff sign in through the portal's own door (issue 13 item 1): the attacks first.

``/admin/login/`` used to open the admin with a password alone (no code, no lockout, no
captcha), and a session opened there, or by any other door that skips the code, also opened
the person's pages. Each test below is one of those attacks.
"""

from __future__ import annotations

from http import HTTPStatus
from io import StringIO

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from accounts.models import AccountStatus, User
from accounts.registration.services import RegistrationConflict, register_account
from tests.factories import code_from_sms, make_user, verified_challenge
from tests.people import (
    CITIZEN_ID,
    MOBILE,
    MOBILE_E164,
    OTHER_CITIZEN_ID,
    OTHER_MOBILE,
    OTHER_MOBILE_E164,
    PASSWORD,
)
from tests.test_signin import LOGIN, VERIFY, WRONG_PASSWORD, fail, post_password

pytestmark = pytest.mark.django_db

ADMIN = reverse("admin:index")
ADMIN_LOGIN = reverse("admin:login")
ACCOUNT = reverse("accounts:account")
CHANGE_PASSWORD = reverse("accounts:change_password")


@pytest.fixture
def reviewer():
    """A staff member with every right, as the attacker would want one."""
    return User.objects.create_superuser(
        "reviewer2024", OTHER_CITIZEN_ID, MOBILE, "reviewer@example.sa", PASSWORD
    )


@pytest.fixture
def register_with_code(sms_outbox):
    """Complete a registration for this ID and mobile, its code verified."""

    def register(*, national_id: str, mobile: str) -> User:
        challenge = verified_challenge(sms_outbox, national_id=national_id, mobile=mobile)
        return register_account(
            national_id=national_id,
            mobile=mobile,
            email="new@example.sa",
            username="newcomer24",
            password_hash=make_password(PASSWORD),
            preferred_language="en",
            challenge_id=challenge.pk,
        )

    return register


def opens_admin(client) -> bool:
    return client.get(ADMIN).status_code == HTTPStatus.OK


def sign_in_with_code(client, identifier: str, sms_outbox, *, next_url: str | None = None):
    """The portal's door: identifier and password (``next`` kept), then the code by SMS."""
    extra = {"next": next_url} if next_url is not None else {}
    response = client.post(LOGIN, {"identifier": identifier, "password": PASSWORD, **extra})
    assert response.status_code == HTTPStatus.FOUND, response.content[:400]
    assert response["Location"] == VERIFY
    return client.post(VERIFY, {"code": code_from_sms(sms_outbox[-1])})


# --- the attacks -------------------------------------------------------------------------------
def test_thirty_wrong_passwords_then_the_right_one_at_admin_login_do_not_open_the_admin(
    client, reviewer
):
    for _ in range(30):
        client.post(ADMIN_LOGIN, {"username": "reviewer2024", "password": WRONG_PASSWORD})
    client.post(ADMIN_LOGIN, {"username": "reviewer2024", "password": PASSWORD})
    assert SESSION_KEY not in client.session
    assert not opens_admin(client)


def test_a_locked_staff_account_gets_in_nowhere(client, reviewer, sms_outbox):
    fail(client, "reviewer2024", 5)
    client.post(ADMIN_LOGIN, {"username": "reviewer2024", "password": PASSWORD})
    assert not opens_admin(client)
    for identifier in ("reviewer2024", OTHER_CITIZEN_ID):
        right = post_password(client, identifier, REMOTE_ADDR="203.0.113.50")
        assert right.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert sms_outbox == []
    assert SESSION_KEY not in client.session
    assert not opens_admin(client)
    assert client.get(ACCOUNT).status_code == HTTPStatus.FOUND


def test_a_force_logged_superuser_without_the_factor_is_refused_by_admin_and_account(
    client, reviewer
):
    client.force_login(reviewer)  # any door that skips the code: no factor in the session
    admin = client.get(ADMIN)
    assert admin.status_code == HTTPStatus.FOUND
    assert admin["Location"].startswith(ADMIN_LOGIN)
    client.force_login(reviewer)
    for page in (ACCOUNT, CHANGE_PASSWORD):
        response = client.get(page)
        assert response.status_code == HTTPStatus.FOUND, page
        assert response["Location"].startswith(LOGIN), page
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize("status", [AccountStatus.PENDING])
def test_a_staff_member_whose_account_is_not_active_does_not_reach_the_admin(
    client, reviewer, sms_outbox, status
):
    """A staff flag on an account its bank never confirmed: the portal's own pages send it to
    the status page, and the admin, open to active staff only, does not open either (found by
    a review: the admin asked only ``is_active``, which pending accounts have too)."""
    User.objects.filter(pk=reviewer.pk).update(status=status)
    response = post_password(client, "reviewer2024")
    assert response["Location"] == VERIFY
    client.post(VERIFY, {"code": code_from_sms(sms_outbox[-1])})
    assert not opens_admin(client)


def test_admin_login_sends_staff_to_the_portal_sign_in_keeping_next(client, reviewer):
    for method in (client.get, client.post):
        response = method(f"{ADMIN_LOGIN}?next=/admin/accounts/user/")
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"] == f"{LOGIN}?next=/admin/accounts/user/"
    bare = client.get(ADMIN_LOGIN)
    assert bare["Location"] == f"{LOGIN}?next=/admin/"
    foreign = client.get(f"{ADMIN_LOGIN}?next=https://evil.example/admin/")
    assert foreign["Location"] == f"{LOGIN}?next=/admin/"


def test_staff_signing_in_with_the_code_land_on_the_admin_they_asked_for(
    client, reviewer, sms_outbox
):
    response = sign_in_with_code(client, "reviewer2024", sms_outbox, next_url=ADMIN)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == ADMIN
    assert opens_admin(client)
    assert client.get(ACCOUNT).status_code == HTTPStatus.OK


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/admin/", "//evil.example/", "http://testserver.evil.example/", "\\\\x"],
)
def test_next_to_another_host_is_ignored(client, reviewer, sms_outbox, next_url):
    response = sign_in_with_code(client, "reviewer2024", sms_outbox, next_url=next_url)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == ACCOUNT


# --- what staff see ----------------------------------------------------------------------------
def test_staff_signing_in_without_next_land_on_their_account_page(client, reviewer, sms_outbox):
    response = sign_in_with_code(client, OTHER_CITIZEN_ID, sms_outbox)
    assert response["Location"] == ACCOUNT
    assert opens_admin(client)


def test_next_is_kept_on_the_sign_in_form_and_through_a_wrong_password(client, reviewer):
    page = client.get(f"{LOGIN}?next=/admin/accounts/user/")
    assert b'name="next" value="/admin/accounts/user/"' in page.content
    foreign = client.get(f"{LOGIN}?next=https://evil.example/")
    assert b'name="next" value="https://evil.example/"' not in foreign.content
    wrong = client.post(
        LOGIN, {"identifier": "reviewer2024", "password": WRONG_PASSWORD, "next": "/admin/"}
    )
    assert b'name="next" value="/admin/"' in wrong.content


def test_a_session_that_skipped_the_code_gets_the_sign_in_form_not_a_redirect(client, reviewer):
    client.force_login(reviewer)
    assert client.get(LOGIN).status_code == HTTPStatus.OK


def test_the_admins_view_site_and_log_out_links_work(staff_client):
    index = staff_client.get(ADMIN)
    assert index.status_code == HTTPStatus.OK
    assert b'href="/"' in index.content  # "View site"
    logout = reverse("admin:logout")
    assert f'action="{logout}"'.encode() in index.content
    assert staff_client.post(logout).status_code == HTTPStatus.FOUND
    assert SESSION_KEY not in staff_client.session
    assert not opens_admin(staff_client)


def test_the_admins_password_change_is_the_portals(staff_client):
    response = staff_client.get(reverse("admin:password_change"))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == CHANGE_PASSWORD
    posted = staff_client.post(
        reverse("admin:password_change"),
        {"old_password": PASSWORD, "new_password1": "x", "new_password2": "x"},
    )
    assert posted["Location"] == CHANGE_PASSWORD
    done = staff_client.get(reverse("admin:password_change_done"))
    assert done["Location"] == ADMIN


def test_a_non_staff_person_asking_for_the_admin_lands_on_their_page(client, sms_outbox):
    make_user("ahmed2024", CITIZEN_ID, OTHER_MOBILE)
    response = sign_in_with_code(client, "ahmed2024", sms_outbox, next_url=ADMIN)
    assert response["Location"] == ADMIN
    refused = client.get(ADMIN, follow=True)
    assert refused.redirect_chain[-1][0] == ACCOUNT


# --- staff accounts have a mobile --------------------------------------------------------------
def test_the_database_refuses_a_staff_account_without_a_mobile(reviewer):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=reviewer.pk).update(mobile="")


def test_the_manager_refuses_a_staff_account_without_a_mobile():
    with pytest.raises(ValidationError) as caught:
        make_user("staff2024", CITIZEN_ID, is_staff=True)
    assert caught.value.code == "staff_without_mobile"


def test_the_admin_says_why_an_account_without_a_mobile_cannot_be_staff(staff_client):
    account = make_user("ahmed2024", CITIZEN_ID)  # its mobile moved to a newer registration
    url = reverse("admin:accounts_user_change", args=[account.pk])
    data = {
        "email": account.email,
        "preferred_language": "en",
        "is_staff": "on",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }
    response = staff_client.post(url, data)
    assert response.status_code == HTTPStatus.OK
    errors = response.context["adminform"].form.errors.as_data()
    assert [error.code for error in errors["is_staff"]] == ["staff_without_mobile"]
    account.refresh_from_db()
    assert not account.is_staff


def test_a_registration_cannot_move_a_staff_members_mobile(register_with_code, reviewer):
    with pytest.raises(RegistrationConflict) as caught:
        register_with_code(national_id=CITIZEN_ID, mobile=reviewer.mobile)
    assert caught.value.code == "mobile_of_staff"
    reviewer.refresh_from_db()
    assert reviewer.mobile == MOBILE_E164


class TTY(StringIO):
    def isatty(self) -> bool:
        return True


def createsuperuser(monkeypatch, answers: list[str]) -> tuple[list[str], str]:
    """Run ``createsuperuser`` interactively with these answers; the prompts and stderr."""
    prompts: list[str] = []
    replies = iter(answers)

    def answer(prompt: str = "") -> str:
        prompts.append(prompt)
        return next(replies)

    monkeypatch.setattr("builtins.input", answer)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": PASSWORD)
    err = StringIO()
    with translation.override("en"):
        call_command("createsuperuser", stdin=TTY(), stdout=StringIO(), stderr=err)
    return prompts, err.getvalue()


def test_createsuperuser_asks_for_a_saudi_mobile_and_refuses_an_empty_one(monkeypatch):
    # username, ID number, then the mobile: empty, foreign, not Saudi, then right; email.
    answers = ["boss2024x", CITIZEN_ID, "", "+14155550100", "12345", OTHER_MOBILE, "b@example.sa"]
    prompts, errors = createsuperuser(monkeypatch, answers)
    assert sum("mobile" in prompt.lower() for prompt in prompts) == 4
    assert "A staff account needs a mobile number" in errors
    assert "Only Saudi mobile numbers (+966) can be used." in errors
    assert "Enter a mobile number in the correct format, like 05X XXX XXXX." in errors
    boss = User.objects.get(username="boss2024x")
    assert (boss.mobile, boss.is_staff, boss.is_superuser) == (OTHER_MOBILE_E164, True, True)


def test_createsuperuser_without_input_refuses_an_empty_mobile(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    refused = pytest.raises(CommandError, match="A staff account needs a mobile number")
    with refused, translation.override("en"):
        call_command(
            "createsuperuser",
            interactive=False,
            username="boss2024x",
            national_id=CITIZEN_ID,
            mobile="",
            email="b@example.sa",
            stdout=StringIO(),
        )
    assert not User.objects.filter(username="boss2024x").exists()
