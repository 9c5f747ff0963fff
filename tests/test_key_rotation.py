"""Rotating SECRET_KEY and the one-time codes' HMAC key signs nobody out (issue 17 item 5).

The runbooks in docs/runbooks/ name these tests: each proves one step of a rotation. A key
moved into the fallbacks still opens what it made; once it is dropped, nothing it made opens.
"""

from __future__ import annotations

import subprocess
import sys
from http import HTTPStatus

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import signing
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts import otp, wrong_codes
from accounts.models import OtpChallenge
from accounts.signin import devices
from tests.factories import make_user, sign_in_as
from tests.otp_helpers import issue, last_code, otp_error, wrong_code_for
from tests.people import CITIZEN_ID, MOBILE
from tests.production_env import PRODUCTION, ROOT, process_env

pytestmark = pytest.mark.django_db

OLD_KEY = "old-secret-key-for-this-test-only-0123456789abcdefghijklmnopqrstuv"
NEW_KEY = "new-secret-key-for-this-test-only-0123456789abcdefghijklmnopqrstuv"
OLD_OTP_KEY = "old-otp-hmac-key-for-this-test-only-0123456789abcdefghijklmnop"
NEW_OTP_KEY = "new-otp-hmac-key-for-this-test-only-0123456789abcdefghijklmnop"


@pytest.fixture
def person():
    return make_user("ahmed2024", CITIZEN_ID, MOBILE, preferred_language="en")


def rotate(settings, *, key: str, fallbacks: list[str]) -> None:
    settings.SECRET_KEY = key
    settings.SECRET_KEY_FALLBACKS = fallbacks


def still_signed_in(client: Client) -> bool:
    response = client.get(reverse("accounts:account"))
    return response.status_code == HTTPStatus.OK and client.session.get(SESSION_KEY) is not None


# --- SECRET_KEY -----------------------------------------------------------------------------


def test_a_session_made_under_the_old_secret_key_survives_while_it_is_a_fallback(settings, person):
    rotate(settings, key=OLD_KEY, fallbacks=[])
    client = sign_in_as(Client(), person)
    assert still_signed_in(client)

    rotate(settings, key=NEW_KEY, fallbacks=[OLD_KEY])

    assert still_signed_in(client)


def test_a_session_made_under_the_old_secret_key_ends_once_the_fallback_is_dropped(
    settings, person
):
    rotate(settings, key=OLD_KEY, fallbacks=[])
    client = sign_in_as(Client(), person)

    rotate(settings, key=NEW_KEY, fallbacks=[])

    assert not still_signed_in(client)


def test_a_session_visited_during_the_overlap_is_moved_to_the_new_key(settings, person):
    """Django re-hashes a session's auth hash under the new key on its first visit, so a
    person active during the overlap stays signed in after the old key is dropped."""
    rotate(settings, key=OLD_KEY, fallbacks=[])
    client = sign_in_as(Client(), person)
    rotate(settings, key=NEW_KEY, fallbacks=[OLD_KEY])
    assert still_signed_in(client)

    rotate(settings, key=NEW_KEY, fallbacks=[])

    assert still_signed_in(client)


def test_phase_one_lets_a_machine_still_on_the_old_key_accept_the_new_one(settings, person):
    """Rolling restarts: once every machine lists the new key as a fallback (phase one), a
    session signed by a machine already on the new key (phase two) is accepted everywhere."""
    rotate(settings, key=NEW_KEY, fallbacks=[OLD_KEY])  # a machine already in phase two
    client = sign_in_as(Client(), person)

    rotate(settings, key=OLD_KEY, fallbacks=[NEW_KEY])  # a machine still in phase one

    assert still_signed_in(client)


def device_cookie_under(person) -> str:
    response = Client().get("/")
    devices.remember(response, person)
    return response.cookies[devices.COOKIE_NAME].value


def device_key_for(cookie: str, person) -> str | None:
    request = RequestFactory().get("/")
    request.COOKIES[devices.COOKIE_NAME] = cookie
    return devices.device_key(request, person)


def test_a_signed_cookie_made_under_the_old_secret_key_is_read_while_it_is_a_fallback(
    settings, person
):
    rotate(settings, key=OLD_KEY, fallbacks=[])
    cookie = device_cookie_under(person)

    rotate(settings, key=NEW_KEY, fallbacks=[OLD_KEY])
    assert device_key_for(cookie, person) is not None

    rotate(settings, key=NEW_KEY, fallbacks=[])
    assert device_key_for(cookie, person) is None


def test_a_signed_value_under_the_old_key_loads_with_the_fallback_and_not_without(settings):
    rotate(settings, key=OLD_KEY, fallbacks=[])
    value = signing.dumps({"a": 1}, salt="test")

    rotate(settings, key=NEW_KEY, fallbacks=[OLD_KEY])
    assert signing.loads(value, salt="test") == {"a": 1}

    rotate(settings, key=NEW_KEY, fallbacks=[])
    with pytest.raises(signing.BadSignature):
        signing.loads(value, salt="test")


def test_secret_key_fallbacks_are_read_from_the_environment_comma_separated():
    probe = (
        "import django; django.setup(); from django.conf import settings; "
        "print((settings.SECRET_KEY_FALLBACKS, settings.OTP_HMAC_KEY_FALLBACKS))"
    )
    env = process_env(
        **PRODUCTION,
        SECRET_KEY_FALLBACKS=f"{OLD_KEY},second-old-key",
        OTP_HMAC_KEY_FALLBACKS=OLD_OTP_KEY,
    )
    result = subprocess.run(  # noqa: S603 - a fixed argv built here
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(([OLD_KEY, "second-old-key"], [OLD_OTP_KEY]))


# --- The one-time codes' HMAC key -------------------------------------------------------------


def use_otp_key(settings, key: str, fallbacks: list[str]) -> None:
    settings.OTP_HMAC_KEY = key
    settings.OTP_HMAC_KEY_FALLBACKS = fallbacks


def test_a_code_issued_under_the_old_otp_key_verifies_while_it_is_a_fallback(settings, sms_outbox):
    use_otp_key(settings, OLD_OTP_KEY, [])
    challenge = issue()
    code = last_code(sms_outbox)

    use_otp_key(settings, NEW_OTP_KEY, [OLD_OTP_KEY])

    assert otp.verify_code(challenge.pk, code).verified_at is not None


def test_a_code_issued_under_the_old_otp_key_fails_once_the_fallback_is_dropped(
    settings, sms_outbox
):
    use_otp_key(settings, OLD_OTP_KEY, [])
    challenge = issue()
    code = last_code(sms_outbox)

    use_otp_key(settings, NEW_OTP_KEY, [])

    assert otp_error(otp.verify_code, challenge.pk, code).code == "wrong_code"


def test_a_wrong_code_during_the_overlap_counts_once_as_wrong(settings, sms_outbox):
    use_otp_key(settings, OLD_OTP_KEY, [])
    challenge = issue()
    code = last_code(sms_outbox)
    use_otp_key(settings, NEW_OTP_KEY, [OLD_OTP_KEY])

    error = otp_error(otp.verify_code, challenge.pk, wrong_code_for(code))

    assert error.code == "wrong_code"
    assert error.params == {"remaining": settings.OTP_MAX_ATTEMPTS - 1}
    assert OtpChallenge.objects.get(pk=challenge.pk).attempts == 1
    assert wrong_codes.LIMIT.peek(wrong_codes.challenge_key(challenge)).count == 1


def test_new_codes_are_made_under_the_new_otp_key(settings, sms_outbox):
    use_otp_key(settings, NEW_OTP_KEY, [OLD_OTP_KEY])
    challenge = issue()
    code = last_code(sms_outbox)

    stored = OtpChallenge.objects.get(pk=challenge.pk).code_hmac

    assert stored == otp.code_hmac(challenge, code, key=NEW_OTP_KEY)
    assert stored != otp.code_hmac(challenge, code, key=OLD_OTP_KEY)


def test_without_an_otp_key_codes_are_keyed_by_secret_key_as_before(settings, sms_outbox):
    use_otp_key(settings, "", [])
    rotate(settings, key=OLD_KEY, fallbacks=[])
    challenge = issue()
    code = last_code(sms_outbox)

    stored = OtpChallenge.objects.get(pk=challenge.pk).code_hmac

    assert stored == otp.code_hmac(challenge, code, key=OLD_KEY)


def test_phase_one_lets_a_machine_still_on_the_old_otp_key_verify_new_codes(settings, sms_outbox):
    use_otp_key(settings, NEW_OTP_KEY, [OLD_OTP_KEY])  # the machine that sent the code
    challenge = issue()
    code = last_code(sms_outbox)

    use_otp_key(settings, OLD_OTP_KEY, [NEW_OTP_KEY])  # the machine that checks it

    assert otp.verify_code(challenge.pk, code).verified_at is not None


def test_adopting_otp_hmac_key_with_the_secret_keys_value_keeps_codes_in_flight(
    settings, sms_outbox
):
    """The upgrade step (decision 302): OTP_HMAC_KEY set to SECRET_KEY's value hashes as the
    release before did, so codes sent just before the upgrade still verify."""
    use_otp_key(settings, "", [])
    rotate(settings, key=OLD_KEY, fallbacks=[])
    challenge = issue()
    code = last_code(sms_outbox)

    use_otp_key(settings, OLD_KEY, [])

    assert otp.verify_code(challenge.pk, code).verified_at is not None


def test_the_otp_key_is_apart_from_secret_key(settings, sms_outbox):
    """Rotating SECRET_KEY alone, with no fallback, leaves codes already sent valid."""
    use_otp_key(settings, OLD_OTP_KEY, [])
    challenge = issue()
    code = last_code(sms_outbox)

    rotate(settings, key=NEW_KEY, fallbacks=[])

    assert otp.verify_code(challenge.pk, code).verified_at is not None


def start_django(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=process_env(**env),
        capture_output=True,
        text=True,
    )


def test_production_refuses_to_start_without_an_otp_hmac_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "OTP_HMAC_KEY"}
    result = start_django(**env)
    assert result.returncode != 0
    assert "OTP_HMAC_KEY must be set" in result.stderr


# --- The database password (docs/runbooks/database-password.md) ---------------------------------


def test_a_generated_database_password_travels_in_database_url_unchanged():
    """``secrets.token_urlsafe`` passwords need no percent-encoding in DATABASE_URL."""
    password = "Zk-3_q" + "A" * 20 + "-_x9"  # the URL-safe alphabet's awkward characters
    probe = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['PASSWORD'])"
    )
    env = process_env(
        **PRODUCTION, DATABASE_URL=f"postgres://portal_app:{password}@db.internal:5432/portal"
    )
    result = subprocess.run(  # noqa: S603 - a fixed argv built here
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == password
