"""Viewports and full-page screenshots of the browser journeys.

Screenshots go to ``$E2E_SCREENSHOT_DIR`` (relative to the repository, e.g. docs/screenshots)
or, by default, ``<tmp>/absher-e2e-screenshots``; each is ``<page>-<lang>-<width>.png``.

With ``$E2E_SCREENSHOT_DIR`` set, pages are drawn at device scale factor 2 (sharp text on the
README's screenshots, as on a phone); the throw-away default stays at 1, four times smaller and
faster. The captcha's answer box is blanked while shooting: the tests type the test-mode answer
("passed"), which no real page shows.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.production_env import ROOT

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}


# The captcha's answer box: "account-captcha_1" on the wizard, "captcha_1" on sign-in.
CAPTCHA_ANSWER = 'input[name$="captcha_1"]'


def device_scale_factor() -> int:
    """2 for screenshots kept in a chosen directory (docs/screenshots), else 1.

    A browser context's scale factor is fixed when it is created, so the pages' contexts ask
    here (tests/e2e/conftest.py). CSS pixels, and so every layout measurement, are unchanged.
    """
    return 2 if os.environ.get("E2E_SCREENSHOT_DIR") else 1


@contextlib.contextmanager
def answers_hidden(page: Any) -> Iterator[None]:
    """Blank the captcha answer boxes of ``page`` for a screenshot, then put the values back.

    The values are set directly (no input events), so nothing on the page reacts, and the
    restored values are what the test then submits.
    """
    saved = page.evaluate(
        """selector => Array.from(document.querySelectorAll(selector), input => {
            const value = input.value;
            input.value = "";
            return value;
        })""",
        CAPTCHA_ANSWER,
    )
    try:
        yield
    finally:
        page.evaluate(
            """([selector, values]) => document.querySelectorAll(selector).forEach(
                (input, index) => { input.value = values[index] ?? input.value; })""",
            [CAPTCHA_ANSWER, saved],
        )


def set_viewport(page: Any, width: str) -> None:
    """Resize ``page`` to the "phone" (375x812) or "desktop" (1280x800) viewport."""
    page.set_viewport_size(VIEWPORTS[width])


_output: list[Path] = []


def screenshot_dir() -> Path:
    """Where screenshots go, created on first use and fixed for the session."""
    if not _output:
        chosen = os.environ.get("E2E_SCREENSHOT_DIR")
        path = Path(chosen) if chosen else Path(tempfile.gettempdir()) / "absher-e2e-screenshots"
        if not path.is_absolute():
            path = ROOT / path
        path.mkdir(parents=True, exist_ok=True)
        _output.append(path)
    return _output[0]


def screenshot_dir_if_used() -> Path | None:
    return _output[0] if _output else None


_taken: set[tuple[str, str]] = set()


def take_screenshots(
    page: Any, name: str, *, widths: tuple[str, ...] = ("phone", "desktop"), again: bool = False
) -> list[Path]:
    """Full-page screenshots of ``page`` at each width, then its viewport as it was.

    The captcha's answer box is blank on the screenshots (:func:`answers_hidden`). Journeys
    shoot every page they visit; a page already shot in this language during the session is
    skipped (unless ``again``), so shared steps cost one screenshot, not one per test.
    """
    language = page.evaluate("document.documentElement.lang") or "xx"
    if (name, language) in _taken and not again:
        return []
    _taken.add((name, language))
    before = page.viewport_size
    paths = []
    with answers_hidden(page):
        for width in widths:
            set_viewport(page, width)
            path = screenshot_dir() / f"{name}-{language}-{VIEWPORTS[width]['width']}.png"
            page.screenshot(path=str(path), full_page=True, animations="disabled")
            paths.append(path)
    if before:
        page.set_viewport_size(before)
    return paths
