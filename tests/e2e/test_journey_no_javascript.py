"""With JavaScript off, registration still works from start to end (progressive enhancement)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.journeys import (
    button,
    expect_account_created,
    expect_step,
    field,
    fill_account,
    fill_identity,
)


def test_registration_completes_with_javascript_disabled(new_page, server, person, lang, shoot):
    page = new_page(javascript=False)
    page.goto("/register/")
    expect_step(page, lang, "identity")
    shoot(page, "register-identity-no-javascript")
    fill_identity(page, person)
    field(page, "identity-email").fill("not-an-email")
    button(page, lang, "Next").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_role("alert")).not_to_be_focused()  # no script moved the focus
    shoot(page, "register-identity-errors-no-javascript")
    field(page, "identity-email").fill(person.email)
    button(page, lang, "Next").click()

    expect_step(page, lang, "account")
    fill_account(page, person, lang)
    shoot(page, "register-account-no-javascript")
    button(page, lang, "Send the code").click()

    expect_step(page, lang, "verify")
    # No script ticks the countdown: the server's text says how long to wait, the button
    # stays usable and the server enforces the wait.
    expect(page.locator("#resend-status")).to_contain_text("0:0")
    expect(button(page, lang, "Resend code")).to_be_enabled()
    shoot(page, "register-verify-no-javascript")
    field(page, "verify-code").fill(server.latest_code(mobile=person.mobile))
    button(page, lang, "Verify and create my account").click()
    expect_account_created(page, lang, person)
    shoot(page, "registration-complete-no-javascript")
