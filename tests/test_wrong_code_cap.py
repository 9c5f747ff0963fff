"""One cap on wrong codes per person and purpose (issue 13 item 4, attack 3; design.md §5).

The attack: open five sign-ins (or registrations with the victim's mobile, or resets) before
guessing. Each challenge used to count its own wrong tries, a new one copying the newest one's
count (still 0), so every session had 5 tries: 25 guesses where the cap said 10. Now every
wrong code is counted when it is checked, against the person and purpose (sign-in: the
account; registration: the mobile; reset: the ID-and-mobile pair), so sessions, resends and
new challenges share one budget, and once it is spent every code is refused, the right one too,
saying when to try again.
"""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from accounts import otp
from accounts.error_messages import RESET_CODE_ERRORS, SIGNIN_CODE_ERRORS, minutes_seconds
from accounts.models import OtpChallenge, OtpPurpose
from tests.factories import code_from_sms, make_user
from tests.otp_helpers import issue, otp_error
from tests.people import CITIZEN_ID, MOBILE, MOBILE_E164, OTHER_MOBILE_E164
from tests.race_helpers import citizen_ids

pytestmark = pytest.mark.django_db

SESSIONS = 5
HOUR = 60 * 60


def checked(challenges: list[OtpChallenge]) -> int:
    """How many wrong codes were compared with a code, over all these challenges."""
    return sum(OtpChallenge.objects.get(pk=c.pk).attempts for c in challenges)


def not_the_code(sms_outbox, challenge: OtpChallenge) -> str:
    """A code that is certainly wrong for ``challenge`` (a decoy has none to avoid)."""
    sent = [code_from_sms(sms) for sms in sms_outbox if sms["to"] == challenge.mobile]
    return next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in sent)


def open_challenges(purpose: str) -> list[OtpChallenge]:
    """Five challenges for one person, opened before any guess (the attack's first half)."""
    if purpose == "login":
        user = make_user("victim2024", CITIZEN_ID, MOBILE_E164)
        return [
            issue(purpose=OtpPurpose.LOGIN, national_id=CITIZEN_ID, user_id=user.pk)
            for _ in range(SESSIONS)
        ]
    if purpose == "registration":
        # The victim's mobile with random ID numbers: each used to start a fresh count.
        return [
            issue(purpose=OtpPurpose.REGISTRATION, national_id=national_id)
            for national_id in citizen_ids(SESSIONS)
        ]
    user = make_user("victim2024", CITIZEN_ID, MOBILE_E164) if purpose == "reset" else None
    return [
        issue(
            purpose=OtpPurpose.RESET,
            user_id=user.pk if user else None,
            decoy=user is None,
        )
        for _ in range(SESSIONS)
    ]


@pytest.mark.parametrize("purpose", ["login", "registration", "reset", "reset-decoy"])
def test_five_sessions_opened_before_guessing_share_one_cap_on_wrong_codes(
    sms_outbox, frozen, purpose
):
    cap = django_settings.OTP_MAX_FAILURES
    assert cap == 10
    challenges = open_challenges(purpose)

    answers = [
        otp_error(otp.verify_code, challenge.pk, not_the_code(sms_outbox, challenge)).code
        for challenge in challenges
        for _ in range(django_settings.OTP_MAX_ATTEMPTS)
    ]

    assert checked(challenges) == cap  # was 25: five tries per session
    # The wrong code that reaches the cap says so; every later one is refused unchecked.
    assert set(answers[cap - 1 :]) == {"locked"}
    assert "locked" not in answers[: cap - 1]


@pytest.mark.parametrize("purpose", ["login", "registration", "reset"])
def test_once_the_cap_is_reached_every_code_is_refused_until_the_hour_lets_it_go(
    sms_outbox, frozen, settings, purpose
):
    settings.OTP_MAX_FAILURES = 3
    # The send quotas are not tested here: they release on slices of their own.
    settings.OTP_LIMIT_PER_MOBILE = settings.OTP_LIMIT_PER_ID = 10
    settings.OTP_LIMIT_PER_RESET_PAIR = 10
    challenges = open_challenges(purpose)
    first, second, newest = challenges[0], challenges[1], challenges[-1]
    for _ in range(3):
        otp_error(otp.verify_code, first.pk, not_the_code(sms_outbox, first))

    refused = otp_error(otp.verify_code, newest.pk, code_from_sms(sms_outbox[-1]))

    assert refused.code == "locked"
    assert 0 < refused.params["seconds"] <= HOUR + HOUR // 12
    # A resend or a new challenge brings no fresh budget, and sends nothing.
    frozen.shift(django_settings.OTP_RESEND_COOLDOWN_SECONDS)
    sent = len(sms_outbox)
    assert otp_error(otp.resend_code, second.pk, language="en", ip="192.0.2.1").code == "locked"
    assert len(sms_outbox) == sent
    # The hour passes: the person may try again (a new code, the old ones have expired).
    frozen.shift(refused.params["seconds"])
    assert otp.locked_for(second) == 0
    otp.resend_code(second.pk, language="en", ip="192.0.2.1")
    assert otp.verify_code(second.pk, code_from_sms(sms_outbox[-1])).verified_at


def test_a_right_code_is_not_counted_against_the_cap(sms_outbox, settings):
    settings.OTP_MAX_FAILURES = 2
    for _ in range(3):
        challenge = issue()
        assert otp.verify_code(challenge.pk, code_from_sms(sms_outbox[-1])).verified_at

    assert otp.locked_for(issue()) == 0


def test_wrong_codes_for_a_persons_mobile_elsewhere_never_lock_her_sign_in(sms_outbox, frozen):
    """Registration and reset can be started by anyone with her mobile: their guesses count
    on their own purpose's budget, never on the one that protects her sign-in."""
    user = make_user("victim2024", CITIZEN_ID, MOBILE_E164)
    strangers = [
        *[issue(purpose=OtpPurpose.REGISTRATION, national_id=n) for n in citizen_ids(2)],
        issue(purpose=OtpPurpose.RESET, decoy=True),
        issue(purpose=OtpPurpose.RESET, user_id=user.pk),
    ]
    for challenge in strangers:
        for _ in range(django_settings.OTP_MAX_ATTEMPTS):
            otp_error(otp.verify_code, challenge.pk, not_the_code(sms_outbox, challenge))
    assert otp.locked_for(strangers[0]) > 0 and otp.locked_for(strangers[-1]) > 0

    sign_in = issue(purpose=OtpPurpose.LOGIN, user_id=user.pk)

    assert otp.verify_code(sign_in.pk, code_from_sms(sms_outbox[-1])).verified_at


def test_another_mobile_has_its_own_registration_budget(sms_outbox, settings):
    settings.OTP_MAX_FAILURES = 1
    mine = issue()
    otp_error(otp.verify_code, mine.pk, not_the_code(sms_outbox, mine))

    theirs = issue(mobile=OTHER_MOBILE_E164)

    assert otp.verify_code(theirs.pk, code_from_sms(sms_outbox[-1])).verified_at


# --- what the person sees ----------------------------------------------------------------------
LOGIN, LOGIN_VERIFY = reverse("accounts:login"), reverse("accounts:login_verify")


def english_client() -> Client:
    client = Client()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_five_sign_in_sessions_guessing_get_ten_wrong_codes_checked_in_all(sms_outbox, frozen):
    user = make_user("victim2024", CITIZEN_ID, MOBILE)
    sessions = [english_client() for _ in range(SESSIONS)]
    for session in sessions:
        opened = session.post(LOGIN, {"identifier": "victim2024", "password": "Tr7uMpet9Zq"})
        assert opened.status_code == HTTPStatus.FOUND, opened.content.decode()
    codes = {code_from_sms(sms) for sms in sms_outbox}
    wrong = next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in codes)

    pages = [
        session.post(LOGIN_VERIFY, {"code": wrong})
        for session in sessions
        for _ in range(django_settings.OTP_MAX_ATTEMPTS)
    ]

    challenges = list(OtpChallenge.objects.filter(user=user))
    assert checked(challenges) == django_settings.OTP_MAX_FAILURES
    last = pages[-1]
    seconds = otp.locked_for(challenges[0])
    message = str(SIGNIN_CODE_ERRORS["locked"]) % {"time": minutes_seconds(seconds)}
    assert [e.code for e in last.context["form"].errors.as_data()["code"]] == ["locked"]
    assert last.context["locked"] and message in last.content.decode()
    assert 'name="resend"' not in last.content.decode()
    # Even the right code, in any of the sessions, is refused the same way.
    right = sessions[0].post(LOGIN_VERIFY, {"code": code_from_sms(sms_outbox[0])})
    assert [e.code for e in right.context["form"].errors.as_data()["code"]] == ["locked"]


def test_the_reset_code_page_says_when_to_try_again(client, sms_outbox, frozen, settings):
    settings.OTP_MAX_FAILURES = 1
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    make_user("victim2024", CITIZEN_ID, MOBILE_E164)
    client.post(reverse("accounts:password_reset"), {"national_id": CITIZEN_ID, "mobile": MOBILE})
    verify = reverse("accounts:password_reset_verify")
    client.post(verify, {"code": not_the_code(sms_outbox, OtpChallenge.objects.get())})

    page = client.get(verify)

    seconds = otp.locked_for(OtpChallenge.objects.get())
    message = str(RESET_CODE_ERRORS["locked"]) % {"time": minutes_seconds(seconds)}
    assert page.context["locked"] and message in page.content.decode()
    again = client.post(
        reverse("accounts:password_reset"), {"national_id": CITIZEN_ID, "mobile": MOBILE}
    )
    assert [e.code for e in again.context["form"].non_field_errors().as_data()] == ["locked"]
