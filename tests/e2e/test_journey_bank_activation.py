"""A bank confirms the person through the reference client; then sign-in opens the account."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.journeys import (
    activate_through_bank,
    expect_language,
    fill_identity,
    register,
    sign_in,
    t,
)


@pytest.fixture(scope="module")
def bank_keys(tmp_path_factory):
    return tmp_path_factory.mktemp("bank-keys")


def test_after_the_bank_confirms_sign_in_shows_the_active_account(
    page, server, person, lang, shoot, bank_keys
):
    register(page, server, person, lang, shoot)
    expect(page.get_by_text(t(lang, "Pending bank activation"), exact=True)).to_be_visible()
    sent = server.sms_count()

    answer = activate_through_bank(server, person, bank_keys)

    assert "HTTP 200" in answer and '"activated"' in answer, answer
    activation_sms = [m for m in server.sms()[sent:] if m["to"] == person.e164]
    assert activation_sms, "the person is told by SMS that the account is active"

    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": lang, "url": server.url}])
    sign_in(page, server, person.national_id, person.password, lang, shoot)
    expect(page).to_have_url(re.compile(r"/account/$"))
    expect_language(page, lang)
    expect(page.get_by_role("heading", level=1)).to_have_text(t(lang, "Your account"))
    expect(page.get_by_text(person.email, exact=True)).to_be_visible()
    shoot(page, "account")

    # Registering again with the activated ID: one message, the two ways on (issue 14 item 6).
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": lang, "url": server.url}])
    page.goto("/register/")
    fill_identity(page, person)
    page.get_by_role("button", name=t(lang, "Next"), exact=True).click()
    panel = page.locator("#already-registered")
    expect(panel.get_by_role("heading", level=2)).to_have_text(
        t(lang, "You already have an account")
    )
    expect(panel).to_be_focused()
    expect(panel.get_by_role("link", name=t(lang, "Sign in"), exact=True)).to_be_visible()
    expect(
        panel.get_by_role("link", name=t(lang, "Reset your password"), exact=True)
    ).to_be_visible()
    expect(page.locator("#error-summary, .field-errors, .notice")).to_have_count(0)
    shoot(page, "register-already-registered")
