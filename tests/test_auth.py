"""Looking accounts up by username, the password hasher, and staff rights in admin."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from django.contrib.admin.sites import site
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import identify_hasher, make_password
from django.test import RequestFactory

from accounts.hashers import PortalArgon2PasswordHasher
from accounts.models import AccountStatus, User
from tests.factories import make_user
from tests.people import (
    CITIZEN_ID,
    MOBILE,
    OTHER_CITIZEN_ID,
    OTHER_STAFF_MOBILE,
    PASSWORD,
    RESIDENT_ID,
    STAFF_MOBILE,
)

pytestmark = pytest.mark.django_db


def test_natural_key_finds_the_holder_among_retired_rows_with_the_same_username():
    make_user("ahmed2024", CITIZEN_ID, status=AccountStatus.SUPERSEDED)
    make_user("ahmed2024", CITIZEN_ID, status=AccountStatus.EXPIRED)
    holder = make_user("Ahmed2024", CITIZEN_ID, MOBILE, status=AccountStatus.PENDING)
    assert User.objects.get_by_natural_key("AHMED2024") == holder


def test_natural_key_ignores_accounts_that_hold_nothing():
    make_user("ahmed2024", CITIZEN_ID, status=AccountStatus.EXPIRED)
    with pytest.raises(User.DoesNotExist):
        User.objects.get_by_natural_key("ahmed2024")


def test_authenticate_by_username_in_any_case():
    user = make_user("Ahmed2024", CITIZEN_ID, MOBILE)
    assert authenticate(identifier="ahmed2024", password=PASSWORD) == user
    assert authenticate(identifier="ahmed2024", password="Wrong1234x") is None
    assert authenticate(identifier="nobody2024", password=PASSWORD) is None


def test_suspended_account_cannot_authenticate():
    make_user("ahmed2024", CITIZEN_ID, MOBILE, status=AccountStatus.SUSPENDED)
    assert authenticate(identifier="ahmed2024", password=PASSWORD) is None


def test_djangos_username_door_opens_nothing():
    """Django's callers (its login views, the test client's ``login()``) pass ``username=``:
    no account is found for it, so none of them checks a password past the lockout and the
    code (decision 101)."""
    make_user("ahmed2024", CITIZEN_ID, MOBILE)
    assert authenticate(username="ahmed2024", password=PASSWORD) is None
    assert authenticate(username=CITIZEN_ID, password=PASSWORD) is None


def test_passwords_are_hashed_with_owasp_argon2id_parameters():
    encoded = make_password(PASSWORD)
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert isinstance(identify_hasher(encoded), PortalArgon2PasswordHasher)


def test_hash_with_other_parameters_is_upgraded_on_next_check():
    django_default = "argon2" + PasswordHasher(time_cost=2, memory_cost=102400, parallelism=8).hash(
        PASSWORD
    )
    assert PortalArgon2PasswordHasher().must_update(django_default)
    user = make_user("ahmed2024", CITIZEN_ID, MOBILE)
    user.password = django_default
    user.save(update_fields=["password"])
    assert user.check_password(PASSWORD)
    user.refresh_from_db()
    assert "m=19456,t=2,p=1" in user.password


def test_only_a_superuser_may_grant_staff_or_superuser_rights():
    model_admin = site._registry[User]
    account = make_user("ahmed2024", CITIZEN_ID, MOBILE)
    request = RequestFactory().get("/admin/")
    request.user = make_user("staff2024", OTHER_CITIZEN_ID, STAFF_MOBILE, is_staff=True)
    assert {"is_staff", "is_superuser", "groups"} <= set(
        model_admin.get_readonly_fields(request, account)
    )
    request.user = make_user(
        "boss2024x", RESIDENT_ID, OTHER_STAFF_MOBILE, is_staff=True, is_superuser=True
    )
    assert "is_superuser" not in model_admin.get_readonly_fields(request, account)
    assert {"username", "national_id"} <= set(model_admin.get_readonly_fields(request, account))


def test_the_admin_login_checks_no_password_by_username_or_id_number(client):
    """Staff sign in at ``/login/`` like everyone (issue 13): the admin's login page checks
    nothing, whatever it is sent, and sends them there."""
    staff = User.objects.create_superuser(
        "adminperson", CITIZEN_ID, MOBILE, "staff@example.sa", PASSWORD
    )
    for username in (staff.national_id, "ADMINPERSON"):
        response = client.post("/admin/login/", {"username": username, "password": PASSWORD})
        assert response.status_code == 302
        assert response["Location"] == "/login/?next=/admin/"
        assert "_auth_user_id" not in client.session
