"""The screenshot helper shows pages as a person would see them, not the tests' test data."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.screenshots import take_screenshots

FORM = """<!doctype html><html lang="zz"><body><form>
<input name="account-captcha_1" aria-label="Wizard answer">
<input name="captcha_1" aria-label="Sign-in answer">
<input name="account-username" aria-label="Username">
</form></body></html>"""
ANSWERS = {"account-captcha_1": "passed", "captcha_1": "passed", "account-username": "amal"}


class RecordingPage:
    """A page whose screenshots record the fields' values instead of writing a picture."""

    def __init__(self, page: Any) -> None:
        self._page = page
        self.seen: list[dict[str, str]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._page, name)

    def screenshot(self, **_: Any) -> None:
        self.seen.append({name: self._page.input_value(f'[name="{name}"]') for name in ANSWERS})


@pytest.fixture
def form_page(browser: Any) -> Any:
    context = browser.new_context()
    page = context.new_page()
    page.set_content(FORM)
    for name, value in ANSWERS.items():
        page.fill(f'[name="{name}"]', value)
    yield page
    context.close()


def test_the_captcha_answer_is_blank_on_screenshots_and_kept_for_the_submit(form_page):
    recording = RecordingPage(form_page)
    take_screenshots(recording, "screenshot-helper-check", again=True)

    blank = {"account-captcha_1": "", "captcha_1": "", "account-username": "amal"}
    assert recording.seen == [blank, blank]  # phone and desktop
    for name, value in ANSWERS.items():  # what the test goes on to submit is unchanged
        assert form_page.input_value(f'[name="{name}"]') == value


def test_committed_screenshots_are_drawn_at_device_scale_factor_2(new_page, monkeypatch, tmp_path):
    monkeypatch.setenv("E2E_SCREENSHOT_DIR", str(tmp_path))
    assert new_page().evaluate("window.devicePixelRatio") == 2
    monkeypatch.delenv("E2E_SCREENSHOT_DIR")
    assert new_page().evaluate("window.devicePixelRatio") == 1
