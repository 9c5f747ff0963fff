"""Passkeys in Chromium, with the DevTools virtual authenticator, in Arabic and in English.

The virtual authenticator (CDP ``WebAuthn.addVirtualAuthenticator``: CTAP2, internal transport,
resident keys, user verification, the person verified) stands for a phone's fingerprint
reader. A person signs in with password and SMS code, adds a passkey from the security page
with the keyboard, signs out, and signs in again with the passkey button: no SMS is sent and
she lands on her account page. The answer her browser sent, posted again, is refused (its
challenge is used up). The other attacks, the counter's among them, are
tests/test_passkeys_signin.py's, with a software authenticator.
"""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.conftest import Person, Server, new_person
from tests.e2e.journeys import button, expect_language, sign_in, t

UNSUPPORTED = (
    "To add a passkey, open this page in a browser that supports passkeys, with JavaScript "
    "turned on."
)
#: An older browser: no autofill of passkeys (only the button is left) and none of WebAuthn
#: Level 3's JSON helpers (passkeys.js converts base64url itself).
OLDER_BROWSER = """
PublicKeyCredential.isConditionalMediationAvailable = undefined;
PublicKeyCredential.parseRequestOptionsFromJSON = undefined;
PublicKeyCredential.parseCreationOptionsFromJSON = undefined;
PublicKeyCredential.prototype.toJSON = undefined;
"""
#: The virtual authenticator: a platform authenticator (a phone's) that verifies the person.
AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}


def virtual_authenticator(page: Page) -> tuple[Any, str]:
    """Give ``page`` a virtual authenticator (it lasts as long as the page)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    added = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})
    return cdp, added["authenticatorId"]


def active_account(server: Server, lang: str) -> Person:
    """An active account, messages in ``lang``, made in the server's database."""
    person = new_person()
    server.manage(
        "shell",
        "-c",
        "from tests.factories import make_user; "
        f"make_user({person.username!r}, {person.national_id!r}, {person.mobile!r}, "
        f"preferred_language={lang!r})",
    )
    return person


def press_by_keyboard(page: Page, target: Any, *, most: int = 40) -> None:
    """Tab from the top of the page until ``target`` has the focus, then press Enter."""
    page.locator("body").focus()
    for _ in range(most):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            page.keyboard.press("Enter")
            return
    raise AssertionError(f"{target} was not reached with the Tab key")


def passkey_name(lang: str) -> str:
    """What the security page calls a passkey made in this browser (Chromium on Linux)."""
    return t(lang, "Passkey on %(platform)s") % {"platform": t(lang, "Linux")}


def add_a_passkey(page: Page, lang: str, *, told: str = "") -> None:
    """From any signed-in page: Security, then "Add a passkey" by the keyboard; the page after
    it says the passkey called ``told`` was added, when given."""
    page.locator("nav.service-nav").get_by_role("link", name=t(lang, "Security")).click()
    expect(page).to_have_url(re.compile(r"/account/security/$"))
    add = button(page, lang, "Add a passkey")
    expect(add).to_be_visible()
    expect(page.get_by_text(t(lang, UNSUPPORTED))).to_be_hidden()
    with page.expect_navigation():
        press_by_keyboard(page, add)
    if told:
        added = t(lang, "Passkey added: “%(name)s”.") % {"name": told}
        expect(page.get_by_role("status").filter(has_text=added)).to_be_visible()
    leave_the_first_recovery_codes(page, lang)


def leave_the_first_recovery_codes(page: Page, lang: str) -> None:
    """The first passkey leads to the ten recovery codes, shown once; then back to Security."""
    expect(page).to_have_url(re.compile(r"/account/security/recovery-codes/$"))
    expect(page.locator("ol.recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name=t(lang, "I have saved my codes")).click()
    expect(page).to_have_url(re.compile(r"/account/security/$"))


def test_a_person_adds_a_passkey_and_signs_in_with_it_without_an_sms(new_page, server, lang, shoot):
    page, person = new_page(), active_account(server, lang)
    virtual_authenticator(page)
    sign_in(page, server, person.username, person.password, lang)
    expect(page).to_have_url(re.compile(r"/account/$"))

    add_a_passkey(page, lang, told=passkey_name(lang))
    name = passkey_name(lang)
    expect(page.get_by_role("heading", level=3, name=name)).to_be_visible()
    expect(page.get_by_text(t(lang, "Not used yet"))).to_be_visible()
    shoot(page, "security-passkeys")
    sign_out(page, lang)

    # Autofill: the login page's waiting request is answered as soon as it opens (the virtual
    # authenticator picks the one passkey, as a person picks it under the username field).
    sent_before = server.sms_count()
    page.goto("/login/")
    expect(page).to_have_url(re.compile(r"/account/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(t(lang, "Your account"))
    sign_out(page, lang)

    # The button, in an older browser (no autofill, no JSON helpers).
    page.add_init_script(OLDER_BROWSER)
    page.goto("/login/")
    expect_language(page, lang)
    with page.expect_response(re.compile(r"/login/passkey/$")) as answer:
        press_by_keyboard(page, button(page, lang, "Sign in with a passkey"))
    expect(page).to_have_url(re.compile(r"/account/$"))
    assert server.sms()[sent_before:] == []  # a passkey is both factors: no code by SMS

    # The same answer again, from the same browser: its challenge is used up.
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    replay = page.request.post(
        answer.value.url,
        data=answer.value.request.post_data,
        headers={"Content-Type": "application/json", "X-CSRFToken": csrf},
    )
    assert replay.status == 400
    assert json.loads(replay.text())["error"] == "expired"

    page.goto("/account/security/")
    expect(page.get_by_text(t(lang, "Not used yet"))).to_have_count(0)  # "last used" is now


def sign_out(page: Page, lang: str) -> None:
    page.get_by_role("button", name=t(lang, "Sign out"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/$"))


def test_the_login_page_starts_an_autofill_request_and_offers_the_button(new_page, lang):
    page = new_page()
    virtual_authenticator(page)
    with page.expect_request(re.compile(r"/login/passkey/options/$")):
        page.goto("/login/")

    assert page.evaluate("PublicKeyCredential.isConditionalMediationAvailable()")
    identifier = page.locator('[name="identifier"]')
    expect(identifier).to_have_attribute("autocomplete", "username webauthn")
    expect(button(page, lang, "Sign in with a passkey")).to_be_visible()


def test_without_javascript_there_is_no_passkey_button_and_the_password_works(
    new_page, server, lang
):
    page, person = new_page(javascript=False), active_account(server, lang)
    page.goto("/login/")
    expect(button(page, lang, "Sign in with a passkey")).to_be_hidden()

    sign_in(page, server, person.username, person.password, lang)
    expect(page).to_have_url(re.compile(r"/account/$"))
    page.goto("/account/security/")
    expect(button(page, lang, "Add a passkey")).to_be_hidden()
    expect(page.get_by_text(t(lang, UNSUPPORTED))).to_be_visible()


def test_a_cancelled_passkey_is_told_in_the_error_summary(new_page, server, lang):
    page, person = new_page(), active_account(server, lang)
    cdp, authenticator = virtual_authenticator(page)
    sign_in(page, server, person.username, person.password, lang)
    page.goto("/account/security/")
    # The person does not confirm (no finger on the reader): the browser gives up.
    cdp.send(
        "WebAuthn.setUserVerified", {"authenticatorId": authenticator, "isUserVerified": False}
    )

    button(page, lang, "Add a passkey").click()

    summary = page.locator(".passkeys .error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading", level=2)).to_have_text(t(lang, "There is a problem"))
    expect(summary).to_contain_text(
        t(
            lang,
            "The passkey was not added: it was cancelled or took too long. "
            "Try again when you are ready.",
        )
    )


def test_an_older_browser_adds_a_passkey_through_the_scripts_own_conversion(new_page, server, lang):
    page, person = new_page(), active_account(server, lang)
    virtual_authenticator(page)
    page.add_init_script(OLDER_BROWSER)
    sign_in(page, server, person.username, person.password, lang)

    add_a_passkey(page, lang)

    expect(page.get_by_role("heading", level=3, name=passkey_name(lang))).to_be_visible()
