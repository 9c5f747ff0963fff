"""Where you are signed in, in Chromium: signed in on a laptop and a phone, the person signs the
phone out from the laptop's security page, and the phone is signed out for real."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.e2e.journeys import expect_language, sign_in, t
from tests.e2e.sessions import make_active_account, phone_context
from tests.people import PASSWORD


def test_signing_out_the_other_browser_from_the_security_page(
    browser: Any, new_page: Any, server: Any, lang: str, shoot: Any
) -> None:
    person = make_active_account(server)
    laptop = new_page()
    phone_browser = phone_context(browser, server, lang)
    try:
        phone = phone_browser.new_page()
        sign_in(laptop, server, person.username, PASSWORD, lang)
        expect(laptop).to_have_url(re.compile(r"/account/$"))
        sign_in(phone, server, person.username, PASSWORD, lang)
        expect(phone).to_have_url(re.compile(r"/account/$"))

        account_nav = laptop.get_by_role("navigation", name=t(lang, "Your account"))
        account_nav.get_by_role("link", name=t(lang, "Security"), exact=True).click()
        expect(laptop).to_have_url(re.compile(r"/account/security/$"))
        expect_language(laptop, lang)
        sessions = laptop.locator(".session")
        expect(sessions).to_have_count(2)
        here = sessions.filter(has=laptop.locator(".tag"))
        expect(here.get_by_role("heading", level=3)).to_contain_text(t(lang, "This browser"))
        shoot(laptop, "security-sessions")

        other = sessions.filter(has_text="Android")
        expect(other.get_by_role("heading", level=3)).to_contain_text("Chrome")
        with laptop.expect_navigation():
            other.get_by_role("button").click()
        expect(laptop.get_by_role("status")).to_contain_text("Android")
        expect(laptop.locator(".session")).to_have_count(1)

        phone.goto("/account/")
        expect(phone).to_have_url(re.compile(r"/login/\?next=/account/$"))
        laptop.goto("/account/")
        expect(laptop).to_have_url(re.compile(r"/account/$"))
    finally:
        phone_browser.close()


def test_signing_out_of_every_other_browser_without_javascript(
    browser: Any, new_page: Any, server: Any, lang: str
) -> None:
    person = make_active_account(server)
    laptop = new_page(javascript=False)  # plain forms: nothing here needs a script
    phone_browser = phone_context(browser, server, lang)
    try:
        phone = phone_browser.new_page()
        sign_in(phone, server, person.username, PASSWORD, lang)
        sign_in(laptop, server, person.username, PASSWORD, lang)
        laptop.goto("/account/security/")
        button = laptop.get_by_role(
            "button", name=t(lang, "Sign out of all other browsers"), exact=True
        )
        with laptop.expect_navigation():
            button.click()
        expect(laptop.get_by_role("status")).to_have_text(
            t(lang, "You signed out of every other browser.")
        )
        expect(button).to_have_count(0)
        phone.goto("/account/")
        expect(phone).to_have_url(re.compile(r"/login/"))
    finally:
        phone_browser.close()
