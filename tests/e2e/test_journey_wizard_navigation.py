"""Going back, reloading and switching language in the middle of the wizard lose nothing."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.journeys import (
    button,
    expect_account_created,
    expect_language,
    expect_step,
    field,
    fill_account,
    fill_identity,
)

SWITCH = {"ar": "English", "en": "العربية"}  # the switch names the other language, in it


def expect_identity_kept(page, person):
    expect(field(page, "identity-national_id")).to_have_value(person.national_id)
    expect(field(page, "identity-mobile")).to_have_value(person.mobile)
    expect(field(page, "identity-email")).to_have_value(person.email)


def switch_language(page, lang):
    """Press the header's language switch; return the language the page is now in."""
    page.get_by_role("button", name=SWITCH[lang], exact=True).click()
    other = "en" if lang == "ar" else "ar"
    expect_language(page, other)
    return other


def test_back_refresh_and_language_switch_keep_what_was_typed(page, server, person, lang, shoot):
    page.goto("/register/")
    fill_identity(page, person)
    page.reload()  # typed, not sent yet
    expect_step(page, lang, "identity")
    expect_identity_kept(page, person)
    shoot(page, "register-identity")
    button(page, lang, "Next").click()
    expect_step(page, lang, "account")
    shoot(page, "register-account-empty")

    # Typed on the account step, not sent: a reload, then the language switch, keep it.
    field(page, "account-username").fill(person.username)
    page.reload()
    expect_step(page, lang, "account")
    expect(field(page, "account-username")).to_have_value(person.username)
    lang = switch_language(page, lang)
    expect_step(page, lang, "account")
    expect(field(page, "account-username")).to_have_value(person.username)
    shoot(page, "register-account-after-language-switch")

    # The wizard's "Back" keeps both steps.
    button(page, lang, "Back").click()
    expect_step(page, lang, "identity")
    expect_identity_kept(page, person)
    button(page, lang, "Next").click()
    expect_step(page, lang, "account")
    expect(field(page, "account-username")).to_have_value(person.username)

    # An edit made after coming back wins over what the server stored before, after a reload.
    edited = person.username + "x"
    field(page, "account-username").fill(edited)
    page.reload()
    expect(field(page, "account-username")).to_have_value(edited)
    field(page, "account-username").fill(person.username)

    # The browser's back and forward buttons.
    page.go_back()
    expect_step(page, lang, "identity")
    expect_identity_kept(page, person)
    page.go_forward()
    expect_step(page, lang, "account")
    expect(field(page, "account-username")).to_have_value(person.username)

    fill_account(page, person, lang)
    button(page, lang, "Send the code").click()
    expect_step(page, lang, "verify")
    page.reload()
    expect_step(page, lang, "verify")
    shoot(page, "register-verify")
    field(page, "verify-code").fill(server.latest_code(mobile=person.mobile))
    button(page, lang, "Verify and create my account").click()
    expect_account_created(page, lang, person)
    shoot(page, "registration-complete")
