"""Sessions (issue 5, item 5): 30 minutes idle, 12 hours absolute, safe cookies, CSRF,
never-cache on the signed-in pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from accounts.models import AccountStatus
from accounts.sessions import SIGNED_IN_AT_KEY
from tests.factories import make_user, sign_in_as
from tests.people import CITIZEN_ID, MOBILE, PASSWORD

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
MINUTE = 60
HOUR = 60 * MINUTE
ACCOUNT = "accounts:account"


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


@pytest.fixture
def user():
    return make_user("ahmed2024", CITIZEN_ID, MOBILE, preferred_language="en")


@pytest.fixture
def client_in(user, clock):
    """A client signed in at START."""
    client = Client()
    client.cookies["django_language"] = "en"
    sign_in_as(client, user)
    return client


def is_signed_in(client: Client) -> bool:
    response = client.get(reverse(ACCOUNT))
    if response.status_code == 200:
        return True
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={reverse(ACCOUNT)}"
    return False


# --- Idle timeout -------------------------------------------------------------------------------


def test_session_and_cookie_outlive_the_idle_limit_by_the_minute_activity_may_lag(
    client_in, clock, settings
):
    assert settings.SESSION_IDLE_SECONDS == 30 * MINUTE
    assert settings.SESSION_ACTIVITY_SECONDS == MINUTE
    assert settings.SESSION_SAVE_EVERY_REQUEST is False
    clock.shift(MINUTE)
    response = client_in.get(reverse(ACCOUNT))
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == 31 * MINUTE
    assert client_in.session.get_expiry_age() == 31 * MINUTE


def test_a_page_that_changes_nothing_does_not_rewrite_the_session(client_in, clock, settings):
    """Activity is recorded once a minute: the second page within the minute saves nothing
    (no Set-Cookie), the first after it saves the session again."""
    client_in.get(
        reverse(ACCOUNT)
    )  # the first page records activity (the fixture's sign-in did not)
    clock.shift(MINUTE - 1)
    assert settings.SESSION_COOKIE_NAME not in client_in.get(reverse(ACCOUNT)).cookies
    clock.shift(1)
    assert settings.SESSION_COOKIE_NAME in client_in.get(reverse(ACCOUNT)).cookies


def test_an_anonymous_first_page_creates_no_session(settings):
    client = Client()
    response = client.get(reverse("accounts:register"), follow=True)
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in client.cookies


def test_thirty_one_minutes_after_recorded_activity_signs_out(client_in, clock):
    assert is_signed_in(client_in)
    clock.shift(31 * MINUTE)
    assert not is_signed_in(client_in)
    assert SESSION_KEY not in client_in.session


def test_idle_limit_is_never_shorter_than_thirty_minutes_after_the_last_request(client_in, clock):
    """A request 59 s after activity was recorded records none; thirty minutes after that
    request (31 min less a second after the stamp) the session still holds."""
    assert is_signed_in(client_in)
    clock.shift(MINUTE - 1)
    assert is_signed_in(client_in)
    clock.shift(30 * MINUTE)
    assert is_signed_in(client_in)


def test_idle_limit_holds_even_while_the_store_still_serves_the_session(client_in, clock, settings):
    """The store keeps the session 31 minutes (Redis TTL, row expiry); the portal's own idle
    check ends it by the setting in force, so no store can stretch the idle limit."""
    assert is_signed_in(client_in)
    settings.SESSION_IDLE_SECONDS = 10 * MINUTE
    clock.shift(11 * MINUTE)
    response = client_in.get(reverse(ACCOUNT), follow=True)
    assert SESSION_KEY not in client_in.session
    assert "signed out after a period without activity" in response.content.decode()


def test_just_under_thirty_minutes_idle_stays_signed_in(client_in, clock):
    assert is_signed_in(client_in)
    clock.shift(30 * MINUTE - 1)
    assert is_signed_in(client_in)


def test_a_request_every_twenty_minutes_keeps_the_session(client_in, clock):
    for _ in range(9):  # three hours
        assert is_signed_in(client_in)
        clock.shift(20 * MINUTE)
    assert is_signed_in(client_in)


# --- Absolute timeout ---------------------------------------------------------------------------


def test_twelve_hours_after_sign_in_the_session_ends_whatever_the_activity(client_in, clock):
    for _ in range(36):  # requests at 0:00, 0:20, ..., 11:40
        assert is_signed_in(client_in)
        clock.shift(20 * MINUTE)
    # 12:00 after sign-in, 20 minutes after the last request.
    response = client_in.get(reverse(ACCOUNT))
    assert response.status_code == 302
    assert SESSION_KEY not in client_in.session
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "For your security, you were signed out after a long session. Sign in again."
    ]
    assert not is_signed_in(client_in)


def test_one_second_before_twelve_hours_the_session_still_works(client_in, clock, settings):
    settings.SESSION_IDLE_SECONDS = settings.SESSION_COOKIE_AGE = (
        13 * HOUR
    )  # no idle timeout in the way
    assert is_signed_in(client_in)
    clock.shift(12 * HOUR - 1)
    assert is_signed_in(client_in)
    clock.shift(1)
    assert not is_signed_in(client_in)


def test_the_absolute_limit_ends_the_session_on_any_page(client_in, clock, settings):
    settings.SESSION_IDLE_SECONDS = settings.SESSION_COOKIE_AGE = 13 * HOUR
    client_in.get(reverse("accounts:home"))
    clock.shift(12 * HOUR)
    client_in.get(reverse("accounts:home"))
    assert SESSION_KEY not in client_in.session


def test_sign_in_stamps_the_session(client_in):
    assert client_in.session[SIGNED_IN_AT_KEY] == int(START.timestamp())


def test_signing_in_again_starts_a_new_period(client_in, user, clock, settings):
    settings.SESSION_IDLE_SECONDS = settings.SESSION_COOKIE_AGE = 13 * HOUR
    clock.shift(11 * HOUR)
    sign_in_as(client_in, user)
    clock.shift(2 * HOUR)
    assert is_signed_in(client_in)


def test_an_unstamped_signed_in_session_is_stamped_on_its_first_request(client_in, clock):
    session = client_in.session
    del session[SIGNED_IN_AT_KEY]
    session.save()
    clock.shift(5 * MINUTE)
    assert is_signed_in(client_in)
    assert client_in.session[SIGNED_IN_AT_KEY] == int(START.timestamp()) + 5 * MINUTE


@pytest.mark.parametrize("stamp", ["yesterday", None, True, 10**12, [1]])
def test_a_tampered_stamp_ends_the_session(client_in, stamp):
    session = client_in.session
    session[SIGNED_IN_AT_KEY] = stamp
    session.save()
    if stamp is None:  # no stamp at all is a session from before this rule: stamp it
        assert is_signed_in(client_in)
    else:
        assert not is_signed_in(client_in)


def test_anonymous_sessions_are_not_stamped(client):
    client.get(reverse("accounts:home"))
    assert SIGNED_IN_AT_KEY not in client.session


def test_password_change_does_not_restart_the_absolute_period(client_in, clock, settings):
    settings.SESSION_IDLE_SECONDS = settings.SESSION_COOKIE_AGE = 13 * HOUR
    clock.shift(6 * HOUR)
    response = client_in.post(
        reverse("accounts:change_password"),
        {
            "old_password": PASSWORD,
            "new_password1": "Qv7rTz3Lp9Wd",
            "new_password2": "Qv7rTz3Lp9Wd",
        },
    )
    assert response.status_code == 302
    clock.shift(6 * HOUR)
    assert not is_signed_in(client_in)


# --- Cookies, CSRF, caching ---------------------------------------------------------------------


def test_session_cookie_is_httponly_and_samesite_lax(client_in, settings):
    response = client_in.get(reverse(ACCOUNT))
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert response.cookies[settings.CSRF_COOKIE_NAME]["samesite"] == "Lax"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        (ACCOUNT, {"preferred_language": "ar"}),
        (
            "accounts:change_password",
            {
                "old_password": PASSWORD,
                "new_password1": "Qv7rTz3Lp9Wd",
                "new_password2": "Qv7rTz3Lp9Wd",
            },
        ),
    ],
)
def test_csrf_is_enforced_on_the_forms(user, name, data, settings):
    client = Client(enforce_csrf_checks=True)
    sign_in_as(client, user)
    assert client.post(reverse(name), data).status_code == 403
    user.refresh_from_db()
    assert user.preferred_language == "en"
    assert user.check_password(PASSWORD)

    client.get(reverse(name))
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(reverse(name), {**data, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert response["Location"] == reverse(ACCOUNT)


def assert_never_cached(response) -> None:
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-cache", "no-store", "must-revalidate", "private", "max-age=0"} <= cache_control
    assert "Expires" in response


@pytest.mark.parametrize("name", ["accounts:status", ACCOUNT, "accounts:change_password"])
@pytest.mark.parametrize("status", [None, AccountStatus.PENDING, AccountStatus.ACTIVE])
def test_signed_in_pages_and_their_redirects_are_never_cached(name, status):
    client = Client()
    if status:
        sign_in_as(client, make_user("ahmed2024", CITIZEN_ID, MOBILE, status=status))
    assert_never_cached(client.get(reverse(name)))
