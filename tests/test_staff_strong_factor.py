"""Staff need a strong factor (STAFF_REQUIRE_STRONG_FACTOR): with it on, the admin opens only
for a session that passed a passkey or an authenticator app; a staff member signed in with the
SMS code is sent to the security page with a message, not shown a 403."""

from __future__ import annotations

import subprocess
import sys
from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts import factors
from accounts.models import User
from tests.factories import make_user, sign_in_as
from tests.people import MOBILE, RESIDENT_ID, STAFF_MOBILE
from tests.production_env import PRODUCTION, ROOT, process_env
from tests.session_helpers import browser

pytestmark = pytest.mark.django_db

ADMIN = reverse("admin:index")
MESSAGE = {
    "en": "To use the staff pages, add a passkey or an authenticator app, then sign in with it.",
    "ar": "لاستخدام صفحات الموظفين، أضف مفتاح مرور أو تطبيق مصادقة، ثم سجّل الدخول به.",
}


@pytest.fixture
def staff() -> User:
    return make_user("staff01", RESIDENT_ID, STAFF_MOBILE, is_staff=True, is_superuser=True)


def with_factor(client, factor: str):
    session = client.session
    factors.record(session, factor)
    session.save()
    return client


@pytest.mark.parametrize("language", ["en", "ar"])
def test_staff_signed_in_with_the_sms_code_are_sent_to_add_a_strong_factor(
    settings, staff, language
):
    settings.STAFF_REQUIRE_STRONG_FACTOR = True
    client = sign_in_as(browser(), staff)
    client.cookies["django_language"] = language

    response = client.get(ADMIN, follow=True)

    assert response.redirect_chain[-1] == (reverse("security:page"), HTTPStatus.FOUND)
    assert response.status_code == HTTPStatus.OK
    assert [str(m) for m in response.context["messages"]] == [MESSAGE[language]]


def test_the_admin_login_address_sends_them_there_too(settings, staff):
    settings.STAFF_REQUIRE_STRONG_FACTOR = True
    client = sign_in_as(browser(), staff)
    response = client.get(reverse("admin:login"))
    assert response["Location"] == reverse("security:page")


@pytest.mark.parametrize("factor", [factors.Factor.TOTP, factors.Factor.WEBAUTHN])
def test_a_session_that_passed_a_passkey_or_an_app_opens_the_admin(settings, staff, factor):
    settings.STAFF_REQUIRE_STRONG_FACTOR = True
    client = with_factor(sign_in_as(browser(), staff), factor)
    assert client.get(ADMIN).status_code == HTTPStatus.OK


def test_a_recovery_code_is_not_a_strong_factor(settings, staff):
    settings.STAFF_REQUIRE_STRONG_FACTOR = True
    client = with_factor(sign_in_as(browser(), staff), factors.Factor.RECOVERY_CODE)
    assert client.get(ADMIN)["Location"].startswith(reverse("admin:login"))


def test_with_the_setting_off_the_sms_code_is_enough(settings, staff):
    settings.STAFF_REQUIRE_STRONG_FACTOR = False
    client = sign_in_as(browser(), staff)
    assert client.get(ADMIN).status_code == HTTPStatus.OK


def test_people_who_are_not_staff_still_go_to_the_sign_in(settings):
    settings.STAFF_REQUIRE_STRONG_FACTOR = True
    person = make_user("ahmed2024", "1000000008", MOBILE)
    client = with_factor(sign_in_as(browser(), person), factors.Factor.TOTP)
    response = client.get(reverse("admin:login"))
    assert response["Location"].startswith(reverse("accounts:login"))


def setting_in_a_process(**env: str) -> str:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.STAFF_REQUIRE_STRONG_FACTOR)",
        ],
        cwd=ROOT,
        env=process_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (PRODUCTION, "True"),
        ({**PRODUCTION, "STAFF_REQUIRE_STRONG_FACTOR": "0"}, "False"),
        ({"DJANGO_DEBUG": "1"}, "False"),
        ({"DJANGO_DEBUG": "1", "STAFF_REQUIRE_STRONG_FACTOR": "1"}, "True"),
    ],
    ids=["production", "production-off", "development", "development-on"],
)
def test_the_setting_is_on_in_production_and_off_in_development(env, expected):
    assert setting_in_a_process(**env) == expected


def test_the_readme_documents_the_setting():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "| `STAFF_REQUIRE_STRONG_FACTOR` | on when `DJANGO_DEBUG=0` |" in readme
