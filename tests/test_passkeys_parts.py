"""The small parts of passkeys, alone: challenges in the session, default names, the relying
party from ``PUBLIC_ORIGIN``, and how staff read the events' sources."""

from __future__ import annotations

import pytest
from django.utils import translation

from accounts.event_sources import describe_source
from passkeys import challenges, relying_party
from passkeys.names import default_name

ANDROID = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile"
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile"
MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 Version/17.0 Safari"
WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari"


@pytest.fixture(autouse=True)
def english():
    """The portal's default language is Arabic; these texts are checked in English."""
    with translation.override("en"):
        yield


# --- challenges -------------------------------------------------------------------------------
def test_a_challenge_is_taken_once_for_its_purpose_and_account():
    session: dict = {}
    challenge = challenges.issue(session, challenges.REGISTER, account_id=7)

    assert not challenges.take(session, challenges.SIGN_IN, challenge)
    assert challenges.take(session, challenges.REGISTER, challenge, account_id=7)
    assert not challenges.take(session, challenges.REGISTER, challenge, account_id=7)
    assert session == {}  # nothing left behind


def test_a_challenge_for_another_account_is_refused_and_used_up():
    session: dict = {}
    challenge = challenges.issue(session, challenges.REGISTER, account_id=7)

    assert not challenges.take(session, challenges.REGISTER, challenge, account_id=8)
    assert not challenges.take(session, challenges.REGISTER, challenge, account_id=7)


def test_a_challenge_lives_five_minutes(monkeypatch):
    session: dict = {}
    monkeypatch.setattr(challenges, "_now", lambda: 1_000.0)
    fresh = challenges.issue(session, challenges.SIGN_IN)
    old = challenges.issue(session, challenges.SIGN_IN)
    monkeypatch.setattr(challenges, "_now", lambda: 1_000.0 + challenges.LIFETIME_SECONDS - 1)
    assert challenges.take(session, challenges.SIGN_IN, fresh)
    monkeypatch.setattr(challenges, "_now", lambda: 1_000.0 + challenges.LIFETIME_SECONDS)
    assert not challenges.take(session, challenges.SIGN_IN, old)


def test_only_the_latest_few_challenges_are_kept():
    session: dict = {}
    issued = [
        challenges.issue(session, challenges.SIGN_IN)
        for _ in range(challenges.KEPT_PER_PURPOSE + 1)
    ]

    assert not challenges.take(session, challenges.SIGN_IN, issued[0])
    assert all(challenges.take(session, challenges.SIGN_IN, c) for c in issued[1:])


@pytest.mark.parametrize(
    "stored",
    [None, "x", [], {"sign_in": "x"}, {"sign_in": [{"challenge": 1}]}, {"sign_in": [None]}],
)
def test_a_mangled_session_record_counts_as_no_challenge(stored):
    session = {challenges.SESSION_KEY: stored}
    assert not challenges.take(session, challenges.SIGN_IN, b"0" * 32)
    assert challenges.issue(session, challenges.SIGN_IN)


# --- default names ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("user_agent", "name"),
    [
        (ANDROID, "Passkey on Android"),
        (IPHONE, "Passkey on iPhone or iPad"),
        (MAC, "Passkey on Mac"),
        (WINDOWS, "Passkey on Windows"),
        ("", "Passkey 1"),
        ("curl/8.0", "Passkey 1"),
        ("Mozilla/5.0 (Linux; Android 14) " + "x" * 600, "Passkey 1"),  # too long to read
    ],
)
def test_a_passkey_made_by_the_device_is_named_after_its_platform(user_agent, name):
    named = default_name(
        user_agent=user_agent, attachment="platform", transports=["internal"], taken=[]
    )
    assert named == name


def test_a_passkey_on_a_phone_through_a_qr_code_and_a_security_key():
    phone = default_name(
        user_agent=WINDOWS, attachment="cross-platform", transports=["hybrid", "internal"], taken=[]
    )
    key = default_name(
        user_agent=WINDOWS, attachment="cross-platform", transports=["usb"], taken=[]
    )

    assert (phone, key) == ("Passkey on your phone", "Security key")


def test_a_name_already_taken_gets_the_next_free_number():
    taken = ["passkey on android", "Passkey on Android (2)"]

    named = default_name(
        user_agent=ANDROID, attachment="platform", transports=["internal"], taken=taken
    )

    assert named == "Passkey on Android (3)"


def test_the_default_name_is_written_in_the_language_of_the_page():
    with translation.override("ar"):
        named = default_name(user_agent=IPHONE, attachment="platform", transports=[], taken=[])
    assert named == "مفتاح مرور على آيفون أو آيباد"


# --- the relying party -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("origin", "rp_id", "available"),
    [
        ("https://portal.example.sa", "portal.example.sa", True),
        ("https://portal.example.sa:8443/", "portal.example.sa", True),
        ("http://localhost:8000", "localhost", True),
        ("http://127.0.0.1:8000", "127.0.0.1", False),
        ("http://[::1]:8000", "::1", False),
    ],
)
def test_the_rp_id_is_the_host_of_the_public_origin(settings, origin, rp_id, available):
    settings.PUBLIC_ORIGIN = origin

    assert relying_party.rp_id() == rp_id
    assert relying_party.origin() == origin.rstrip("/")
    assert relying_party.available() is available


def test_staff_read_the_sources_of_passkey_events_in_words():
    with translation.override("en"):
        assert describe_source("security") == "The person, on their security page"
        assert describe_source("signin") == "The portal, at a sign-in"
