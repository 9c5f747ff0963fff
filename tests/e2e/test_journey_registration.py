"""Registering in a real browser, in English and Arabic: identity, account, SMS code, done."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.journeys import expect_language, register, t


def test_a_person_registers_and_sees_the_account_created_page(page, server, person, lang, shoot):
    page.goto("/")
    expect_language(page, lang)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        t(lang, "Open your Absher account online")
    )
    shoot(page, "home")
    page.get_by_role("link", name=t(lang, "Start now"), exact=True).click()

    register(page, server, person, lang, shoot)

    expect(page.get_by_text(t(lang, "Pending bank activation"), exact=True)).to_be_visible()
