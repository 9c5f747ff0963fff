"""The "Resend code" button waits out the cooldown with a visible countdown, then works.

The server runs with ``OTP_RESEND_COOLDOWN_SECONDS`` = ``RESEND_COOLDOWN_SECONDS`` (a few
seconds), so the countdown can be watched to zero.
"""

from __future__ import annotations

import re

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
from tests.e2e.live_server import RESEND_COOLDOWN_SECONDS

COUNTDOWN = re.compile(r"0:0[0-9]")
READY = "Did not receive the code? You can request a new one now."


def test_resend_is_disabled_during_the_countdown_then_sends_a_new_code(
    page, server, person, lang, shoot
):
    page.goto("/register/")
    fill_identity(page, person)
    shoot(page, "register-identity")
    button(page, lang, "Next").click()
    fill_account(page, person, lang)
    shoot(page, "register-account")
    button(page, lang, "Send the code").click()
    expect_step(page, lang, "verify")

    resend = button(page, lang, "Resend code")
    status = page.locator("#resend-status")  # the button's aria-describedby
    expect(resend).to_be_disabled()
    expect(status).to_contain_text(COUNTDOWN)
    shoot(page, "register-verify-countdown")

    expect(resend).to_be_enabled(timeout=(RESEND_COOLDOWN_SECONDS + 5) * 1000)
    expect(status).to_have_text(t(lang, READY))
    first_code = server.latest_code(mobile=person.mobile)
    sent = server.sms_count()

    resend.click()
    expect_step(page, lang, "verify")
    new_code = server.latest_code(mobile=person.mobile, after=sent)
    expect(button(page, lang, "Resend code")).to_be_disabled()  # a new countdown
    shoot(page, "register-verify-code-resent")

    if new_code != first_code:
        field(page, "verify-code").fill(first_code)
        button(page, lang, "Verify and create my account").click()
        expect(page.get_by_role("alert")).to_contain_text(t(lang, "The code is not correct."))
        shoot(page, "register-verify-wrong-code")
    field(page, "verify-code").fill(new_code)
    button(page, lang, "Verify and create my account").click()
    expect_account_created(page, lang, person)
    shoot(page, "registration-complete")
