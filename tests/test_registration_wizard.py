"""The registration wizard end to end through Django's test client (design.md §6)."""

from __future__ import annotations

import pytest
from captcha.models import CaptchaStore
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountEvent, AccountStatus, User
from tests.otp_helpers import FAILING_BACKEND
from tests.people import (
    CITIZEN_ID,
    CITIZEN_ID_ARABIC,
    MOBILE,
    MOBILE_E164,
    OTHER_CITIZEN_ID,
    OTHER_MOBILE,
    PASSWORD,
)
from tests.registration_driver import RegistrationDriver, step_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def driver(client, sms_outbox):
    return RegistrationDriver(client, sms_outbox)


def test_full_registration_creates_pending_account(driver, sms_outbox):
    response = driver.register()
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:registration_complete")
    user = User.objects.get()
    assert user.status == AccountStatus.PENDING
    assert user.national_id == CITIZEN_ID
    assert user.id_kind == "citizen"
    assert user.mobile == MOBILE_E164
    assert user.email == "Person@example.sa"
    assert user.username == "ahmed2024"
    assert user.preferred_language == "en"
    assert user.check_password(PASSWORD)
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert [e.kind for e in user.events.all()] == [AccountEvent.Kind.REGISTERED]
    assert len(sms_outbox) == 1
    assert sms_outbox[0]["to"] == MOBILE_E164
    assert sms_outbox[0]["purpose"] == "registration"


def error_codes(response, step: str, field: str | None = None) -> set[str]:
    form = response.context["wizard"]["form"]
    assert form.prefix == step
    errors = form.errors.as_data()
    key = field if field is not None else "__all__"
    return {e.code for e in errors.get(key, [])}


@pytest.mark.parametrize("language", ["ar", "en"])
def test_full_registration_in_each_language_shows_bank_channels(driver, client, language):
    client.cookies["django_language"] = language
    driver.account["preferred_language"] = language
    complete = client.get(driver.register()["Location"])
    assert complete.status_code == 200
    html = complete.content.decode()
    assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}">' in html
    channel_names = (
        ["البنك العربي الوطني", "مصرف الراجحي", "920003344"]
        if language == "ar"
        else ["Arab National Bank", "Arabi Net", "Al Rajhi Bank", "Mubasher", "920003344"]
    )
    for name in channel_names:
        assert name in html
    assert User.objects.get().preferred_language == language


def test_complete_page_survives_refresh_and_needs_a_registration(driver, client):
    complete_url = driver.register()["Location"]
    assert client.get(complete_url).status_code == 200
    assert client.get(complete_url).status_code == 200
    fresh = type(client)()
    assert fresh.get(complete_url)["Location"] == reverse("accounts:register")


def test_identity_step_shows_every_failing_field_at_once(driver):
    response = driver.identity_step(national_id="1000000000", mobile="0112345678", email="x@")
    assert response.status_code == 200
    assert error_codes(response, "identity", "national_id") == {"id_checksum"}
    assert error_codes(response, "identity", "mobile") == {"mobile_not_mobile"}
    assert error_codes(response, "identity", "email") == {"invalid"}
    assert 'id="error-summary"' in response.content.decode()


def test_identity_accepts_arabic_indic_digits(driver):
    response = driver.identity_step(national_id=CITIZEN_ID_ARABIC, mobile="٠٥٥١٢٣٤٥٦٧")
    assert response["Location"] == step_url("account")


def test_account_step_checks_every_password_and_username_rule(driver):
    """Every broken rule is found at once; the password field says so in one message and its
    checklist marks which rules (tests/test_password_checklist.py)."""
    driver.identity_step()
    response = driver.account_step(username="9ab", password1="abc", password2="abd")
    assert error_codes(response, "account", "username") >= {
        "username_length",
        "username_first_letter",
    }
    assert error_codes(response, "account", "password1") == {"password_policy"}
    assert set(response.context["wizard"]["form"].password_failures) >= {
        "password_too_short",
        "password_no_upper",
        "password_no_digit",
    }
    assert error_codes(response, "account", "password2") == {"password_mismatch"}


def test_wrong_captcha_sends_no_code(driver, sms_outbox):
    driver.identity_step()
    response = driver.account_step(captcha="999999")
    assert error_codes(response, "account", "captcha") == {"captcha_invalid"}
    assert sms_outbox == []


def test_a_captcha_is_answered_once_even_when_wrong(driver, client):
    driver.identity_step()
    page = client.get(step_url("account")).content.decode()
    key, answer = driver.captcha_answer(page)
    data = {**driver.account, "captcha_0": key, "captcha_1": "999999"}
    assert error_codes(driver.post_step("account", data), "account", "captcha")
    data["captcha_1"] = answer  # the right answer, too late: the picture is used up
    response = driver.post_step("account", data)
    assert error_codes(response, "account", "captcha") == {"captcha_invalid"}


def test_an_expired_captcha_is_refused(driver, client, time_machine):
    driver.identity_step()
    page = client.get(step_url("account")).content.decode()
    key, answer = driver.captcha_answer(page)
    CaptchaStore.objects.filter(hashkey=key).update(expiration=timezone.now())
    data = {**driver.account, "captcha_0": key, "captcha_1": answer}
    response = driver.post_step("account", data)
    assert error_codes(response, "account", "captcha") == {"captcha_invalid"}


def test_answering_a_captcha_leaves_other_expired_ones_to_the_housekeeping(driver):
    """No scan of the whole table per answer (decision 276): the nightly sweep removes them."""
    expired = CaptchaStore.objects.create(challenge="1+1=", response="2")
    CaptchaStore.objects.filter(pk=expired.pk).update(expiration=timezone.now())
    driver.register()
    assert CaptchaStore.objects.filter(pk=expired.pk).exists()


def test_missing_captcha_or_terms_sends_no_code(driver, sms_outbox):
    driver.identity_step()
    response = driver.account_step(captcha=" ", accept_terms="")
    assert "required" in error_codes(response, "account", "accept_terms")
    assert sms_outbox == []


def test_wrong_code_five_times_requires_a_new_code(driver, sms_outbox):
    driver.identity_step()
    driver.account_step()
    right = driver.last_code()
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(4):
        assert error_codes(driver.verify_step(wrong), "verify", "code") == {"wrong_code"}
    assert error_codes(driver.verify_step(wrong), "verify", "code") == {"attempts_exhausted"}
    assert error_codes(driver.verify_step(right), "verify", "code") == {"attempts_exhausted"}
    assert not User.objects.exists()


def test_expired_code_is_refused(driver, time_machine):
    time_machine.move_to("2026-11-26 10:00:00+03:00", tick=False)
    driver.identity_step()
    driver.account_step()
    time_machine.shift(301)
    assert error_codes(driver.verify_step(), "verify", "code") == {"expired"}
    assert not User.objects.exists()


def test_resend_before_cooldown_is_refused_and_after_it_sends(driver, sms_outbox, time_machine):
    driver.client.cookies["django_language"] = "en"
    time_machine.move_to("2026-11-26 10:00:00+03:00", tick=False)
    driver.identity_step()
    driver.account_step()
    page = driver.client.get(step_url("verify"))
    assert page.context["cooldown"] == 60
    response = driver.client.post(step_url("verify"), {"resend": "1"}, follow=True)
    assert len(sms_outbox) == 1
    assert [str(m) for m in response.context["messages"]] == [
        "Wait 1:00 (minutes:seconds) before requesting a new code."
    ]
    time_machine.shift(61)
    driver.client.post(step_url("verify"), {"resend": "1"})
    assert len(sms_outbox) == 2
    assert driver.verify_step()["Location"] == reverse("accounts:registration_complete")


def test_code_field_accepts_arabic_indic_digits(driver):
    driver.identity_step()
    driver.account_step()
    arabic = driver.last_code().translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert driver.verify_step(arabic)["Location"] == reverse("accounts:registration_complete")


def test_id_with_active_account_is_refused_with_sign_in_links(driver):
    User.objects.create_user(
        "owner2024", CITIZEN_ID, OTHER_MOBILE, "o@example.sa", "x", status="active"
    )
    response = driver.identity_step()
    assert response.context["already_registered"]  # said once (tests/test_registration_outcomes)
    html = response.content.decode()
    assert reverse("accounts:login") in html
    assert reverse("accounts:password_reset") in html


def test_username_taken_in_another_case_is_refused(driver):
    User.objects.create_user("Ahmed2024", OTHER_CITIZEN_ID, OTHER_MOBILE, "o@example.sa", "x")
    driver.identity_step()
    response = driver.account_step()
    assert error_codes(response, "account", "username") == {"username_taken"}


def test_pending_account_for_same_id_is_superseded(driver):
    old = User.objects.create_user("olduser11", CITIZEN_ID, OTHER_MOBILE, "o@example.sa", "x")
    driver.register()
    old.refresh_from_db()
    assert old.status == AccountStatus.SUPERSEDED
    assert User.objects.get(status=AccountStatus.PENDING).username == "ahmed2024"


def test_mobile_moves_from_another_account_and_owner_is_emailed(
    driver, mailoutbox, django_capture_on_commit_callbacks
):
    other = User.objects.create_user(
        "owner2024", OTHER_CITIZEN_ID, MOBILE_E164, "owner@example.sa", "x", status="active"
    )
    with django_capture_on_commit_callbacks(execute=True):
        driver.register()
    other.refresh_from_db()
    assert other.mobile == ""
    assert User.objects.get(national_id=CITIZEN_ID).mobile == MOBILE_E164
    assert [m.to for m in mailoutbox] == [["owner@example.sa"]]
    assert other.events.filter(kind=AccountEvent.Kind.MOBILE_RELEASED).exists()


def test_sms_provider_error_shows_message_and_creates_nothing(driver, settings, sms_outbox):
    settings.SMS_BACKEND = FAILING_BACKEND
    driver.identity_step()
    response = driver.account_step()
    assert response.status_code == 200
    assert error_codes(response, "account") == {"send_failed"}
    assert not User.objects.exists()
    settings.SMS_BACKEND = "locmem"
    assert driver.account_step()["Location"] == step_url("verify")
    assert driver.verify_step()["Location"] == reverse("accounts:registration_complete")


def test_storage_and_session_never_hold_password_or_code(driver, client):
    driver.identity_step()
    driver.account_step()
    code = driver.last_code()
    driver.verify_step("999999" if code != "999999" else "888888")
    stored = repr(dict(client.session.items()))
    assert PASSWORD not in stored
    assert code not in stored
    assert "password1" not in stored and "captcha" not in stored


def test_back_and_refresh_keep_entered_data(driver, client):
    driver.identity_step()
    driver.account_step()
    back = client.post(step_url("verify"), {"wizard_goto_step": "account"})
    assert back["Location"] == step_url("account")
    page = client.get(step_url("account"))
    html = page.content.decode()
    assert 'value="ahmed2024"' in html
    assert PASSWORD not in html
    assert not page.context["wizard"]["form"].errors
    identity = client.get(step_url("identity")).content.decode()
    assert f'value="{CITIZEN_ID}"' in identity
    assert client.get(step_url("identity")).status_code == 200


def test_language_switch_mid_wizard_keeps_data(driver, client):
    driver.identity_step()
    response = client.post(reverse("set_language"), {"language": "en", "next": step_url("account")})
    assert response["Location"] == step_url("account")
    page = client.get(step_url("account"))
    assert page.status_code == 200
    assert '<html lang="en" dir="ltr">' in page.content.decode()
    client.post(reverse("set_language"), {"language": "ar", "next": step_url("identity")})
    identity = client.get(step_url("identity")).content.decode()
    assert '<html lang="ar" dir="rtl">' in identity
    assert f'value="{CITIZEN_ID}"' in identity


def test_second_tab_opening_register_continues_where_the_first_is(driver, client):
    driver.identity_step()
    response = client.get(reverse("accounts:register"))
    assert response["Location"] == step_url("account")


def test_skipping_ahead_redirects_to_first_missing_step(client):
    assert client.get(step_url("verify"))["Location"] == step_url("identity")


def test_done_url_by_get_never_creates_an_account(driver, client):
    driver.identity_step()
    driver.account_step()
    response = client.get(step_url("done"))
    assert response.status_code == 302
    assert not User.objects.exists()


def test_post_without_management_form_does_main_action(client):
    client.get(step_url("identity"))
    response = client.post(
        step_url("identity"),
        {
            "identity-national_id": CITIZEN_ID,
            "identity-mobile": MOBILE,
            "identity-email": "a@example.sa",
        },
    )
    assert response["Location"] == step_url("account")


def test_changing_mobile_after_code_sent_requires_a_new_code(driver, client, sms_outbox):
    driver.identity_step()
    driver.account_step()
    code = driver.last_code()
    driver.identity_step(mobile=OTHER_MOBILE)
    response = driver.verify_step(code)
    assert error_codes(response, "verify", "code") == {"no_challenge"}
    assert not User.objects.exists()


ID_LOOKUP = 'SELECT 1 AS "a" FROM "accounts_user" WHERE ("accounts_user"."national_id" ='


def test_each_request_looks_the_id_up_at_most_once(driver):
    """The stored identity step is validated once per request, however many times the
    wizard needs it (issue 8: seven look-ups per registration became five)."""
    per_request: list[int] = []

    def lookups(response_or_call):
        with CaptureQueriesContext(connection) as queries:
            response_or_call()
        per_request.append(sum(q["sql"].startswith(ID_LOOKUP) for q in queries.captured_queries))

    lookups(lambda: driver.client.get(step_url("identity")))
    lookups(lambda: driver.post_step("identity", driver.identity))
    lookups(lambda: driver.account_step())
    lookups(lambda: driver.client.get(step_url("verify")))
    lookups(lambda: driver.verify_step())

    assert User.objects.get(national_id=CITIZEN_ID).status == AccountStatus.PENDING
    # account_step() is two requests (the page, then the post): at most two look-ups.
    assert per_request[:2] == [0, 1]
    assert per_request[2] <= 2
    assert per_request[3] <= 1
    assert per_request[4] <= 1  # the creation checks again, under its row locks


# --- Session writes (issue 16: the storage writes only what changed) ------------------------


def session_writes(client, method: str, path: str, data: dict | None = None) -> int:
    """How many statements a request sends to the session table."""
    with CaptureQueriesContext(connection) as queries:
        getattr(client, method)(path, data or {})
    return sum("django_session" in q["sql"] for q in queries.captured_queries)


def test_the_first_page_of_the_wizard_creates_no_session(client, settings):
    assert session_writes(client, "get", step_url("identity")) == 0
    assert settings.SESSION_COOKIE_NAME not in client.cookies


def test_showing_a_step_again_does_not_rewrite_the_session(driver, client):
    driver.identity_step()
    client.get(step_url("account"))  # the first showing creates the captcha, stores nothing
    assert session_writes(client, "get", step_url("account")) == 0
    assert session_writes(client, "get", step_url("account")) == 0


def test_a_step_that_stores_something_writes_the_session_once(driver, client):
    client.get(step_url("identity"))
    with CaptureQueriesContext(connection) as queries:
        driver.identity_step()
    writes = [q["sql"] for q in queries.captured_queries if "django_session" in q["sql"]]
    assert len([q for q in writes if q.startswith(("INSERT", "UPDATE"))]) == 1
    assert client.session["wizard_registration_wizard"]["step_data"]["identity"]


def test_a_refused_identity_step_stores_nothing(client):
    assert session_writes(client, "post", step_url("identity"), {"identity-national_id": "1"}) == 0


def test_the_verify_step_reads_its_challenge_once_then_once_more_to_create_the_account(driver):
    """Once for the form and the code check, once locked by the check itself, once again,
    fresh, by the re-validation before the account is created: three, not five (issue 16)."""
    driver.identity_step()
    driver.account_step()
    with CaptureQueriesContext(connection) as queries:
        response = driver.verify_step()
    assert response.status_code == 302
    reads = [
        q["sql"]
        for q in queries
        if q["sql"].startswith("SELECT") and 'FROM "accounts_otpchallenge"' in q["sql"]
    ]
    assert len(reads) == 3


def test_the_finished_wizard_is_out_of_the_session_before_its_key_changes(driver, monkeypatch):
    """The new session (cycle_key's INSERT) must not carry the ID, the mobile or the password
    hash of the finished wizard, even for the moment before the response is made."""
    from django.contrib.sessions.backends.base import SessionBase

    seen = []
    real = SessionBase.cycle_key

    def spying_cycle_key(session):
        seen.append("wizard_registration_wizard" in session)
        return real(session)

    monkeypatch.setattr(SessionBase, "cycle_key", spying_cycle_key)
    assert driver.register().status_code == 302
    assert seen == [False]
