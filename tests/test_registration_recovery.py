"""The wizard when things go wrong: stale data, expired sessions, tampering, limits (§6)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import AccountStatus, OtpChallenge, User
from tests.factories import make_user
from tests.otp_helpers import FAILING_BACKEND
from tests.people import CITIZEN_ID, OTHER_CITIZEN_ID, OTHER_MOBILE, PASSWORD
from tests.registration_driver import RegistrationDriver, step_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def driver(client, sms_outbox):
    client.cookies["django_language"] = "en"
    return RegistrationDriver(client, sms_outbox)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_expired_session_mid_wizard_asks_to_start_again(driver, client):
    driver.identity_step()
    client.cookies.pop("sessionid", None)
    response = client.post(step_url("account"), {"account-username": "ahmed2024"}, follow=True)
    assert response.redirect_chain[-1][0] == step_url("identity")
    assert [m.level_tag for m in response.context["messages"]] == ["warning"]


@pytest.mark.parametrize("url", ["/register/", "/register/done/"])
@pytest.mark.parametrize("posted_step", ["bogus", "account", ""])
def test_post_to_a_url_without_a_step_never_fails(driver, client, url, posted_step):
    driver.identity_step()
    response = client.post(url, {"registration_wizard-current_step": posted_step})
    assert response.status_code == 302
    assert response["Location"] == step_url("account")


def test_account_step_after_the_id_was_activated_goes_back_with_the_reason(driver, client):
    driver.identity_step()
    make_user("owner2024", CITIZEN_ID, OTHER_MOBILE)  # activated elsewhere meanwhile
    response = driver.account_step()
    assert response["Location"] == step_url("identity")
    page = client.get(step_url("identity"))
    html = page.content.decode()
    assert page.context["already_registered"]  # the page says it, not a message (issue 14)
    assert "activated account already exists" in html
    assert reverse("accounts:login") in html


def test_username_taken_before_the_code_is_entered_is_explained_and_needs_a_new_code(
    driver, client, sms_outbox
):
    driver.identity_step()
    driver.account_step()
    make_user("Ahmed2024", OTHER_CITIZEN_ID, OTHER_MOBILE)  # someone else took it meanwhile
    response = driver.verify_step()
    assert response["Location"] == step_url("account")
    page = client.get(step_url("account"))
    assert any("already taken" in m for m in messages_of(page))
    assert 'value="ahmed2024"' in page.content.decode()
    verify = client.get(step_url("verify"))
    assert verify.context["challenge"] is None
    driver.account_step(username="ahmed2025")
    assert driver.verify_step()["Location"] == reverse("accounts:registration_complete")
    assert User.objects.get(status=AccountStatus.PENDING).username == "ahmed2025"


def test_back_keeps_what_was_typed_on_the_current_step_but_no_password(driver, client):
    driver.identity_step()
    page = client.get(step_url("account")).content.decode()
    key, _answer = driver.captcha_answer(page)
    response = client.post(
        step_url("account"),
        {
            "account-username": "typedname1",
            "account-password1": PASSWORD,
            "account-preferred_language": "en",
            "account-captcha_0": key,
            "wizard_goto_step": "identity",
        },
    )
    assert response["Location"] == step_url("identity")
    assert PASSWORD not in repr(dict(client.session.items()))
    html = client.get(step_url("account")).content.decode()
    assert 'value="typedname1"' in html
    assert PASSWORD not in html


def test_username_taken_is_only_revealed_with_a_solved_captcha(driver):
    make_user("Ahmed2024", OTHER_CITIZEN_ID, OTHER_MOBILE)
    driver.identity_step()
    response = driver.account_step(captcha="wrong")
    errors = response.context["wizard"]["form"].errors.as_data()
    assert "username" not in errors
    assert {e.code for e in errors["captcha"]} == {"captcha_invalid"}


def test_password_overlap_rule_runs_even_when_the_username_breaks_its_rules(driver):
    driver.identity_step()
    response = driver.account_step(
        username="9ahmedSaleh", password1="AhmedSal9xQ", password2="AhmedSal9xQ"
    )
    form = response.context["wizard"]["form"]
    errors = form.errors.as_data()
    assert "username_first_letter" in {e.code for e in errors["username"]}
    assert "password_username_overlap" in form.password_failures


def test_identity_checks_are_limited_per_address(driver, client, settings):
    settings.REGISTRATION_CHECKS_PER_IP = 3
    for _ in range(3):
        assert driver.identity_step()["Location"] == step_url("account")
    response = driver.identity_step()
    assert response["Location"] == step_url("identity")
    assert any("Too many attempts" in m for m in messages_of(client.get(step_url("identity"))))


def test_starting_again_does_not_reset_the_wrong_code_cap(driver, client, sms_outbox, settings):
    settings.OTP_MAX_FAILURES = 4
    driver.identity_step()
    driver.account_step()
    wrong = "000000" if driver.last_code() != "000000" else "111111"
    for _ in range(4):
        driver.verify_step(wrong)
    client.post(step_url("verify"), {"restart": "1"})
    driver.identity_step()
    response = driver.account_step()
    assert {e.code for e in response.context["wizard"]["form"].non_field_errors().as_data()} == {
        "locked"
    }
    assert len(sms_outbox) == 1


def test_a_number_that_cannot_receive_sms_gets_its_own_message(driver, settings, monkeypatch):
    from sms.message import SmsError
    from tests import otp_helpers

    monkeypatch.setattr(
        otp_helpers.FailingSmsBackend,
        "send",
        lambda self, message: (_ for _ in ()).throw(SmsError("invalid_number")),
    )
    settings.SMS_BACKEND = FAILING_BACKEND
    driver.identity_step()
    response = driver.account_step()
    codes = {e.code for e in response.context["wizard"]["form"].non_field_errors().as_data()}
    assert codes == {"sms_invalid_number"}
    assert not OtpChallenge.objects.exclude(code_hmac="").exists()
