"""Password reset end to end through Django's test client (design.md §7, issue 5 items 3 and 7)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import AccountStatus, OtpChallenge, OtpPurpose, User
from accounts.notifications import password_changed_sms_body
from accounts.recovery.services import RESET_SESSION_KEY
from tests.factories import code_from_sms, make_user, sign_in_as
from tests.otp_helpers import FAILING_BACKEND
from tests.people import (
    CITIZEN_ID,
    CITIZEN_ID_ARABIC,
    MOBILE,
    MOBILE_E164,
    NEW_PASSWORD,
    OTHER_CITIZEN_ID,
    OTHER_MOBILE_E164,
    PASSWORD,
)

pytestmark = pytest.mark.django_db

START_URL = reverse("accounts:password_reset")
VERIFY_URL = reverse("accounts:password_reset_verify")
NEW_URL = reverse("accounts:password_reset_new")
DONE_URL = reverse("accounts:password_reset_done")
ARABIC_LETTER = re.compile(r"[\u0600-\u06FF]")
CSRF_VALUE = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


@pytest.fixture(autouse=True)
def english_pages(client):
    """Pages in English, so their texts can be compared with the msgids."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def account():
    return make_user("sara2024", CITIZEN_ID, MOBILE_E164, preferred_language="en")


def start(client: Client, national_id: str = CITIZEN_ID, mobile: str = MOBILE, **extra):
    return client.post(START_URL, {"national_id": national_id, "mobile": mobile}, **extra)


def verify(client: Client, code: str):
    return client.post(VERIFY_URL, {"code": code})


def new_password(client: Client, password1: str = NEW_PASSWORD, password2: str | None = None):
    return client.post(
        NEW_URL, {"new_password1": password1, "new_password2": password2 or password1}
    )


def error_codes(response, field: str = "__all__") -> set[str]:
    return {error.code for error in response.context["form"].errors.as_data().get(field, [])}


def page_text(response) -> str:
    """The page without what differs on every render (the masked CSRF token)."""
    return CSRF_VALUE.sub("", response.content.decode())


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


# --- The happy path ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["ar", "en"])
def test_reset_sets_the_new_password_and_sends_a_notice_in_the_accounts_language(
    client, account, sms_outbox, django_capture_on_commit_callbacks, language
):
    account.preferred_language = language
    account.save(update_fields=["preferred_language"])

    response = start(client)
    assert response.status_code == 302
    assert response["Location"] == VERIFY_URL
    assert len(sms_outbox) == 1
    assert sms_outbox[0]["to"] == MOBILE_E164
    assert sms_outbox[0]["purpose"] == OtpPurpose.RESET
    assert bool(ARABIC_LETTER.search(sms_outbox[0]["body"])) == (language == "ar")
    code = code_from_sms(sms_outbox[0])
    session = client.session[RESET_SESSION_KEY]
    assert set(session) == {"account", "challenge", "sent", "verified"}
    assert code not in str(dict(client.session))

    response = verify(client, code)
    assert response["Location"] == NEW_URL
    assert client.session[RESET_SESSION_KEY]["verified"] is True
    assert code not in str(dict(client.session))
    page = client.get(NEW_URL)
    assert page.status_code == 200
    assert 'autocomplete="new-password"' in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = new_password(client)
    assert response.status_code == 302
    assert response["Location"] == DONE_URL
    account.refresh_from_db()
    assert account.check_password(NEW_PASSWORD)
    assert not account.check_password(PASSWORD)
    assert RESET_SESSION_KEY not in client.session
    assert OtpChallenge.objects.get(pk=session["challenge"]).consumed_at is not None

    notice = sms_outbox[-1]
    assert len(sms_outbox) == 2
    assert notice["to"] == MOBILE_E164
    assert notice["purpose"] == "password_changed"
    # Rendered under the account's language, saying when the password was changed.
    changed = account.events.get(kind="password_changed")
    assert notice["body"] == password_changed_sms_body(language=language, when=changed.created_at)
    assert bool(ARABIC_LETTER.search(notice["body"])) == (language == "ar")

    done = client.get(DONE_URL)
    assert done.status_code == 200
    assert f'href="{reverse("accounts:login")}"' in done.content.decode()
    assert not done.wsgi_request.user.is_authenticated  # not signed in automatically


def test_pending_account_may_reset_its_password(client, sms_outbox):
    user = make_user("pend2024", CITIZEN_ID, MOBILE_E164, status=AccountStatus.PENDING)
    start(client)
    verify(client, code_from_sms(sms_outbox[-1]))
    assert new_password(client)["Location"] == DONE_URL
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_arabic_indic_digits_and_international_mobile_are_accepted(client, account, sms_outbox):
    response = start(client, national_id=CITIZEN_ID_ARABIC, mobile="+966 55 123 4567")
    assert response["Location"] == VERIFY_URL
    assert [sms["to"] for sms in sms_outbox] == [MOBILE_E164]
    arabic_code = code_from_sms(sms_outbox[0]).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert verify(client, arabic_code)["Location"] == NEW_URL


def test_start_shows_format_errors(client, account, sms_outbox):
    response = start(client, national_id="1000000009", mobile="0112345678")
    assert response.status_code == 200
    assert error_codes(response, "national_id") == {"id_checksum"}
    assert error_codes(response, "mobile") == {"mobile_not_mobile"}
    assert sms_outbox == []


# --- No enumeration ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["unknown_id", "wrong_mobile", "suspended", "superseded"])
def test_reset_does_not_reveal_whether_the_details_match(client, account, sms_outbox, frozen, case):
    # The page and answers of a real match, for comparison.
    matched = Client()
    matched.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    match_start = start(matched)
    match_page = matched.get(VERIFY_URL)
    match_wrong = verify(matched, wrong(code_from_sms(sms_outbox[0])))
    sms_outbox.clear()

    details = {"national_id": CITIZEN_ID, "mobile": MOBILE}
    if case == "unknown_id":
        details["national_id"] = OTHER_CITIZEN_ID
    elif case == "wrong_mobile":
        details["mobile"] = OTHER_MOBILE_E164
    else:
        User.objects.filter(pk=account.pk).update(status=case)

    response = start(client, **details)
    assert response.status_code == match_start.status_code == 302
    assert response["Location"] == match_start["Location"]
    page = client.get(VERIFY_URL)
    assert page.status_code == match_page.status_code == 200
    assert page_text(page) == page_text(match_page)
    answer = verify(client, "123456")
    assert answer.status_code == match_wrong.status_code == 200
    assert error_codes(answer, "code") == error_codes(match_wrong, "code") == {"wrong_code"}
    assert page_text(answer) == page_text(match_wrong)
    assert sms_outbox == []
    # Nothing leads past the code step.
    assert client.get(NEW_URL)["Location"] == START_URL


def test_decoy_resend_answers_like_a_real_one_and_sends_nothing(
    client, account, sms_outbox, frozen
):
    start(client, national_id=OTHER_CITIZEN_ID)
    first = client.post(VERIFY_URL, {"resend": "1"}, follow=True)
    assert "Wait 1:00" in first.content.decode()
    frozen.shift(settings.OTP_RESEND_COOLDOWN_SECONDS)
    second = client.post(VERIFY_URL, {"resend": "1"}, follow=True)
    assert "a new code has been sent" in second.content.decode()
    assert sms_outbox == []


def test_decoy_wrong_tries_run_out_like_a_real_codes(client, account, sms_outbox):
    start(client, national_id=OTHER_CITIZEN_ID)
    codes = [error_codes(verify(client, "123456"), "code") for _ in range(6)]
    assert codes == [{"wrong_code"}] * 4 + [{"attempts_exhausted"}] * 2


def test_send_limits_apply_to_matches_and_decoys_alike(client, account, sms_outbox, settings):
    settings.OTP_LIMIT_PER_RESET_PAIR = 2  # per (ID, mobile) pair, decoys alike (decision 100)
    for national_id in (CITIZEN_ID, OTHER_CITIZEN_ID):
        assert start(client, national_id=national_id)["Location"] == VERIFY_URL
        assert start(client, national_id=national_id)["Location"] == VERIFY_URL
        refused = start(client, national_id=national_id)
        assert refused.status_code == 200
        assert "Too many codes" in refused.content.decode()
    assert len(sms_outbox) == 2  # only the match got codes


def test_a_failed_sms_is_not_revealed_and_resend_recovers(client, account, sms_outbox, settings):
    settings.SMS_BACKEND = FAILING_BACKEND
    response = start(client)
    assert response["Location"] == VERIFY_URL
    settings.SMS_BACKEND = "locmem"
    client.post(VERIFY_URL, {"resend": "1"})
    assert sms_outbox == []  # the cooldown applies as for a decoy
    settings.OTP_RESEND_COOLDOWN_SECONDS = 0
    client.post(VERIFY_URL, {"resend": "1"})
    assert len(sms_outbox) == 1
    assert verify(client, code_from_sms(sms_outbox[0]))["Location"] == NEW_URL


# --- Codes ------------------------------------------------------------------------------------


def test_wrong_code_says_how_many_tries_remain(client, account, sms_outbox):
    start(client)
    response = verify(client, wrong(code_from_sms(sms_outbox[0])))
    assert response.status_code == 200
    assert error_codes(response, "code") == {"wrong_code"}
    assert "You have 4 more tries" in response.content.decode()
    assert client.session[RESET_SESSION_KEY]["verified"] is False


def test_expired_code_is_refused(client, account, sms_outbox, frozen):
    start(client)
    frozen.shift(settings.OTP_TTL_SECONDS + 1)
    response = verify(client, code_from_sms(sms_outbox[0]))
    assert error_codes(response, "code") == {"expired"}
    assert client.get(NEW_URL)["Location"] == START_URL


def test_code_of_a_finished_reset_does_not_work_again(client, account, sms_outbox):
    start(client)
    old_code = code_from_sms(sms_outbox[0])
    verify(client, old_code)
    new_password(client)
    # The same session cannot set a password again with the used code.
    assert client.get(NEW_URL)["Location"] == START_URL
    start(client)
    assert error_codes(verify(client, old_code), "code") == {"wrong_code"}


def test_verified_code_is_consumed_once(client, account, sms_outbox):
    """Two sessions cannot both use one code: the challenge is consumed with the password."""
    start(client)
    verify(client, code_from_sms(sms_outbox[0]))
    twin = Client()
    session = twin.session
    session[RESET_SESSION_KEY] = client.session[RESET_SESSION_KEY]
    session.save()
    twin.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    assert new_password(client)["Location"] == DONE_URL
    response = new_password(twin, "Other5Password")
    assert response["Location"] == START_URL
    account.refresh_from_db()
    assert account.check_password(NEW_PASSWORD)


def test_resend_waits_for_the_cooldown_then_sends_a_new_code(client, account, sms_outbox, frozen):
    start(client)
    first_code = code_from_sms(sms_outbox[0])
    page = client.get(VERIFY_URL).content.decode()
    assert 'data-cooldown="60"' in page
    assert 'name="resend"' in page
    refused = client.post(VERIFY_URL, {"resend": "1"}, follow=True)
    assert "Wait 1:00 (minutes:seconds)" in refused.content.decode()
    assert len(sms_outbox) == 1

    frozen.shift(settings.OTP_RESEND_COOLDOWN_SECONDS)
    assert 'data-cooldown="0"' in client.get(VERIFY_URL).content.decode()
    sent = client.post(VERIFY_URL, {"resend": "1"})
    assert sent["Location"] == VERIFY_URL
    assert len(sms_outbox) == 2
    new_code = code_from_sms(sms_outbox[1])
    if new_code != first_code:
        assert error_codes(verify(client, first_code), "code") == {"wrong_code"}
    assert verify(client, new_code)["Location"] == NEW_URL


# --- The new password -------------------------------------------------------------------------


@pytest.fixture
def verified(client, account, sms_outbox):
    start(client)
    verify(client, code_from_sms(sms_outbox[0]))
    return client


def test_new_password_finds_every_rule_it_breaks_and_a_mismatch(verified, account):
    response = new_password(verified, "abc", "abd")
    assert response.status_code == 200
    assert error_codes(response, "new_password1") == {"password_policy"}
    assert set(response.context["form"].password_failures) >= {
        "password_too_short",
        "password_no_upper",
        "password_no_digit",
    }
    assert error_codes(response, "new_password2") == {"password_mismatch"}
    assert 'id="error-summary"' in response.content.decode()
    account.refresh_from_db()
    assert account.check_password(PASSWORD)


def test_new_password_is_checked_against_the_username(verified, account):
    response = new_password(verified, "xSara2024Qv")
    assert response.status_code == 200
    assert response.context["form"].password_failures == ["password_username_overlap"]
    assert verified.session[RESET_SESSION_KEY]["verified"] is True


@pytest.mark.parametrize("url", [VERIFY_URL, NEW_URL])
def test_later_steps_without_a_reset_lead_to_the_start(client, url):
    assert client.get(url)["Location"] == START_URL
    assert client.post(url, {})["Location"] == START_URL


def test_new_password_step_needs_a_verified_code(client, account, sms_outbox):
    start(client)
    assert client.get(NEW_URL)["Location"] == START_URL
    assert new_password(client)["Location"] == START_URL
    account.refresh_from_db()
    assert account.check_password(PASSWORD)


def test_account_suspended_after_the_code_cannot_set_a_password(verified, account):
    User.objects.filter(pk=account.pk).update(status=AccountStatus.SUSPENDED)
    assert new_password(verified)["Location"] == START_URL
    account.refresh_from_db()
    assert account.check_password(PASSWORD)


def test_other_sessions_end_after_the_reset(client, account, sms_outbox):
    other = Client()
    sign_in_as(other, account)
    assert other.get(START_URL).wsgi_request.user == account
    start(client)
    verify(client, code_from_sms(sms_outbox[0]))
    new_password(client)
    assert other.get(START_URL).wsgi_request.user.is_anonymous


# --- Throttling -------------------------------------------------------------------------------


def test_requests_are_limited_per_address(client, account, sms_outbox, settings):
    settings.PASSWORD_RESET_REQUESTS_PER_IP = 2
    assert start(client, national_id=OTHER_CITIZEN_ID)["Location"] == VERIFY_URL
    assert start(client, national_id=OTHER_CITIZEN_ID)["Location"] == VERIFY_URL
    refused = start(client)
    assert refused.status_code == 429
    assert "Too many attempts from your network" in refused.content.decode()
    assert sms_outbox == []
    other_address = start(client, REMOTE_ADDR="203.0.113.9")
    assert other_address["Location"] == VERIFY_URL
    assert len(sms_outbox) == 1


def test_reset_pages_are_never_cached(client, account, sms_outbox):
    assert "no-store" in client.get(START_URL)["Cache-Control"]
    start(client)
    assert "no-store" in client.get(VERIFY_URL)["Cache-Control"]
    assert "no-store" in client.get(DONE_URL)["Cache-Control"]


def test_a_reset_is_recorded_in_the_account_history(client, sms_outbox):
    from accounts.models import AccountEvent

    user = make_user("ahmed2024", CITIZEN_ID, MOBILE)
    client.post(reverse("accounts:password_reset"), {"national_id": CITIZEN_ID, "mobile": MOBILE})
    client.post(reverse("accounts:password_reset_verify"), {"code": code_from_sms(sms_outbox[-1])})
    client.post(
        reverse("accounts:password_reset_new"),
        {"new_password1": "Qz7vNewPass9x", "new_password2": "Qz7vNewPass9x"},
    )
    event = AccountEvent.objects.get(account=user)
    assert (event.kind, event.source) == (AccountEvent.Kind.PASSWORD_CHANGED, "reset")


class SlowSmsBackend:
    """A provider that takes a while to answer, like a real HTTP gateway."""

    def send(self, message):
        import time

        from sms.backends import outbox

        time.sleep(0.15)
        outbox.append({"to": message.to, "body": message.body, "purpose": message.purpose})


def test_a_match_and_a_decoy_take_the_same_time(settings):
    import gc
    import time

    settings.SMS_BACKEND = f"{__name__}.SlowSmsBackend"
    settings.PASSWORD_RESET_MIN_SECONDS = 0.5
    make_user("ahmed2024", CITIZEN_ID, MOBILE)
    durations = []
    # The heap of a whole test run makes a full garbage collection take a few hundred ms,
    # landing on either request at random: the floor is what is measured, not the collector.
    gc.collect()
    gc.disable()
    try:
        for national_id in (CITIZEN_ID, OTHER_CITIZEN_ID):  # a match, then no account
            client = Client()
            started = time.monotonic()
            response = client.post(
                reverse("accounts:password_reset"),
                {"national_id": national_id, "mobile": MOBILE},
            )
            durations.append(time.monotonic() - started)
            assert response["Location"] == reverse("accounts:password_reset_verify")
    finally:
        gc.enable()
    assert all(0.5 <= d < 0.9 for d in durations), durations
    assert abs(durations[0] - durations[1]) < 0.25, durations
