"""Staff sign in through the portal's own door (issue 13 item 1): the attacks first.

``/admin/login/`` used to open the admin with a password alone (no code, no lockout, no
captcha), and a session opened there, or by any other door that skips the code, also opened
the person's pages. Each test below is one of those attacks.
"""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from accounts.models import User
from tests.factories import code_from_sms
from tests.people import MOBILE, OTHER_CITIZEN_ID, PASSWORD
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
