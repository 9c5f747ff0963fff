"""Signing in with a password and the SMS code: a pending person sees the status page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.journeys import expect_language, register, sign_in, t


def test_a_pending_person_signs_in_with_the_sms_code_and_sees_the_status_page(
    page, server, person, lang, shoot
):
    register(page, server, person, lang, shoot)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": lang, "url": server.url}])

    sign_in(page, server, person.username.upper(), person.password, lang, shoot)

    expect(page).to_have_url(re.compile(r"/status/$"))
    expect_language(page, lang)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        t(lang, "Your account is waiting for activation at your bank")
    )
    expect(page.get_by_text(person.username, exact=True).first).to_be_visible()
    shoot(page, "status")

    page.get_by_role("button", name=t(lang, "Sign out"), exact=True).click()
    expect(page).to_have_url(server.url_for("/"))
    shoot(page, "home")
    page.goto("/status/")
    expect(page).to_have_url(re.compile(r"/login/"))  # signed out for real
