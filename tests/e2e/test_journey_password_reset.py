"""Forgotten password: ID and mobile, the SMS code, a new password, then sign in with it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.journeys import button, expect_language, field, register, sign_in, t

NEW_PASSWORD = "Nw5pAsswdKq"


def test_a_person_resets_the_password_and_signs_in_with_the_new_one(
    page, server, person, lang, shoot
):
    register(page, server, person, lang, shoot)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": lang, "url": server.url}])

    page.goto("/login/")
    shoot(page, "sign-in")
    page.get_by_role("link", name=t(lang, "Forgot your password?"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/password-reset/$"))
    expect_language(page, lang)
    expect(page.get_by_role("heading", level=1)).to_have_text(t(lang, "Reset your password"))
    sent = server.sms_count()
    field(page, "national_id").fill(person.national_id)
    field(page, "mobile").fill(person.mobile)
    shoot(page, "password-reset")
    button(page, lang, "Send the code").click()

    expect(page).to_have_url(re.compile(r"/password-reset/verify/$"))
    expect(page.get_by_role("heading", name=t(lang, "Enter the code"))).to_be_visible()
    field(page, "code").fill(server.latest_code(mobile=person.mobile, purpose="reset", after=sent))
    shoot(page, "password-reset-code")
    button(page, lang, "Continue").click()

    expect(page).to_have_url(re.compile(r"/password-reset/new/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(t(lang, "Choose a new password"))
    field(page, "new_password1").fill(NEW_PASSWORD)
    field(page, "new_password2").fill(NEW_PASSWORD)
    shoot(page, "password-reset-new")
    button(page, lang, "Save the new password").click()

    expect(page).to_have_url(re.compile(r"/password-reset/done/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        t(lang, "Your password has been changed")
    )
    shoot(page, "password-reset-done")

    sign_in(page, server, person.username, NEW_PASSWORD, lang, shoot)
    expect(page).to_have_url(re.compile(r"/status/$"))
    shoot(page, "status")
