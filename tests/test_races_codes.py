"""Sixteen tries of one code at the same moment (design.md §5, §7, §12; issue 6).

``otp.verify_code`` is called from sixteen threads released together, each on its own
PostgreSQL connection: the right code is accepted once, and wrong codes are each counted (no
lost update lets a seventeenth guess in) up to the policy's caps; sixteen sessions of one person
guessing at once get exactly the person's cap of wrong codes compared. Then the same races through
the live server: one sign-in session posting its code sixteen times at once signs in once, and
one password-reset session posting sixteen new passwords at once changes the password once.
"""

from __future__ import annotations

from collections import Counter

import pytest
import requests
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.urls import reverse

from accounts import otp
from accounts.models import AccountEvent, OtpChallenge, OtpPurpose, User
from accounts.recovery.forms import NewPasswordForm
from tests.factories import make_user
from tests.otp_helpers import issue, last_code
from tests.people import CITIZEN_ID, MOBILE_E164
from tests.race_helpers import (
    RACE_MARKS,
    THREADS,
    LiveClient,
    citizen_ids,
    page_errors,
    race,
    statuses,
)
from tests.test_password_reset import new_password, start, verify
from tests.test_signin import post_password

pytestmark = RACE_MARKS


@pytest.fixture(autouse=True)
def _plain_http_and_cheap_hashes(settings):
    settings.OTP_LIMIT_PER_MOBILE = settings.OTP_LIMIT_PER_ID = settings.OTP_LIMIT_PER_IP = 1000
    settings.ARGON2_TIME_COST, settings.ARGON2_MEMORY_COST_KIB = 1, 1024
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    settings.LANGUAGE_COOKIE_SECURE = False


def wrong_codes(right: str, count: int) -> list[str]:
    """``count`` distinct codes, none of them ``right``."""
    return [f"{(int(right) + k) % 10**6:06d}" for k in range(1, count + 1)]


def try_codes(challenge: OtpChallenge, codes: list[str]) -> list[object]:
    return race([lambda code=code: otp.verify_code(challenge.pk, code) for code in codes])


def refusals(outcomes: list[object]) -> Counter:
    """How many tries were refused with each ``(code, remaining)``; anything else fails."""
    assert all(isinstance(o, otp.OtpError) for o in outcomes), outcomes
    return Counter((o.code, o.params.get("remaining")) for o in outcomes)


# --- the service ------------------------------------------------------------------------------
def test_the_right_code_sent_sixteen_times_at_once_is_accepted_once(sms_outbox):
    challenge = issue()

    outcomes = try_codes(challenge, [last_code(sms_outbox)] * THREADS)

    accepted = [o for o in outcomes if isinstance(o, OtpChallenge)]
    assert len(accepted) == 1
    assert refusals([o for o in outcomes if o not in accepted]) == {
        ("already_verified", None): THREADS - 1
    }
    challenge.refresh_from_db()
    assert challenge.verified_at is not None
    assert challenge.attempts == 0
    assert otp.locked_for(challenge) == 0  # a right code spends nothing of the cap
    # Verified once, it is used once.
    consume = {"purpose": OtpPurpose.REGISTRATION, "mobile": MOBILE_E164, "national_id": CITIZEN_ID}
    assert otp.consume_challenge(challenge.pk, **consume)
    assert not otp.consume_challenge(challenge.pk, **consume)


@pytest.mark.parametrize(
    ("max_attempts", "max_failures", "counted", "expected"),
    [
        # The defaults: the 5th wrong try uses the code up; the other 11 are not even checked.
        (
            5,
            10,
            5,
            {("attempts_exhausted", None): 12} | {("wrong_code", n): 1 for n in (4, 3, 2, 1)},
        ),
        # A generous per-code cap: the 10th wrong code reaches the person's cap, and the 6
        # others are refused without being compared.
        (100, 10, 10, {("locked", None): 7} | {("wrong_code", n): 1 for n in range(99, 90, -1)}),
        # No cap reached: every one of the 16 is counted, each seeing its own remainder.
        (100, 100, THREADS, {("wrong_code", n): 1 for n in range(99, 99 - THREADS, -1)}),
    ],
    ids=["default-policy", "failure-cap", "uncapped"],
)
def test_sixteen_wrong_codes_at_once_are_each_counted_up_to_the_caps(
    sms_outbox, settings, max_attempts, max_failures, counted, expected
):
    settings.OTP_MAX_ATTEMPTS, settings.OTP_MAX_FAILURES = max_attempts, max_failures
    challenge = issue()
    right = last_code(sms_outbox)

    outcomes = try_codes(challenge, wrong_codes(right, THREADS))

    assert refusals(outcomes) == expected
    challenge.refresh_from_db()
    assert challenge.attempts == counted
    assert (otp.locked_for(challenge) > 0) == (counted >= max_failures)
    assert challenge.verified_at is None
    # The right code now gets the same answer as the last wrong ones, or works if no cap hit.
    if counted < max_attempts and counted < max_failures:
        assert otp.verify_code(challenge.pk, right).verified_at is not None
    else:
        with pytest.raises(otp.OtpError) as refused:
            otp.verify_code(challenge.pk, right)
        assert refused.value.code == ("locked" if counted >= max_failures else "attempts_exhausted")


def test_sixteen_sign_in_sessions_guessing_at_once_get_exactly_the_cap_checked(sms_outbox):
    """Attack 3 in parallel: a session each, a wrong code each, all at once. The cap is one
    counter for the account, so exactly ``OTP_MAX_FAILURES`` codes are compared."""
    user = make_user("racer2024", CITIZEN_ID, MOBILE_E164)
    challenges = [
        issue(purpose=OtpPurpose.LOGIN, national_id=CITIZEN_ID, user_id=user.pk)
        for _ in range(THREADS)
    ]
    sent = {last_code([sms]) for sms in sms_outbox}
    wrong = next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in sent)

    outcomes = race([lambda c=c: otp.verify_code(c.pk, wrong) for c in challenges])

    answers = Counter(o.code for o in outcomes if isinstance(o, otp.OtpError))
    assert answers == {"wrong_code": 9, "locked": THREADS - 9}, outcomes
    checked = sum(OtpChallenge.objects.get(pk=c.pk).attempts for c in challenges)
    assert checked == 10


def test_sixteen_right_codes_for_one_person_at_once_are_all_accepted(sms_outbox, settings):
    """Sixteen registrations with one mobile, each posting its own right code at once: a
    right code is never refused by the cap on wrong codes, however many are checked together
    (the cap once counted every code before comparing it, so the 11th right one in flight was
    refused as "too many wrong codes")."""
    settings.OTP_MAX_FAILURES = 1  # any two checks in flight together would have tripped it
    ids = iter(citizen_ids(THREADS))
    challenges = [issue(national_id=next(ids)) for _ in range(THREADS)]
    codes = [last_code([sms]) for sms in sms_outbox]

    pairs = zip(challenges, codes, strict=True)
    outcomes = race([lambda c=c, code=code: otp.verify_code(c.pk, code) for c, code in pairs])

    assert all(isinstance(o, OtpChallenge) for o in outcomes), outcomes


# --- through the live server --------------------------------------------------------------------
def clones(client: LiveClient, count: int) -> list[LiveClient]:
    """``count`` browsers sharing ``client``'s cookies: one person's session, many tabs."""
    copies = []
    for _ in range(count):
        copy = LiveClient(client.origin)
        copy.cookies.update(client.cookies)
        copies.append(copy)
    return copies


def assert_no_server_error(responses: list[object]) -> list[requests.Response]:
    assert all(isinstance(r, requests.Response) for r in responses), responses
    for response in responses:
        assert all(status < 500 for status in statuses(response)), statuses(response)
    return responses  # type: ignore[return-value]


def signed_in_sessions(user: User) -> int:
    return sum(
        str(session.get_decoded().get(SESSION_KEY)) == str(user.pk)
        for session in Session.objects.all()
    )


def test_one_sign_in_code_posted_sixteen_times_at_once_signs_in_once(
    live_server, sms_outbox, record_property
):
    user = make_user("racer2024", CITIZEN_ID, MOBILE_E164, preferred_language="en")
    browser = LiveClient(live_server.url)
    password_step = post_password(browser, "racer2024", allow_redirects=False)
    assert password_step.status_code == 302, page_errors(password_step.text)
    code = last_code(sms_outbox)
    verify_path = reverse("accounts:login_verify")

    responses = assert_no_server_error(
        race([lambda c=c: c.post(verify_path, {"code": code}) for c in clones(browser, THREADS)])
    )

    landed = Counter(
        (r.url.removeprefix(live_server.url), r.status_code, tuple(page_errors(r.text)))
        for r in responses
    )
    record_property("answers", landed)
    signed_in = (reverse("accounts:account"), 200, ())
    assert landed[signed_in] == 1
    assert set(landed) <= {
        signed_in,
        # Checked the code after the winner: told it is used.
        (verify_path, 200, ("This code has already been used.",)),
        # Read the session after the winner's sign-in replaced it: back to the first step.
        (reverse("accounts:login"), 200, ()),
        # Saved the session after the winner's sign-in deleted it: Django's SessionInterrupted.
        (verify_path, 400, ()),
    }
    assert signed_in_sessions(user) == 1
    challenge = OtpChallenge.objects.get(purpose=OtpPurpose.LOGIN)
    assert challenge.verified_at is not None and challenge.consumed_at is not None


def test_one_reset_session_setting_sixteen_passwords_at_once_changes_it_once(
    live_server, sms_outbox
):
    user = make_user("racer2024", CITIZEN_ID, MOBILE_E164, preferred_language="en")
    browser = LiveClient(live_server.url)
    assert start(browser).url.endswith(reverse("accounts:password_reset_verify"))
    assert verify(browser, last_code(sms_outbox)).url.endswith(
        reverse("accounts:password_reset_new")
    )
    passwords = [f"Qv4nDolphin{n:02d}x" for n in range(THREADS)]
    assert all(
        NewPasswordForm({"new_password1": p, "new_password2": p}, user=user).is_valid()
        for p in passwords
    )

    responses = assert_no_server_error(
        race(
            [
                lambda c=c, p=p: new_password(c, p)
                for c, p in zip(clones(browser, THREADS), passwords, strict=True)
            ]
        )
    )

    done = [
        n
        for n, r in enumerate(responses)
        if r.url.endswith(reverse("accounts:password_reset_done"))
    ]
    assert len(done) == 1
    used_up = "Your verification code is no longer valid. Start the password reset again."
    for n, response in enumerate(responses):
        if n not in done:
            # Told the code is used up, or (read after the winner cleared the reset from the
            # session) simply back at the start.
            assert response.url.endswith(reverse("accounts:password_reset"))
            assert page_errors(response.text) in ([], [used_up])
    user.refresh_from_db()
    assert user.check_password(passwords[done[0]])
    assert AccountEvent.objects.filter(kind=AccountEvent.Kind.PASSWORD_CHANGED).count() == 1
    assert [sms["purpose"] for sms in sms_outbox] == [OtpPurpose.RESET, "password_changed"]
