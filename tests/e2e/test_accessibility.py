"""Every page, in Arabic and English, at phone width (375 px), against the live server:

- axe (the axe-core bundled with axe-playwright-python): no serious or critical violation;
- every button, link and input of the main content is a touch target of at least 44 by 44 px;
- ``<html lang dir>`` matches the language, and the strict CSP blocked nothing;
- on a page with errors, the error summary has the focus.

Pages that only a failure produces (400, 403, 500, 503) are rendered by the portal's own error
views in this process and served at the live origin under the live CSP header, so their markup,
styles and script are the real ones. A table of axe results per page and language is printed at
the end (and written to ``$E2E_AXE_REPORT`` when set) for the closing note.
"""

from __future__ import annotations

import os
import re
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.utils import translation
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DESKTOP, PHONE, Person, Server, new_person
from tests.e2e.journeys import button, field, sign_in
from tests.e2e.sessions import make_active_account, use_stale_session
from tests.e2e.test_passkeys import leave_the_first_recovery_codes, virtual_authenticator
from tests.people import PASSWORD

IMPACTS = ("critical", "serious", "moderate", "minor")
BLOCKING = {"critical", "serious"}
MIN_TARGET = 44
WRONG_PASSWORD = "Wrong7Password"
AXE = Axe()
#: page name -> language -> violations (nodes) by impact; filled as the tests run.
RESULTS: dict[str, dict[str, Counter]] = {}

# Buttons, links and inputs in the main content narrower or lower than 44 px (a radio button
# or checkbox counts as its label, which is what a finger presses).
SMALL_TARGETS_JS = """(minimum) => {
  const targets = document.querySelectorAll(["a[href]", "button", "input:not([type=hidden])",
    "select", "textarea", "summary"].map(tag => "main " + tag).join(", "));
  const small = [];
  for (const element of targets) {
    const box = element.matches("input[type=radio], input[type=checkbox]")
      ? (element.closest("label") || element) : element;
    const rect = box.getBoundingClientRect();
    if (rect.width === 0 && rect.height === 0) continue;  // not rendered (hidden)
    if (rect.width < minimum - 0.5 || rect.height < minimum - 0.5) {
      const size = `${Math.round(rect.width)}x${Math.round(rect.height)}`;
      small.push(`${element.outerHTML.slice(0, 90)} ${size}`);
    }
  }
  return small;
}"""


class Audit:
    """Checks pages as a test walks through them and lists every problem found."""

    def __init__(self, page: Page, lang: str) -> None:
        self.page = page
        self.lang = lang
        self.problems: list[str] = []
        self.blocked: list[str] = []
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        # Only the page's own content counts: axe, injected by the test, trips the policy too
        # (its messages carry no source URL).
        if "Content Security Policy" in message.text and message.location.get("url"):
            self.blocked.append(f"{message.text} ({message.location['url']})")

    def check(self, name: str, *, errors: bool = False, targets: bool = True) -> None:
        """Run every check on the page as it is now, recording results under ``name``."""
        page = self.page
        page.wait_for_load_state("load")
        html = page.locator("html")
        expect(html).to_have_attribute("lang", self.lang)
        expect(html).to_have_attribute("dir", "rtl" if self.lang == "ar" else "ltr")

        violations = AXE.run(page).response["violations"]
        counts = Counter({impact: 0 for impact in IMPACTS})
        for violation in violations:
            counts[violation["impact"]] += len(violation["nodes"])
            if violation["impact"] in BLOCKING:
                targets_hit = [node["target"] for node in violation["nodes"]][:5]
                self.problems.append(
                    f"{name}: axe {violation['impact']} {violation['id']} on {targets_hit}"
                )
        RESULTS.setdefault(name, {})[self.lang] = counts

        if targets:
            small = page.evaluate(SMALL_TARGETS_JS, MIN_TARGET)
            self.problems.extend(f"{name}: touch target under 44px: {s}" for s in small)
        if errors:
            focused = page.evaluate("document.activeElement && document.activeElement.id")
            if focused != "error-summary":
                self.problems.append(f"{name}: the error summary is not focused ({focused!r})")
        if self.blocked:
            self.problems.extend(f"{name}: blocked by the CSP: {text}" for text in self.blocked)
            self.blocked.clear()

    def assert_clean(self) -> None:
        assert not self.problems, "\n".join(self.problems)


@pytest.fixture
def audit(new_page: Any, lang: str) -> Audit:
    """A phone-width page in the test's language, with its audit."""
    return Audit(new_page(viewport=PHONE), lang)


def submit(page: Page) -> None:
    """Press the form's main button (the first submit button in ``main``)."""
    page.locator("main form:not(.language-switch) button[type=submit]").first.click()
    page.wait_for_load_state("load")


def check_code_page(
    audit: Audit,
    server: Server,
    person: Person,
    *,
    name: str,
    field_name: str,
    purpose: str | None = None,
) -> None:
    """Audit a code page blank and after a wrong code, then send the right code from the SMS."""
    page = audit.page
    audit.check(name)
    field(page, field_name).fill("000000")
    submit(page)
    audit.check(f"{name}, errors", errors=True)
    field(page, field_name).fill(server.latest_code(mobile=person.mobile, purpose=purpose))
    submit(page)


# --- Pages anyone can open -------------------------------------------------------------------
def test_public_pages(audit: Audit, server: Server) -> None:
    page = audit.page
    page.goto("/")
    audit.check("home")
    page.goto("/login/")
    audit.check("sign-in")
    submit(page)
    audit.check("sign-in, errors", errors=True)
    page.goto("/password-reset/")
    audit.check("reset: start")
    submit(page)
    audit.check("reset: start, errors", errors=True)
    page.goto("/no-such-page/")
    audit.check("404")
    for name in ("help", "contact", "accessibility", "privacy", "terms"):
        page.goto(f"/{name}/")
        audit.check(name)
    page.goto("/login/")
    page.context.clear_cookies(name="csrftoken")
    field(page, "identifier").fill("someone2024")
    field(page, "password").fill(WRONG_PASSWORD)
    submit(page)
    assert "/login/" in page.url
    audit.check("403 CSRF failure")
    audit.assert_clean()


def test_registration_pages(audit: Audit, server: Server, lang: str) -> None:
    page, person = audit.page, new_person()
    page.goto("/register/")
    audit.check("register: identity")
    submit(page)
    audit.check("register: identity, errors", errors=True)
    field(page, "identity-national_id").fill(person.national_id)
    field(page, "identity-mobile").fill(person.mobile)
    field(page, "identity-email").fill(person.email)
    submit(page)
    expect(page).to_have_url(re.compile(r"/register/account/$"))
    audit.check("register: account")
    field(page, "account-username").fill(person.username)
    field(page, "account-password1").fill("weak")
    submit(page)
    audit.check("register: account, errors", errors=True)
    field(page, "account-password1").fill(PASSWORD)
    field(page, "account-password2").fill(PASSWORD)
    page.locator(f'[name="account-preferred_language"][value="{lang}"]').check()
    field(page, "account-captcha_1").fill("passed")
    field(page, "account-accept_terms").check()
    submit(page)
    expect(page).to_have_url(re.compile(r"/register/verify/$"))
    check_code_page(audit, server, person, name="register: verify", field_name="verify-code")
    expect(page).to_have_url(re.compile(r"/register/complete/$"))
    audit.check("register: complete")

    sign_in(page, server, person.username, PASSWORD, lang)
    expect(page).to_have_url(re.compile(r"/status/$"))
    audit.check("status (pending account)")
    audit.assert_clean()


def test_signed_in_pages(audit: Audit, server: Server, lang: str) -> None:
    page, person = audit.page, make_active_account(server)
    page.goto("/login/")
    field(page, "identifier").fill(person.username)
    field(page, "password").fill(PASSWORD)
    submit(page)
    expect(page).to_have_url(re.compile(r"/login/verify/$"))
    check_code_page(audit, server, person, name="sign-in: code", field_name="code", purpose="login")
    expect(page).to_have_url(re.compile(r"/account/$"))
    audit.check("account")
    page.goto("/account/password/")
    audit.check("password change")
    submit(page)
    audit.check("password change, errors", errors=True)
    audit.assert_clean()


def test_security_page_and_passkey_pages(audit: Audit, server: Server, lang: str) -> None:
    """The security page without and with a passkey, and the passkey's rename and remove pages
    (a virtual authenticator makes the passkey, as in tests/e2e/test_passkeys.py)."""
    page, person = audit.page, make_active_account(server)
    virtual_authenticator(page)
    sign_in(page, server, person.username, PASSWORD, lang)
    page.goto("/account/security/")
    audit.check("security (no passkey)")
    with page.expect_navigation():
        button(page, lang, "Add a passkey").click()
    audit.check("recovery codes, first")  # where the first passkey leads
    leave_the_first_recovery_codes(page, lang)
    expect(page.locator(".passkey")).to_have_count(1)
    audit.check("security (a passkey)")
    page.locator(".passkey a[href$='/rename/']").click()
    audit.check("passkey: rename")
    field(page, "name").fill("")
    submit(page)
    audit.check("passkey: rename, errors", errors=True)
    page.goto("/account/security/")
    page.locator(".passkey a[href$='/remove/']").click()
    audit.check("passkey: remove")


def test_security_and_confirm_pages(audit: Audit, server: Server, lang: str) -> None:
    page, person = audit.page, make_active_account(server)
    sign_in(page, server, person.username, PASSWORD, lang)
    expect(page).to_have_url(re.compile(r"/account/$"))
    page.goto("/account/security/")
    audit.check("security")
    # Signed in ten minutes ago: a change to the ways to sign in asks to confirm it's you.
    use_stale_session(page, server, person)
    page.goto("/account/security/confirm/?next=/account/security/")
    audit.check("confirm: password")
    submit(page)
    audit.check("confirm: password, errors", errors=True)
    field(page, "password").fill(PASSWORD)
    submit(page)
    expect(page).to_have_url(re.compile(r"/account/security/confirm/sms/$"))
    check_code_page(audit, server, person, name="confirm: code", field_name="code", purpose="login")
    expect(page).to_have_url(re.compile(r"/account/security/$"))
    audit.assert_clean()


def test_password_reset_pages(audit: Audit, server: Server) -> None:
    page, person = audit.page, make_active_account(server)
    page.goto("/password-reset/")
    field(page, "national_id").fill(person.national_id)
    field(page, "mobile").fill(person.mobile)
    submit(page)
    expect(page).to_have_url(re.compile(r"/password-reset/verify/$"))
    check_code_page(audit, server, person, name="reset: code", field_name="code", purpose="reset")
    expect(page).to_have_url(re.compile(r"/password-reset/new/$"))
    audit.check("reset: new password")
    field(page, "new_password1").fill("weak")
    submit(page)
    audit.check("reset: new password, errors", errors=True)
    field(page, "new_password1").fill("Fresh7Garden2")
    field(page, "new_password2").fill("Fresh7Garden2")
    submit(page)
    expect(page).to_have_url(re.compile(r"/password-reset/done/$"))
    audit.check("reset: done")
    audit.assert_clean()


def test_too_many_attempts_page(audit: Audit, server: Server) -> None:
    page, identifier = audit.page, "locked" + new_person().username
    response = None
    page.goto("/login/")
    for _ in range(10):  # on the answer page: it shows the captcha once the identifier needs it
        field(page, "identifier").fill(identifier)
        field(page, "password").fill(WRONG_PASSWORD)
        if page.locator('[name="captcha_1"]').count():
            field(page, "captcha_1").fill("passed")
        with page.expect_navigation() as navigation:
            page.locator("main form button[type=submit]").first.click()
        response = navigation.value
        if response.status == 429:
            break
    assert response is not None and response.status == 429
    audit.check("429 too many attempts")
    audit.assert_clean()


def test_authenticator_pages(audit: Audit, server: Server, lang: str) -> None:
    """The security page's app and recovery-code sections, setting up and removing an app,
    the recovery codes, and the sign-in steps with an app or a recovery code."""
    page, person = audit.page, make_active_account(server)
    sign_in(page, server, person.username, PASSWORD, lang)
    expect(page).to_have_url(re.compile(r"/account/$"))
    page.goto("/account/security/")
    audit.check("security: no app")
    page.goto("/account/security/app/")
    audit.check("app: set up")
    key = page.locator(".setup-key code").inner_text().replace(" ", "")
    field(page, "code").fill("abc")
    submit(page)
    audit.check("app: set up, errors", errors=True)
    field(page, "code").fill(pyotp.TOTP(key).now())
    submit(page)
    expect(page).to_have_url(re.compile(r"/account/security/app/$"))
    audit.check("recovery codes")
    page.goto("/account/security/")
    audit.check("security: app and codes")
    page.goto("/account/security/recovery-codes/new/")
    audit.check("recovery codes: make new")
    page.goto("/account/security/app/remove/")
    audit.check("app: remove")

    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": lang, "url": server.url}])
    page.goto("/login/")
    field(page, "identifier").fill(person.username)
    field(page, "password").fill(PASSWORD)
    submit(page)
    expect(page).to_have_url(re.compile(r"/login/app/$"))
    audit.check("sign-in: app code")
    field(page, "code").fill("12")
    submit(page)
    audit.check("sign-in: app code, errors", errors=True)
    page.goto("/login/recovery-code/")
    audit.check("sign-in: recovery code")
    submit(page)
    audit.check("sign-in: recovery code, errors", errors=True)
    audit.assert_clean()


# --- Pages only a failure shows ----------------------------------------------------------------
def _live_policy(server: Server) -> str:
    with urllib.request.urlopen(server.url_for("/")) as response:  # noqa: S310 - our server
        return response.headers["Content-Security-Policy"]


def _error_pages(lang: str) -> Iterator[tuple[str, int, str]]:
    """(name, status, html) of the pages of 400, 403, 500 and 503, rendered in ``lang``."""
    from absher_portal import errors, outages

    request = RequestFactory().get("/somewhere/")
    with translation.override(lang):
        pages = [
            ("400", errors.bad_request(request, ValueError())),
            ("403", errors.permission_denied(request, PermissionDenied())),
            ("500", errors.server_error(request)),
            ("503", outages.service_unavailable()),
        ]
    for name, response in pages:
        yield name, response.status_code, response.content.decode()


def _serve(status: int, headers: dict[str, str], html: str) -> Any:
    """A route handler answering with this page."""
    return lambda route: route.fulfill(status=status, headers=headers, body=html)


def test_error_pages(audit: Audit, server: Server, lang: str) -> None:
    page, policy = audit.page, _live_policy(server)
    for name, status, html in _error_pages(lang):
        path = f"/e2e-error-{name}/"
        headers = {"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": policy}
        page.route(server.url_for(path), _serve(status, headers, html))
        response = page.goto(path)
        assert response is not None and response.status == status
        expect(page.locator("link[rel=stylesheet]")).to_have_count(1)
        assert page.evaluate("getComputedStyle(document.body).display") == "flex"  # CSS applied
        audit.check(name)
    audit.assert_clean()


# --- Django's admin ------------------------------------------------------------------------------
def test_admin_pages(audit: Audit, server: Server) -> None:
    """Staff work at a desk: the admin is checked at desktop width, without the touch targets
    (Django's own layout), for axe, language and the CSP."""
    page, staff, member = audit.page, new_person(), make_active_account(server)
    page.set_viewport_size(DESKTOP)
    server.manage(
        "shell",
        "-c",
        "from tests.factories import make_user; "
        f"make_user({staff.username!r}, {staff.national_id!r}, {staff.mobile!r}, "
        "is_staff=True, is_superuser=True)",
    )
    # The admin's own login page only forwards to the portal's sign-in (audited elsewhere).
    sign_in(page, server, staff.username, PASSWORD, audit.lang, start="/admin/login/")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    page.goto("/admin/accounts/user/")
    audit.check("admin: accounts", targets=False)
    page.goto(f"/admin/accounts/user/?q={member.username}")
    page.locator("#result_list tbody a").first.click()
    expect(page).to_have_url(re.compile(r"/admin/accounts/user/\d+/change/"))
    audit.check("admin: account", targets=False)
    audit.assert_clean()


# --- Focus --------------------------------------------------------------------------------------
def test_keyboard_focus_is_visible(page: Page) -> None:
    page.goto("/login/")
    page.keyboard.press("Tab")  # the skip link
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('main') !== null"):
            break
    style = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth), s.boxShadow]; })()"
    )
    assert style[0] != "none" and style[1] >= 2, style
    assert style[2] != "none", style


# --- The table for the closing note ---------------------------------------------------------------
@pytest.fixture(scope="module", autouse=True)
def _axe_summary(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if not RESULTS:
        return
    lines = [
        "| page | language | critical | serious | moderate | minor |",
        "|---|---|---|---|---|---|",
    ]
    for name, by_language in RESULTS.items():
        for language, counts in sorted(by_language.items()):
            lines.append(
                f"| {name} | {language} | " + " | ".join(str(counts[i]) for i in IMPACTS) + " |"
            )
    table = "\n".join(lines)
    if target := os.environ.get("E2E_AXE_REPORT"):
        Path(target).write_text(table + "\n", encoding="utf-8")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line("\naxe results (nodes by impact) per page and language:")
        for line in lines:
            reporter.write_line(line)
