"""Browser tests: one production-like server for the session, Chromium driven by Playwright.

Run with `make e2e` (``pytest tests/e2e -m e2e``); `make test` leaves them out. Needs Debian's
Chromium at /usr/bin/chromium (``apt-get install chromium``; never ``playwright install``).
The server is described in tests/e2e/live_server.py, screenshots in tests/e2e/screenshots.py,
shared journey steps in tests/e2e/journeys.py.

Fixtures (stable names; tests/e2e/test_accessibility.py uses them too):

``server`` (session)
    A :class:`Server`: ``url``, ``url_for(path)``, ``env`` (the server's environment),
    ``sms()`` (every message sent so far), ``sms_count()``,
    ``latest_code(mobile=..., purpose=..., after=...)`` (the one-time code of the newest matching
    SMS, waiting for it), ``manage(*args)`` (``manage.py`` on the server's database and
    settings) and ``log()``.
``browser`` (session)
    Debian's Chromium launched by Playwright's sync API with the flags of ``CHROMIUM_ARGS``.
``lang``
    "en" or "ar": any test that asks for it (or for ``page``/``new_page``) runs once per language.
``new_page(language=None, *, javascript=True, viewport=DESKTOP)``
    A page in a fresh browser context (own cookies) whose ``django_language`` cookie is
    ``language`` (default: the test's); relative URLs go to the server. Closed after the test.
``page``
    ``new_page()``: desktop width, JavaScript on, the test's language.
``shoot(page, name, *, widths=("phone", "desktop"), again=False)``
    Full-page screenshots ``<name>-<lang>-<375|1280>.png`` (lang read from ``<html lang>``)
    into ``$E2E_SCREENSHOT_DIR`` (pages then at device scale factor 2) or
    ``<tmp>/absher-e2e-screenshots`` (factor 1); the viewport is restored and the captcha's
    answer box is blank on the pictures.
    A name already shot in that language this session is skipped unless ``again``.
``person``
    A fresh :class:`Person`: valid unique ID number and mobile, username, email, strong password.

Also importable from here: ``PHONE``/``DESKTOP``, ``set_viewport(page, "phone"|"desktop")``,
``new_person()``, ``Person``, ``Server``, ``RESEND_COOLDOWN_SECONDS``. When a test fails, its
page's screenshot is saved as ``FAILED-<test>.png`` and the server log's tail joins the report.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.live_server import (
    RESEND_COOLDOWN_SECONDS,
    Server,
    running_server,
)
from tests.e2e.people import Person, new_person
from tests.e2e.screenshots import (
    DESKTOP,
    PHONE,
    VIEWPORTS,
    device_scale_factor,
    screenshot_dir,
    screenshot_dir_if_used,
    set_viewport,
    take_screenshots,
)
from tests.production_env import ServerFailed

__all__ = [
    "DESKTOP",
    "PHONE",
    "RESEND_COOLDOWN_SECONDS",
    "VIEWPORTS",
    "Person",
    "Server",
    "new_person",
    "set_viewport",
    "take_screenshots",
]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
LANGUAGES = ("en", "ar")
TIMEOUT_MS = 15_000  # a loaded 2-core machine: Playwright's 5 s default is too tight


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """gunicorn as in production (DEBUG off, WhiteNoise, CSP) with browser-test switches."""
    try:
        with running_server(tmp_path_factory.mktemp("e2e-server")) as running:
            yield running
    except ServerFailed as failed:
        pytest.fail(str(failed))


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import expect, sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (never `playwright install`)")
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(params=LANGUAGES)
def lang(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def new_page(browser: Any, server: Server, lang: str) -> Iterator[Callable[..., Any]]:
    """Open pages in fresh contexts (own cookies) for the test's language or another one."""
    contexts: list[Any] = []

    def open_page(
        language: str | None = None, *, javascript: bool = True, viewport: dict | None = None
    ) -> Any:
        context = browser.new_context(
            viewport=viewport or DESKTOP,
            java_script_enabled=javascript,
            base_url=server.url,
            device_scale_factor=device_scale_factor(),
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.add_cookies(
            [{"name": "django_language", "value": language or lang, "url": server.url}]
        )
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Any], request: pytest.FixtureRequest) -> Iterator[Any]:
    opened = new_page()
    yield opened
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed and not opened.is_closed():
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
        with contextlib.suppress(Exception):  # a best-effort aid, never the failure itself
            opened.screenshot(path=str(screenshot_dir() / f"FAILED-{name}.png"), full_page=True)


@pytest.fixture
def shoot() -> Callable[..., list[Path]]:
    return take_screenshots


@pytest.fixture
def person() -> Person:
    return new_person()


@pytest.fixture(autouse=True)
def _isolated_cache_and_sms() -> None:
    """Overrides tests/conftest.py's per-test cache flush and locmem SMS: those are for tests
    in this process; the server owns its cache (prefixed keys) and its SMS file."""


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test of this directory ``e2e``: `make test` leaves them out (``-m 'not e2e'``
    in pyproject's addopts), `make e2e` selects them (``-m e2e``)."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    running = getattr(item, "funcargs", {}).get("server")
    if report.failed and isinstance(running, Server):
        report.sections.append(("e2e server log (tail)", running.log()[-6000:]))
    return report


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say where the screenshots went, if any test took one."""
    if (used := screenshot_dir_if_used()) is not None:
        terminalreporter.write_line(f"e2e screenshots: {used}")
