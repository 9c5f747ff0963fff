"""Error pages: translated, calm, with the status they describe, and never failing themselves.

Most tests here have no database access at all (no ``django_db`` mark): a page that queried the
database, or read the session, would break and show up as a different status or the bare
fallback page. DEBUG is off as in production, so Django's handlers are the portal's.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from absher_portal import errors, outages
from absher_portal.dates import format_time
from absher_portal.request_id import readable_reference
from tests.factories import make_user
from tests.people import CITIZEN_ID, MOBILE, PASSWORD

LANGUAGES = [("ar", "rtl"), ("en", "ltr")]
PAGES = [
    ("/test-errors/400/", 400, "The request could not be read"),
    ("/test-errors/403/", 403, "You cannot open this page"),
    ("/no-such-page/", 404, "Page not found"),
    ("/test-errors/500/", 500, "Something went wrong on our side"),
]


@pytest.fixture
def production(settings):
    """DEBUG off, and URLs that fail on purpose beside the portal's own."""
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.error_urls"


def client_in(language: str, **kwargs) -> Client:
    client = Client(raise_request_exception=False, **kwargs)
    client.cookies["django_language"] = language
    return client


def translated(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


def assert_full_page(html: str, language: str, direction: str, heading: str) -> None:
    """The real page (layout, stylesheet, language switch), not the bare fallback."""
    assert f'<html lang="{language}" dir="{direction}">' in html
    assert f'<h1 id="error-title">{translated(language, heading)}</h1>' in html
    assert 'rel="stylesheet"' in html
    assert translated(language, "What you can do") in html


@pytest.mark.parametrize(("url", "status", "heading"), PAGES)
@pytest.mark.parametrize(("language", "direction"), LANGUAGES)
def test_error_pages_answer_in_the_language_of_the_person_without_the_database(
    production, url, status, heading, language, direction
):
    response = client_in(language).get(url)
    html = response.content.decode()
    assert response.status_code == status
    assert_full_page(html, language, direction, heading)
    assert f'action="{reverse("set_language")}"' in html  # switch language right there
    # the reference to give support, short enough to read out (the full id stays in the logs)
    assert readable_reference(response["X-Request-ID"]) in html
    assert response["Cache-Control"] == "no-store"


class Untouchable:
    """A session or user that fails the test when an error page looks at it."""

    def __getattr__(self, name: str):
        raise AssertionError(f"the error page read {name}")

    def __contains__(self, item: object) -> bool:
        raise AssertionError("the error page read the session")


@pytest.mark.parametrize(
    ("render", "status", "heading"),
    [
        (
            lambda r: errors.bad_request(r, SuspiciousOperation()),
            400,
            "The request could not be read",
        ),
        (
            lambda r: errors.permission_denied(r, PermissionDenied()),
            403,
            "You cannot open this page",
        ),
        (lambda r: errors.page_not_found(r, Exception()), 404, "Page not found"),
        (errors.server_error, 500, "Something went wrong on our side"),
        (errors.csrf_failure, 403, "Your form has expired"),
    ],
)
def test_error_pages_never_read_the_session_or_the_user(render, status, heading):
    request = RequestFactory().get("/somewhere/")
    request.session = Untouchable()
    request.user = Untouchable()
    with translation.override("en"):
        response = render(request)
    assert response.status_code == status
    assert_full_page(response.content.decode(), "en", "ltr", heading)


def test_an_error_page_that_cannot_render_falls_back_to_a_plain_bilingual_page():
    request = RequestFactory().get("/")
    response = errors.render_error_page(request, "no-such-template.html", 500)
    assert response.status_code == 500
    assert response.content.decode() == errors.FALLBACK_PAGE
    assert 'lang="en"' in errors.FALLBACK_PAGE and 'lang="ar"' in errors.FALLBACK_PAGE


@pytest.mark.parametrize(("language", "direction"), LANGUAGES)
def test_a_wrong_host_header_is_a_translated_400(production, language, direction):
    response = client_in(language).get("/", HTTP_HOST="attacker.example")
    assert response.status_code == 400
    assert_full_page(response.content.decode(), language, direction, PAGES[0][2])


@pytest.mark.parametrize(("language", "direction"), LANGUAGES)
def test_an_unparseable_body_at_an_unknown_url_is_still_a_400_page(production, language, direction):
    response = client_in(language).post(
        "/no-such-page/", data=b"--x\r\n", content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert_full_page(response.content.decode(), language, direction, PAGES[0][2])


@pytest.mark.parametrize(("language", "direction"), LANGUAGES)
def test_a_failed_csrf_check_says_how_to_carry_on(production, language, direction):
    client = client_in(language, enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"identifier": "x", "password": "y"})
    html = response.content.decode()
    assert response.status_code == 403
    assert_full_page(html, language, direction, "Your form has expired")
    assert f'<a href="{reverse("accounts:login")}">' in html  # open the form again
    assert "CSRF verification failed" not in html
    assert "csrftoken" in response.cookies  # a fresh cookie: the next try works


@pytest.mark.parametrize(("language", "direction"), LANGUAGES)
def test_the_503_page_is_translated_and_needs_no_request(language, direction):
    with translation.override(language):
        response = outages.service_unavailable()
    html = response.content.decode()
    assert response.status_code == 503
    assert_full_page(html, language, direction, "Service temporarily unavailable")
    assert "set_language" not in html and "/i18n/setlang/" not in html  # no CSRF token to send


# --- 429: rate limited -----------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(("language", "direction"), LANGUAGES)
def test_a_locked_sign_in_gets_the_too_many_attempts_page_with_the_time_to_return(
    settings, frozen, language, direction
):
    settings.LOGIN_LOCKOUT_FAILURES = 2
    settings.LOGIN_FAILURES_BEFORE_CAPTCHA = 10
    make_user("ahmed2024", CITIZEN_ID, MOBILE)
    client = client_in(language)
    login = reverse("accounts:login")
    for _ in range(settings.LOGIN_LOCKOUT_FAILURES):
        client.post(login, {"identifier": "ahmed2024", "password": "Wrong7Password"})
    locked = client.post(login, {"identifier": "ahmed2024", "password": PASSWORD})
    html = locked.content.decode()
    assert locked.status_code == 429
    assert locked["Retry-After"] == str(settings.LOGIN_LOCKOUT_SECONDS)
    assert_full_page(html, language, direction, "Too many attempts")
    back_at = timezone.localtime() + timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
    shown = format_time(back_at, language=language, keep_together=True)  # "8:26pm", «8:26 م»
    assert f"<bdi>{shown}</bdi>" in html
    with translation.override(language):
        from accounts.error_messages import lockout_message

        assert lockout_message(settings.LOGIN_LOCKOUT_SECONDS) in html
    assert f'href="{reverse("accounts:password_reset")}"' in html
    assert [e.code for e in locked.context["form"].non_field_errors().as_data()] == ["locked"]


@pytest.mark.django_db
def test_the_per_address_limits_say_when_their_window_ends(settings, frozen):
    settings.LOGIN_ATTEMPTS_PER_IP = 1
    settings.PASSWORD_RESET_REQUESTS_PER_IP = 1
    client = client_in("en")
    for url, data in [
        (reverse("accounts:login"), {"identifier": "nobody2024", "password": "x"}),
        (reverse("accounts:password_reset"), {"national_id": CITIZEN_ID, "mobile": MOBILE}),
    ]:
        client.post(url, data)
        refused = client.post(url, data)
        html = refused.content.decode()
        assert refused.status_code == 429
        wait = int(refused["Retry-After"])
        assert 0 < wait <= 3600 + 3600 // 12  # the hour, and at most one slice (accounts.limits)
        back_at = timezone.localtime() + timedelta(seconds=wait)
        assert f"<bdi>{format_time(back_at, language='en')}</bdi>" in html
        assert "Too many attempts from your network" in html
