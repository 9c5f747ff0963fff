"""The factors a session passed (accounts/factors.py): names and times, for one account."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY

from accounts import factors
from accounts.factors import FACTORS_KEY, Factor, Proof


def signed_in_session(account: str = "7") -> dict:
    return {SESSION_KEY: account}


def test_password_and_sms_code_make_a_second_factor():
    session = signed_in_session()
    factors.record(session, Factor.PASSWORD, at=100)
    assert not factors.passed_second_factor(session)
    factors.record(session, Factor.SMS, at=160)
    assert factors.passed(session) == {"password": 100, "sms": 160}
    assert factors.passed_second_factor(session)


def test_one_kind_of_proof_twice_is_no_second_factor(monkeypatch):
    monkeypatch.setitem(factors.PROVES, "pin", frozenset({Proof.KNOWLEDGE}))
    session = signed_in_session()
    factors.record(session, Factor.PASSWORD)
    factors.record(session, "pin")
    assert not factors.passed_second_factor(session)


def test_a_factor_proving_two_kinds_counts_alone(monkeypatch):
    """How a passkey (possession and user verification) will count by itself."""
    monkeypatch.setitem(factors.PROVES, "webauthn", frozenset({Proof.POSSESSION, Proof.INHERENCE}))
    session = signed_in_session()
    factors.record(session, "webauthn")
    assert factors.passed_second_factor(session)


def test_the_record_is_for_the_account_signed_in_and_no_other():
    session = signed_in_session("7")
    factors.record(session, Factor.PASSWORD)
    factors.record(session, Factor.SMS)
    session[SESSION_KEY] = "8"  # another account in the same session, by some other door
    assert factors.passed(session) == {}
    assert not factors.passed_second_factor(session)
    factors.record(session, Factor.PASSWORD)
    assert set(factors.passed(session)) == {"password"}


@pytest.mark.parametrize(
    "record",
    [
        None,
        "password,sms",
        {"account": "7"},
        {"account": "7", "passed": ["password", "sms"]},
        {"account": "7", "passed": {"password": "now", "sms": True}},
        {"account": "7", "passed": {"magic": 1, "other": 2}},
    ],
)
def test_a_malformed_record_proves_nothing(record):
    session = signed_in_session() | {FACTORS_KEY: record}
    assert not factors.passed_second_factor(session)


def test_nothing_is_recorded_for_a_session_not_signed_in_or_an_unknown_factor():
    with pytest.raises(ValueError):
        factors.record({}, Factor.SMS)
    with pytest.raises(ValueError):
        factors.record(signed_in_session(), "magic")
    assert not factors.passed_second_factor({})


def test_a_passkey_alone_is_a_completed_sign_in_and_a_strong_factor():
    session = signed_in_session()
    factors.record(session, Factor.WEBAUTHN)
    assert factors.passed_second_factor(session)
    assert factors.passed_strong_factor(session)


@pytest.mark.parametrize("second", [Factor.TOTP, Factor.RECOVERY_CODE, Factor.SMS])
def test_the_password_with_an_app_code_a_recovery_code_or_an_sms_code_completes_a_sign_in(second):
    session = signed_in_session()
    factors.record(session, Factor.PASSWORD)
    factors.record(session, second)
    assert factors.passed_second_factor(session)
    assert factors.passed_strong_factor(session) == (second == Factor.TOTP)


def test_a_recent_second_factor_needs_both_proofs_within_the_window(monkeypatch):
    monkeypatch.setattr(factors, "_now", lambda: 1_000)
    session = signed_in_session()
    factors.record(session, Factor.PASSWORD, at=600)
    factors.record(session, Factor.SMS, at=900)
    assert not factors.recently_passed_second_factor(session, within_seconds=300)
    factors.record(session, Factor.PASSWORD, at=950)
    assert factors.recently_passed_second_factor(session, within_seconds=300)
    assert not factors.recently_passed_second_factor(session, within_seconds=60)
