"""The authenticator app and recovery codes in Chromium, in Arabic and in English (design.md §19).

A person sets up an app from the security page, the code computed with pyotp from the key the
page shows (as an app on a phone computes it), signs out, and signs in with the password and a
code from the app: no SMS is sent. A recovery code signs in once; the second time it is
refused. The same journey is then made with the keyboard alone.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pyotp
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Person, Server
from tests.e2e.journeys import button, expect_language, field, sign_in, t, tn
from tests.e2e.sessions import make_active_account
from tests.e2e.test_journey_keyboard import focused, tab_to, type_into
from tests.people import PASSWORD

SECURITY = "/account/security/"
SET_UP_SCRIPT = """
import pyotp
from accounts.models import User
from authenticator import recovery_codes, totp
user = User.objects.get(username=input())
key = totp.app_setup_start(user=user)
totp.app_setup_confirm(user=user, code=pyotp.TOTP(key.secret).now())
print(key.secret)
print(" ".join(recovery_codes.first_recovery_codes(user=user)))
"""


def set_up_on_server(server: Server, person: Person) -> tuple[str, list[str]]:
    """An app and recovery codes set up through the services: the key and the codes."""
    done = server.manage("shell", "-c", SET_UP_SCRIPT, input=person.username)
    key, codes = done.stdout.strip().splitlines()[-2:]
    return key, codes.split()


def key_on_page(page: Page) -> str:
    """The key the setup page shows, as typed into an app (the spaces left out)."""
    return page.locator(".setup-key code").inner_text().replace(" ", "")


def next_code(key: str) -> str:
    """The app's code one step ahead: within the drift, and never the step just used."""
    return pyotp.TOTP(key).at(time.time() + 30)


def login_codes(server: Server) -> int:
    """How many sign-in codes the server has sent by SMS so far."""
    return sum(message["purpose"] == "login" for message in server.sms())


def password_step(page: Page, person: Person, lang: str) -> None:
    page.goto("/login/")
    field(page, "identifier").fill(person.username)
    field(page, "password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name=t(lang, "Sign in"), exact=True).click()


def expect_app_step(page: Page, lang: str) -> None:
    expect(page).to_have_url(re.compile(r"/login/app/$"))
    heading = t(lang, "Enter the 6-digit code from your authenticator app")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect_language(page, lang)


def sign_out(page: Page, lang: str) -> None:
    page.get_by_role("button", name=t(lang, "Sign out"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/$"))


def test_set_up_an_app_then_sign_in_with_it_and_no_sms(page, server, lang, shoot):
    person = make_active_account(server)
    sign_in(page, server, person.username, PASSWORD, lang)
    expect(page).to_have_url(re.compile(r"/account/$"))
    page.goto(SECURITY)
    page.get_by_role("link", name=t(lang, "Set up an authenticator app")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        t(lang, "Set up an authenticator app")
    )
    qr = page.get_by_role("img", name=t(lang, "QR code holding the key for your authenticator app"))
    expect(qr.locator("svg")).to_be_visible()
    key = key_on_page(page)
    assert re.fullmatch(r"[A-Z2-7]{32}", key)
    shoot(page, "security-app-setup", widths=("phone",))
    field(page, "code").fill(pyotp.TOTP(key).now())
    button(page, lang, "Set up the app").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(t(lang, "Your recovery codes"))
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[0-9a-z]{5}-[0-9a-z]{5}", c) for c in codes)
    expect(button(page, lang, "Print the codes")).to_be_visible()  # shown by the script
    shoot(page, "recovery-codes", widths=("desktop",))
    with page.expect_download() as download:
        button(page, lang, "Download the codes").click()
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert download.value.suggested_filename == "recovery-codes.txt"
    assert [line for line in saved.splitlines() if line in codes] == codes
    page.get_by_role("link", name=t(lang, "I have saved my codes")).click()
    expect(page).to_have_url(re.compile(r"/account/security/$"))
    expect(page.get_by_role("link", name=t(lang, "Remove the authenticator app"))).to_be_visible()

    sign_out(page, lang)
    sent_before = login_codes(server)
    password_step(page, person, lang)
    expect_app_step(page, lang)
    field(page, "code").fill(next_code(key))
    button(page, lang, "Verify and sign in").click()
    expect(page).to_have_url(re.compile(r"/account/$"))
    assert login_codes(server) == sent_before


def test_a_recovery_code_signs_in_once(page, server, lang):
    person = make_active_account(server)
    _, codes = set_up_on_server(server, person)
    sent_before = login_codes(server)
    password_step(page, person, lang)
    expect_app_step(page, lang)
    page.get_by_role("link", name=t(lang, "Use a recovery code")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        t(lang, "Sign in with a recovery code")
    )
    field(page, "code").fill(codes[0])
    button(page, lang, "Verify and sign in").click()
    expect(page).to_have_url(re.compile(r"/account/$"))
    left = tn(
        lang,
        "You signed in with a recovery code. You have %(count)d code left; you can make new "
        "codes on your security page.",
        "You signed in with a recovery code. You have %(count)d codes left; you can make new "
        "codes on your security page.",
        9,
    )
    expect(page.get_by_text(left)).to_be_visible()

    sign_out(page, lang)
    password_step(page, person, lang)
    page.get_by_role("link", name=t(lang, "Use a recovery code")).click()
    field(page, "code").fill(codes[0])
    button(page, lang, "Verify and sign in").click()
    refused = t(lang, "This recovery code is not correct, or it has already been used.")
    expect(page.locator("#error-summary")).to_contain_text(refused)
    expect(page).to_have_url(re.compile(r"/login/recovery-code/$"))
    assert login_codes(server) == sent_before


def test_sms_instead_still_signs_in(page, server, lang):
    person = make_active_account(server)
    set_up_on_server(server, person)
    password_step(page, person, lang)
    expect_app_step(page, lang)
    sent_before = server.sms_count()
    button(page, lang, "Send a code by SMS instead").click()
    expect(page).to_have_url(re.compile(r"/login/verify/$"))
    field(page, "code").fill(server.latest_code(purpose="login", after=sent_before))
    button(page, lang, "Verify and sign in").click()
    expect(page).to_have_url(re.compile(r"/account/$"))


def test_the_app_set_up_and_used_with_the_keyboard_alone(new_page, server, lang):
    page = new_page()
    person = make_active_account(server)
    sign_in(page, server, person.username, PASSWORD, lang)
    page.goto(SECURITY)
    tab_to(page, text=t(lang, "Set up an authenticator app"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        t(lang, "Set up an authenticator app")
    )
    key = key_on_page(page)
    type_into(page, "code", pyotp.TOTP(key).now())
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(t(lang, "Your recovery codes"))
    tab_to(page, text=t(lang, "Download the codes"))
    tab_to(page, text=t(lang, "Print the codes"))
    tab_to(page, text=t(lang, "I have saved my codes"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/account/security/$"))
    tab_to(page, text=t(lang, "Sign out"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/$"))

    page.goto("/login/")
    type_into(page, "identifier", person.username)
    type_into(page, "password", PASSWORD)
    page.keyboard.press("Enter")
    expect_app_step(page, lang)
    tab_to(page, text=t(lang, "Send a code by SMS instead"))  # the other ways are reachable
    tab_to(page, text=t(lang, "Use a recovery code"))
    tab_to(page, text=t(lang, "Start again"))
    for _ in range(10):  # back to the code, the way it came
        page.keyboard.press("Shift+Tab")
        if focused(page)["name"] == "code":
            break
    page.keyboard.type(next_code(key))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/account/$"))


def test_without_javascript_the_app_is_set_up_and_the_codes_download(new_page, server, lang):
    page = new_page(javascript=False)
    person = make_active_account(server)
    sign_in(page, server, person.username, PASSWORD, lang)
    page.goto("/account/security/app/")
    field(page, "code").fill(pyotp.TOTP(key_on_page(page)).now())
    button(page, lang, "Set up the app").click()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    expect(page.locator("button[data-print]")).to_be_hidden()  # the browser's own print remains
    with page.expect_download() as download:
        button(page, lang, "Download the codes").click()
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert all(code in saved for code in codes)
