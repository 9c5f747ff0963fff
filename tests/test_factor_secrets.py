"""The keys of the second factors (authenticator/crypto.py, decision 241): an authenticator app's
secret is stored sealed with AES-GCM under ``FACTOR_SECRET_KEYS``, a key kept out of the
database, so a dump of the table alone gives no secret; keys rotate; production refuses to
start without them."""

from __future__ import annotations

import base64
import hashlib
import secrets
from io import StringIO

import pyotp
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from authenticator import crypto, recovery_codes, totp
from authenticator.models import AuthenticatorApp
from tests.authenticator_helpers import make_codes, set_up_app
from tests.factories import make_user
from tests.people import CITIZEN_ID, MOBILE, OTHER_CITIZEN_ID, OTHER_MOBILE
from tests.production_env import PRODUCTION
from tests.test_settings import start_django

pytestmark = pytest.mark.django_db


def new_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


@pytest.fixture
def account():
    return make_user("Ahmed2024", CITIZEN_ID, MOBILE)


def stored_rows() -> list[tuple[int, bytes]]:
    """The table as a dump holds it: the raw stored bytes, read past the ORM."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT user_id, secret FROM authenticator_authenticatorapp")
        return [(user_id, bytes(secret)) for user_id, secret in cursor.fetchall()]


def test_a_dump_of_the_table_alone_gives_no_secret(settings, account):
    settings.FACTOR_SECRET_KEYS = [new_key()]
    app = set_up_app(account)
    secret = base64.b32decode(app.secret)
    [(user_id, stored)] = stored_rows()
    assert user_id == account.pk
    # Neither the secret nor its text is in the row, and the row is not the secret's length.
    assert secret not in stored and app.secret.encode() not in stored
    assert len(stored) == 1 + 4 + 12 + len(secret) + 16
    # Someone holding the dump but not the key (here: any other key) cannot open it...
    settings.FACTOR_SECRET_KEYS = [new_key()]
    with pytest.raises(crypto.SecretUnavailable):
        crypto.decrypt(stored, context=f"authenticator-app:{account.pk}".encode())
    # ... and so cannot mint a code the portal accepts.
    assert totp.app_code_check(user=account, code=app.now()) is totp.Check.WRONG


def test_a_sealed_secret_copied_to_another_account_does_not_open(settings, account):
    settings.FACTOR_SECRET_KEYS = [new_key()]
    app = set_up_app(account)
    other = make_user("Sara2024", OTHER_CITIZEN_ID, OTHER_MOBILE)
    AuthenticatorApp.objects.create(
        user=other,
        secret=AuthenticatorApp.objects.get(user=account).secret,
        confirmed_at=AuthenticatorApp.objects.get(user=account).confirmed_at,
    )
    assert totp.app_code_check(user=other, code=app.now()) is totp.Check.WRONG


def test_every_key_decrypts_the_first_encrypts_and_rotation_reseals(
    settings, account, frozen, capsys
):
    old, new = new_key(), new_key()
    settings.FACTOR_SECRET_KEYS = [old]
    app = set_up_app(account)
    sealed_before = bytes(AuthenticatorApp.objects.get(user=account).secret)
    codes = make_codes(account)

    settings.FACTOR_SECRET_KEYS = [new, old]  # a new key first, the old one kept to decrypt
    frozen.shift(30)
    assert totp.app_code_check(user=account, code=app.now()) is totp.Check.ACCEPTED
    out = StringIO()
    call_command("reencrypt_factor_secrets", language="en", stdout=out)
    assert "Encrypted 1 authenticator app secret with the first key." in out.getvalue()
    sealed_after = bytes(AuthenticatorApp.objects.get(user=account).secret)
    assert sealed_after != sealed_before and crypto.sealed_with_current_key(sealed_after)
    call_command("reencrypt_factor_secrets", language="en", stdout=out)  # nothing left to do
    assert "Encrypted 0 authenticator app secrets" in out.getvalue()

    # A recovery code made under the old key still works while that key is listed.
    assert recovery_codes.recovery_code_use(user=account, typed=codes[0]) == 9
    settings.FACTOR_SECRET_KEYS = [new]  # the old key retired
    frozen.shift(30)
    assert totp.app_code_check(user=account, code=app.now()) is totp.Check.ACCEPTED
    assert recovery_codes.recovery_code_use(user=account, typed=codes[1]) is None


def test_rotation_says_which_secrets_no_key_opens(settings, account):
    settings.FACTOR_SECRET_KEYS = [new_key()]
    set_up_app(account)
    settings.FACTOR_SECRET_KEYS = [new_key()]  # the key it was sealed with is lost
    with pytest.raises(CommandError, match="1 secret opens with none of FACTOR_SECRET_KEYS"):
        call_command("reencrypt_factor_secrets", language="en", stdout=StringIO())


def test_in_development_the_key_is_derived_from_secret_key_under_its_own_label(settings):
    settings.FACTOR_SECRET_KEYS = []
    settings.SECRET_KEY = "dev-only-" + "x" * 50
    expected = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=crypto.DEVELOPMENT_KEY_LABEL
    ).derive(settings.SECRET_KEY.encode())
    assert crypto.keys() == (expected,)
    assert settings.SECRET_KEY.encode()[:32] != expected
    settings.SECRET_KEY = "dev-only-" + "y" * 50
    assert crypto.keys() != (expected,)


def test_recovery_codes_are_stored_as_a_keyed_hash(settings, account):
    settings.FACTOR_SECRET_KEYS = [new_key()]
    codes = make_codes(account)
    with connection.cursor() as cursor:
        cursor.execute("SELECT digest FROM authenticator_recoverycode")
        stored = " ".join(row[0] for row in cursor.fetchall())
    for code in codes:
        plain = recovery_codes.normalize(code)
        assert code not in stored and plain not in stored
        assert hashlib.sha256(f"{account.pk}:{plain}".encode()).hexdigest() not in stored


def test_production_refuses_to_start_without_factor_secret_keys():
    env = {k: v for k, v in PRODUCTION.items() if k != "FACTOR_SECRET_KEYS"}
    result = start_django(**env)
    assert result.returncode != 0
    assert "FACTOR_SECRET_KEYS must be set" in result.stderr


@pytest.mark.parametrize(
    "bad", ["short", "not base64 at all!!", base64.b64encode(b"x" * 16).decode(), "!" + new_key()]
)
def test_a_malformed_factor_secret_key_refuses_to_start(bad):
    result = start_django(**{**PRODUCTION, "FACTOR_SECRET_KEYS": f"{new_key()},{bad}"})
    assert result.returncode != 0
    assert "Each FACTOR_SECRET_KEYS entry must be 32 random bytes" in result.stderr


def test_production_starts_with_two_keys():
    result = start_django(**{**PRODUCTION, "FACTOR_SECRET_KEYS": f"{new_key()},{new_key()}"})
    assert result.returncode == 0, result.stderr


def test_a_totp_secret_is_160_bits_from_the_system_random_source(account):
    key = totp.app_setup_start(user=account)
    assert len(base64.b32decode(key.secret)) == totp.SECRET_BYTES == 20
    assert pyotp.TOTP(key.secret).byte_secret() == base64.b32decode(key.secret)
