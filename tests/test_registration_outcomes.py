"""How a registration ends: "you already have an account", or "account created" (issue 14).

Issue 14 item 6: an ID number held by an activated account was answered with a green box
("You already have an account."), a red error summary and the same error at the field: three
messages, one of them green, for one fact. GOV.UK's "you cannot continue" pattern says it once,
as a heading and a sentence, with what the person can do: sign in, or reset the password.
The portal already says at this step that an ID is registered (design.md §6: same message for
an active and a suspended account, checks per address limited), so nothing new is revealed.

Issue 14 item 7: the "account created" page gave no date and no next action. It now says by
when to activate (the same date as the status page), where (the banks' channels) and offers
"Sign in to see your status".
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.error_messages import REGISTRATION_CONFLICTS
from accounts.models import AccountStatus, User
from accounts.templatetags.portal_dates import time_element
from tests.factories import make_user
from tests.people import CITIZEN_ID, OTHER_MOBILE
from tests.registration_driver import RegistrationDriver, step_url

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "ar"]


@pytest.fixture(params=LANGUAGES)
def language(request) -> str:
    return request.param


@pytest.fixture
def driver(client, sms_outbox, language):
    client.cookies["django_language"] = language
    return RegistrationDriver(client, sms_outbox)


def main_of(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def translated(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


def link(html: str, href: str) -> str:
    """The text of the link to ``href`` in ``html`` (tags stripped), or fail."""
    match = re.search(rf'<a [^>]*href="{re.escape(href)}"[^>]*>(.*?)</a>', html, re.S)
    assert match, f"no link to {href}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def assert_one_already_registered_message(html: str, language: str) -> None:
    main = main_of(html)
    with translation.override(language):
        message = str(REGISTRATION_CONFLICTS["id_registered"])
    heading = translated(language, "You already have an account")
    assert main.count(message) == 1, "the message must appear exactly once"
    assert re.search(rf"<h2[^>]*>{re.escape(heading)}</h2>", main)
    assert 'class="notice' not in main, "no green (success) box for a refusal"
    assert "message-success" not in main and "message-error" not in main
    assert "error-summary" not in main, "no error summary repeating it"
    assert "field-errors" not in main, "no inline error repeating it"
    assert link(main, reverse("accounts:login")) == translated(language, "Sign in")
    assert link(main, reverse("accounts:password_reset")) == translated(
        language, "Reset your password"
    )


def test_an_id_held_by_an_activated_account_gets_one_message_with_two_actions(driver, language):
    make_user("owner2024", CITIZEN_ID, OTHER_MOBILE, status=AccountStatus.ACTIVE)
    response = driver.identity_step()
    assert response.status_code == 200
    assert_one_already_registered_message(response.content.decode(), language)


def test_the_form_stays_below_filled_in_to_correct_a_mistyped_id(driver):
    make_user("owner2024", CITIZEN_ID, OTHER_MOBILE, status=AccountStatus.ACTIVE)
    html = driver.identity_step().content.decode()
    assert f'value="{CITIZEN_ID}"' in html
    assert 'value="0551234567"' in html
    assert f'action="{step_url("identity")}"' in html


def test_a_suspended_account_gets_the_same_message(driver, language):
    make_user("owner2024", CITIZEN_ID, OTHER_MOBILE, status=AccountStatus.SUSPENDED)
    assert_one_already_registered_message(driver.identity_step().content.decode(), language)


def test_a_pending_account_does_not_stop_the_registration(driver, pending_account):
    assert driver.identity_step()["Location"] == step_url("account")


def test_the_id_activated_during_the_registration_gets_the_same_message(driver, client, language):
    driver.identity_step()
    make_user("owner2024", CITIZEN_ID, OTHER_MOBILE)  # activated elsewhere meanwhile
    response = driver.account_step()
    assert response["Location"] == step_url("identity")
    page = client.get(step_url("identity"))
    assert [str(m) for m in page.context["messages"]] == []
    assert_one_already_registered_message(page.content.decode(), language)


# --- "Account created" ---------------------------------------------------------------------


def test_account_created_shows_the_expiry_date_the_next_action_and_the_channels(
    driver, client, language, settings
):
    settings.PENDING_TTL_DAYS = 30
    driver.register()
    html = client.get(reverse("accounts:registration_complete")).content.decode()
    account = User.objects.get(status=AccountStatus.PENDING)
    with translation.override(language):
        expiry = time_element(account.created_at + timedelta(days=30), "date")
    main = main_of(html)
    assert expiry in main
    assert link(main, reverse("accounts:login")) == translated(
        language, "Sign in to see your status"
    )
    assert 'id="channels-title"' in main
    assert 'href="tel:920003344"' in main


def test_the_id_activated_before_the_code_was_entered_gets_the_same_message(
    driver, client, language
):
    driver.identity_step()
    driver.account_step()
    make_user("owner2024", CITIZEN_ID, OTHER_MOBILE)  # activated elsewhere meanwhile
    response = driver.verify_step()
    assert response["Location"] == step_url("identity")
    page = client.get(step_url("identity"))
    assert [str(m) for m in page.context["messages"]] == []
    assert_one_already_registered_message(page.content.decode(), language)
    assert not User.objects.filter(status=AccountStatus.PENDING).exists()
