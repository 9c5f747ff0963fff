"""The captcha as sound in the browser (issue 14 item 7), both languages, under the strict CSP.

With JavaScript the recording is a "Listen to the calculation" button next to the picture,
reached with Tab, played with Enter, and the answer takes focus when it ends; without
JavaScript it is a link that opens the recording in a new tab. Either way the URL answers
``audio/wav`` of a real length.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import Person
from tests.e2e.journeys import field, fill_identity, t
from tests.e2e.test_journey_keyboard import focused

MAX_TABS = 30


def to_account_step(page: Page, person: Person) -> None:
    page.goto("/register/")
    fill_identity(page, person)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/register/account/$"))


def expect_recording(page: Page, url: str) -> None:
    response = page.request.get(url)
    assert response.status == 200, response.status
    assert response.headers["content-type"] == "audio/wav"
    audio = response.body()
    assert audio[:4] == b"RIFF" and len(audio) > 20_000


def test_the_recording_is_reached_by_keyboard_and_played(
    page: Page, person: Person, lang: str, shoot
) -> None:
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Security Policy" in m.text else None)
    to_account_step(page, person)
    listen = t(lang, "Listen to the calculation")
    play = page.get_by_role("button", name=listen, exact=True)
    expect(play).to_be_visible()
    expect(page.locator("a.captcha-audio")).to_be_hidden()

    field(page, "account-password2").focus()  # the field before the captcha
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if focused(page)["text"] == listen:
            break
    else:
        raise AssertionError("Tab never reached the recording's button")
    expect(play).to_be_focused()
    shoot(page, "register-account-audio-focus")

    with page.expect_response(re.compile(r"/captcha/audio/[0-9a-f]{40}\.wav$")) as played:
        page.keyboard.press("Enter")
    assert played.value.status in {200, 206}
    assert played.value.headers["content-type"] == "audio/wav"
    # Heard to the end, the answer takes focus (its label is read next).
    expect(field(page, "account-captcha_1")).to_be_focused(timeout=20_000)
    key = field(page, "account-captcha_0").input_value()
    expect_recording(page, f"/captcha/audio/{key}.wav")
    assert not blocked


def test_a_new_calculation_brings_its_own_recording(page: Page, person: Person) -> None:
    to_account_step(page, person)
    link = page.locator("a.captcha-audio")
    before = link.get_attribute("href")
    page.locator(".captcha-refresh").click()
    key = field(page, "account-captcha_0")
    expect(link).not_to_have_attribute("href", before)
    assert link.get_attribute("href") == f"/captcha/audio/{key.input_value()}.wav"
    expect_recording(page, link.get_attribute("href"))


def test_without_javascript_a_link_opens_the_recording_in_a_new_tab(
    new_page, person: Person, lang: str
) -> None:
    page = new_page(javascript=False)
    to_account_step(page, person)
    name = f"{t(lang, 'Listen to the calculation')} {t(lang, '(opens in new tab)')}"
    link = page.get_by_role("link", name=name, exact=True)
    expect(link).to_be_visible()
    expect(link).to_have_attribute("target", "_blank")
    key = field(page, "account-captcha_0").input_value()
    assert link.get_attribute("href") == f"/captcha/audio/{key}.wav"
    expect_recording(page, link.get_attribute("href"))
