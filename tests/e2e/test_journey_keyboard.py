"""Registration with the keyboard alone: Tab, Shift+Tab, Enter and Space, and typing.

No click and no ``fill``: focus moves only by Tab/Shift+Tab, so the journey fails if a control
cannot be reached, is reached out of order, or cannot be used without a pointer.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.journeys import expect_account_created, expect_step, t

MAX_TABS = 60


def focused(page: Page) -> dict:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            return {name: el.getAttribute("name") || "", text: (el.innerText || el.value || "")
                .trim(), tag: el.tagName.toLowerCase(), type: el.getAttribute("type") || ""};
        }"""
    )


def tab_to(page: Page, *, name: str | None = None, text: str | None = None) -> None:
    """Press Tab until the focused control has ``name`` (or shows ``text``)."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        now = focused(page)
        if (name and now["name"] == name) or (text and now["text"] == text):
            return
    raise AssertionError(f"Tab never reached {name or text!r}")


def type_into(page: Page, name: str, value: str) -> None:
    tab_to(page, name=name)
    page.keyboard.type(value)


def test_registration_with_the_keyboard_alone(page, server, person, lang, shoot):
    page.goto("/")
    shoot(page, "home")
    tab_to(page, text=t(lang, "Start now"))
    page.keyboard.press("Enter")

    expect_step(page, lang, "identity")
    type_into(page, "identity-national_id", person.national_id)
    type_into(page, "identity-mobile", person.mobile)
    type_into(page, "identity-email", person.email)
    page.keyboard.press("Shift+Tab")  # back to the mobile number: focus order is reading order
    assert focused(page)["name"] == "identity-mobile"
    tab_to(page, text=t(lang, "Next"))
    shoot(page, "register-identity-keyboard-focus")  # the focus ring on "Next"
    page.keyboard.press("Enter")

    expect_step(page, lang, "account")
    type_into(page, "account-username", person.username)
    type_into(page, "account-password1", person.password)
    type_into(page, "account-password2", person.password)
    tab_to(page, name="account-preferred_language")
    page.keyboard.press("Space")
    type_into(page, "account-captcha_1", "passed")
    tab_to(page, name="account-accept_terms")
    page.keyboard.press("Space")
    expect(page.locator('[name="account-accept_terms"]')).to_be_checked()
    shoot(page, "register-account")
    tab_to(page, text=t(lang, "Send the code"))
    page.keyboard.press("Enter")

    expect_step(page, lang, "verify")
    shoot(page, "register-verify")
    type_into(page, "verify-code", server.latest_code(mobile=person.mobile))
    page.keyboard.press("Enter")  # submits the form from its only text field
    expect(page).to_have_url(re.compile(r"/register/complete/$"))
    expect_account_created(page, lang, person)
    shoot(page, "registration-complete")
