"""Mistakes in the wizard are listed in a summary, marked on their fields, and can be fixed."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.journeys import (
    button,
    expect_account_created,
    expect_step,
    field,
    fill_account,
    fill_identity,
    t,
)

BAD_CHECKSUM = "1234567890"  # ten digits, but the Luhn check digit is wrong
WEAK_PASSWORD = "weakpass"  # no uppercase letter, no digit


def error_summary(page, lang):
    summary = page.get_by_role("alert").filter(
        has=page.get_by_role("heading", name=t(lang, "There is a problem"))
    )
    expect(summary).to_be_visible()
    return page.locator(".error-summary").filter(has=summary)  # the box that takes the focus


def test_errors_are_summarised_marked_and_fixed(page, server, person, lang, shoot):
    page.goto("/register/")
    shoot(page, "register-identity-empty")
    fill_identity(page, person)
    field(page, "identity-national_id").fill(BAD_CHECKSUM)
    button(page, lang, "Next").click()

    expect_step(page, lang, "identity")
    summary = error_summary(page, lang)
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_count(1)
    expect(summary).to_contain_text(
        t(lang, "This ID number is not valid. Check the digits and try again.")
    )
    expect(field(page, "identity-national_id")).to_have_attribute("aria-invalid", "true")
    expect(field(page, "identity-mobile")).to_have_value(person.mobile)  # the rest is kept
    shoot(page, "register-identity-errors")

    summary.get_by_role("link").click()
    expect(field(page, "identity-national_id")).to_be_focused()
    field(page, "identity-national_id").fill(person.national_id)
    button(page, lang, "Next").click()

    expect_step(page, lang, "account")
    shoot(page, "register-account-empty")
    fill_account(page, person, lang)
    field(page, "account-password1").fill(WEAK_PASSWORD)
    field(page, "account-password2").fill(WEAK_PASSWORD + "x")
    shoot(page, "register-account-checklist")  # the live checklist, some rules not met
    button(page, lang, "Send the code").click()

    expect_step(page, lang, "account")
    summary = error_summary(page, lang)
    for message in (
        "Choose a password that meets every rule in the list.",
        "Enter the same password in both fields.",
    ):
        expect(summary).to_contain_text(t(lang, message))
    # The rules are not listed again: the checklist marks the ones the server found broken.
    expect(summary).not_to_contain_text(t(lang, "Your password must contain a digit."))
    expect(page.locator('li[data-check="contains"][data-state="unmet"]')).to_have_count(2)
    for name in ("account-password1", "account-password2"):
        expect(field(page, name)).to_have_attribute("aria-invalid", "true")
    expect(field(page, "account-username")).to_have_value(person.username)
    expect(field(page, "account-password1")).to_have_value("")  # passwords are never echoed
    shoot(page, "register-account-errors")

    fill_account(page, person, lang)
    button(page, lang, "Send the code").click()
    expect_step(page, lang, "verify")
    shoot(page, "register-verify")
    field(page, "verify-code").fill(server.latest_code(mobile=person.mobile))
    button(page, lang, "Verify and create my account").click()
    expect_account_created(page, lang, person)
    shoot(page, "registration-complete")
