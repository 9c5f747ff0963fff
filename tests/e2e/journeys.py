"""Steps the browser journeys share: registering, signing in, activating through a bank.

Fields are found by their ``name`` (the form's contract with the server), buttons by their role
and translated label, so the page's styling can change without breaking a journey. Texts are
translated here through the project's own catalogues (``t``), which also proves each Arabic
text the journeys assert on is really translated.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.utils import translation
from playwright.sync_api import Page, expect

from tests.e2e.live_server import Server
from tests.e2e.people import Person

Shoot = Callable[..., Any]


def t(lang: str, msgid: str) -> str:
    """``msgid`` in ``lang`` from the project's catalogues; Arabic must really be translated."""
    with translation.override(lang):
        text = translation.gettext(msgid)
    if lang == "ar":
        assert text != msgid, f"no Arabic translation for {msgid!r}"
    return text


def tn(lang: str, singular: str, plural: str, count: int) -> str:
    """The plural form of a message for ``count``, as :func:`t` (``%(count)d`` filled in)."""
    with translation.override(lang):
        text = translation.ngettext(singular, plural, count)
    if lang == "ar":
        assert text not in (singular, plural), f"no Arabic translation for {singular!r}"
    return text % {"count": count}


def expect_language(page: Page, lang: str) -> None:
    """The page is in ``lang``: ``<html lang>`` and the writing direction match."""
    html = page.locator("html")
    expect(html).to_have_attribute("lang", lang)
    expect(html).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")


def button(page: Page, lang: str, msgid: str) -> Any:
    return page.get_by_role("button", name=t(lang, msgid), exact=True)


def field(page: Page, name: str) -> Any:
    """The form control named ``name`` (``identity-national_id``, ``verify-code``...)."""
    return page.locator(f'[name="{name}"]')


def expect_step(page: Page, lang: str, step: str) -> None:
    """The wizard shows ``step`` ("identity", "account", "verify") in ``lang``."""
    titles = {
        "identity": "Your identity",
        "account": "Your account",
        "verify": "Verify your mobile",
    }
    expect(page).to_have_url(re.compile(rf"/register/{step}/$"))
    expect(page.get_by_role("heading", name=t(lang, titles[step]), exact=True)).to_be_visible()
    expect_language(page, lang)


# --- Registration --------------------------------------------------------------------------
def fill_identity(page: Page, person: Person) -> None:
    field(page, "identity-national_id").fill(person.national_id)
    field(page, "identity-mobile").fill(person.mobile)
    field(page, "identity-email").fill(person.email)


def fill_account(page: Page, person: Person, lang: str) -> None:
    field(page, "account-username").fill(person.username)
    field(page, "account-password1").fill(person.password)
    field(page, "account-password2").fill(person.password)
    page.locator(f'[name="account-preferred_language"][value="{lang}"]').check()
    field(page, "account-captcha_1").fill("passed")  # CAPTCHA_TEST_MODE on the server
    field(page, "account-accept_terms").check()


def register(
    page: Page, server: Server, person: Person, lang: str, shoot: Shoot | None = None
) -> None:
    """Identity, account and verify steps with valid data, ending on the "created" page
    (from the identity step if the page is on it, else from ``/register/``)."""
    if not re.search(r"/register/identity/$", page.url):
        page.goto("/register/")
    expect_step(page, lang, "identity")
    fill_identity(page, person)
    if shoot:
        shoot(page, "register-identity")
    button(page, lang, "Next").click()
    expect_step(page, lang, "account")
    fill_account(page, person, lang)
    if shoot:
        shoot(page, "register-account")
    button(page, lang, "Send the code").click()
    expect_step(page, lang, "verify")
    code = server.latest_code(mobile=person.mobile, purpose="registration")
    field(page, "verify-code").fill(code)
    if shoot:
        shoot(page, "register-verify")
    button(page, lang, "Verify and create my account").click()
    expect_account_created(page, lang, person)
    if shoot:
        shoot(page, "registration-complete")


def expect_account_created(page: Page, lang: str, person: Person) -> None:
    expect(page).to_have_url(re.compile(r"/register/complete/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        t(lang, "Your account has been created")
    )
    expect(page.get_by_text(person.username, exact=True)).to_be_visible()
    expect_language(page, lang)


# --- Sign-in -------------------------------------------------------------------------------
def sign_in(
    page: Page,
    server: Server,
    identifier: str,
    password: str,
    lang: str,
    shoot: Shoot | None = None,
    *,
    start: str = "/login/",
) -> None:
    """Sign in with ``identifier`` and ``password``, then the code sent by SMS.

    ``start`` is the page opened first: a page that needs signing in (the admin) sends the
    browser to ``/login/?next=...``, and the sign-in then goes on to it.
    """
    page.goto(start)
    expect(page.get_by_role("heading", level=1)).to_have_text(t(lang, "Sign in"))
    expect_language(page, lang)
    before = server.sms_count()
    field(page, "identifier").fill(identifier)
    field(page, "password").fill(password)
    if shoot:
        shoot(page, "sign-in")
    sign_in_button = page.locator("main").get_by_role("button", name=t(lang, "Sign in"), exact=True)
    with page.expect_navigation():
        sign_in_button.click()
    captcha = field(page, "captcha_1")
    if captcha.count():  # the identifier had wrong passwords: the answer asks for the captcha
        field(page, "password").fill(password)
        captcha.fill("passed")
        sign_in_button.click()
    expect(page).to_have_url(re.compile(r"/login/verify/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(t(lang, "Enter the code we sent you"))
    field(page, "code").fill(server.latest_code(purpose="login", after=before))
    if shoot:
        shoot(page, "sign-in-code")
    button(page, lang, "Verify and sign in").click()


# --- Staff ---------------------------------------------------------------------------------
REVIEWER_SCRIPT = """
import sys
from django.contrib.auth.models import Group
from accounts.models import User
username, national_id, mobile, email, password = sys.stdin.read().split()
user = User.objects.create_user(
    username, national_id, mobile, email, password, status="active", is_staff=True
)
user.groups.add(Group.objects.get(name="reviewer"))
"""


def create_reviewer(server: Server, person: Person) -> None:
    """A staff member in the ``reviewer`` group, made in the server's database by manage.py
    (the password goes through stdin, never the command line)."""
    fields = (person.username, person.national_id, person.mobile, person.email, person.password)
    server.manage("shell", "-c", REVIEWER_SCRIPT, input=" ".join(fields))


# --- The bank ------------------------------------------------------------------------------
def activate_through_bank(server: Server, person: Person, keys: Path, bank: str = "anb") -> str:
    """The reference bank client confirms ``person`` at the server; returns its output."""
    private, public = keys / f"{bank}.key", keys / f"{bank}.pub"
    if not private.exists():
        server.manage("bank_keygen", "--out-private", str(private), "--out-public", str(public))
        server.manage(
            "add_bank_key", "--bank", bank, "--public-key", str(public), "--key-id", f"{bank}-e2e"
        )
    done = server.manage(
        "bank_confirm",
        "--bank",
        bank,
        "--key",
        str(private),
        "--national-id",
        person.national_id,
        "--mobile",
        person.mobile,
        "--channel",
        "atm",
        "--url",
        server.url,
    )
    return done.stdout
