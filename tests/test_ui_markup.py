"""The markup every form page sends, with and without errors, in both languages:

labels tied to inputs, ``aria-describedby`` naming elements that exist, error-summary links that
land on a field, unique ids, the right ``autocomplete``/``inputmode`` for each field (so phones
offer the SMS code, password managers fill the right boxes) and the wizard's step indicator.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from passkeys.models import Passkey
from tests.factories import code_from_sms, make_user, sign_in_as
from tests.people import CITIZEN_ID, MOBILE, PASSWORD
from tests.registration_driver import RegistrationDriver, step_url

pytestmark = pytest.mark.django_db

NATIONAL_ID, MOBILE = CITIZEN_ID, MOBILE

#: name -> (autocomplete, inputmode or None, type or None)
EXPECTED_FIELDS = {
    "identity-national_id": ("off", "numeric", "text"),
    "identity-mobile": ("tel", "tel", "tel"),
    "identity-email": ("email", None, "email"),
    "account-username": ("username", None, "text"),
    "account-password1": ("new-password", None, "password"),
    "account-password2": ("new-password", None, "password"),
    "account-captcha_1": ("off", "numeric", "text"),
    "verify-code": ("one-time-code", "numeric", "text"),
    "identifier": ("username webauthn", None, "text"),  # passkeys offered by autofill too
    "password": ("current-password", None, "password"),
    "captcha_1": ("off", "numeric", "text"),
    "code": ("one-time-code", "numeric", "text"),
    "national_id": ("off", "numeric", "text"),
    "mobile": ("tel", "tel", "tel"),
    "username": ("username", None, "text"),  # the reset page's hidden hint to password managers
    "new_password1": ("new-password", None, "password"),
    "new_password2": ("new-password", None, "password"),
    "old_password": ("current-password", None, "password"),
    "name": ("off", None, "text"),  # a passkey's name: the person's own words
}


class Page(HTMLParser):
    """Inputs, labels, ids, aria references and links of a page's ``<main>``."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.inputs: list[dict[str, str]] = []
        self.label_for: set[str] = set()
        self.ids: list[str] = []
        self.described_by: list[str] = []
        self.summary_links: list[str] = []
        self.current_steps: list[str] = []
        self._in_main = self._in_label = self._in_summary = self._in_current = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if "id" in a:
            self.ids.append(a["id"])
            self._in_summary = self._in_summary or a["id"] == "error-summary"
        if tag == "main":
            self._in_main = True
        if not self._in_main:
            return
        self.described_by += a.get("aria-describedby", "").split()
        if tag == "label":
            self._in_label = True
            if a.get("for"):
                self.label_for.add(a["for"])
        elif tag in {"input", "select", "textarea"} and a.get("type") not in {"hidden", "submit"}:
            self.inputs.append({**a, "_wrapped": "yes" if self._in_label else ""})
        elif tag == "a" and self._in_summary:
            self.summary_links.append(a.get("href", ""))
        elif tag == "li" and a.get("aria-current") == "step":
            self.current_steps.append("")
            self._in_current = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._in_label = False
        elif tag == "main":
            self._in_main = False
        elif tag == "li":
            self._in_current = False
        elif tag == "ul":
            self._in_summary = False  # the summary's list has ended

    def handle_data(self, data: str) -> None:
        if self._in_current:
            self.current_steps[-1] += data.strip()


def registration(client: Client, sms_outbox: list, step: str, *, errors: bool) -> str:
    driver = RegistrationDriver(client, sms_outbox)
    if step == "identity":
        client.get(step_url("identity"))
        response = driver.post_step("identity", {}) if errors else client.get(step_url(step))
        return response.content.decode()
    driver.identity_step()
    if step == "account":
        if errors:
            return driver.account_step(password1="weak", captcha="wrong").content.decode()
        return client.get(step_url("account")).content.decode()
    driver.account_step()
    if errors:
        return driver.verify_step("12").content.decode()
    return client.get(step_url("verify")).content.decode()


def signed_in(client: Client, url: str, *, errors: bool) -> str:
    sign_in_as(client, make_user("ahmed2024", NATIONAL_ID, MOBILE))
    response = client.post(url, {}) if errors else client.get(url)
    return response.content.decode()


def reset(client: Client, sms_outbox: list, step: str, *, errors: bool) -> str:
    make_user("ahmed2024", NATIONAL_ID, MOBILE)
    start = reverse("accounts:password_reset")
    if step == "start":
        return (client.post(start, {}) if errors else client.get(start)).content.decode()
    client.post(start, {"national_id": NATIONAL_ID, "mobile": MOBILE})
    verify = reverse("accounts:password_reset_verify")
    if step == "verify":
        return (
            client.post(verify, {"code": "1"}) if errors else client.get(verify)
        ).content.decode()
    client.post(verify, {"code": code_from_sms(sms_outbox[-1])})
    new = reverse("accounts:password_reset_new")
    return (client.post(new, {}) if errors else client.get(new)).content.decode()


def sign_in(client: Client, sms_outbox: list, step: str, *, errors: bool) -> str:
    make_user("ahmed2024", NATIONAL_ID, MOBILE)
    login = reverse("accounts:login")
    if step == "login":
        return (client.post(login, {}) if errors else client.get(login)).content.decode()
    client.post(login, {"identifier": "ahmed2024", "password": PASSWORD})
    verify = reverse("accounts:login_verify")
    return (client.post(verify, {"code": "1"}) if errors else client.get(verify)).content.decode()


def passkey_rename(client: Client, *, errors: bool) -> str:
    account = make_user("ahmed2024", NATIONAL_ID, MOBILE)
    sign_in_as(client, account)
    passkey = Passkey.objects.create(
        owner=account, credential_id=b"k" * 16, public_key=b"k", name="Passkey on Android"
    )
    url = reverse("passkeys:rename", args=[passkey.pk])
    return (client.post(url, {}) if errors else client.get(url)).content.decode()


PAGES: dict[str, Callable[..., str]] = {
    "register identity": lambda c, o, e: registration(c, o, "identity", errors=e),
    "register account": lambda c, o, e: registration(c, o, "account", errors=e),
    "register verify": lambda c, o, e: registration(c, o, "verify", errors=e),
    "sign-in": lambda c, o, e: sign_in(c, o, "login", errors=e),
    "sign-in code": lambda c, o, e: sign_in(c, o, "verify", errors=e),
    "reset start": lambda c, o, e: reset(c, o, "start", errors=e),
    "reset code": lambda c, o, e: reset(c, o, "verify", errors=e),
    "reset new password": lambda c, o, e: reset(c, o, "new", errors=e),
    "password change": lambda c, o, e: signed_in(c, reverse("accounts:change_password"), errors=e),
    "account": lambda c, o, e: signed_in(c, reverse("accounts:account"), errors=e),
    "passkey rename": lambda c, o, e: passkey_rename(c, errors=e),
}


@pytest.mark.parametrize("language", ["ar", "en"])
@pytest.mark.parametrize("errors", [False, True], ids=["blank", "errors"])
@pytest.mark.parametrize("name", PAGES)
def test_form_pages_tie_labels_hints_and_errors_to_their_fields(
    client, sms_outbox, name, errors, language
):
    client.cookies["django_language"] = language
    page = Page(PAGES[name](client, sms_outbox, errors))
    assert page.inputs, "the page has a form"
    duplicates = {i for i in page.ids if page.ids.count(i) > 1}
    assert not duplicates
    for field in page.inputs:
        if "hidden" in field:
            continue
        assert field["_wrapped"] or field.get("id") in page.label_for, field
    assert set(page.described_by) <= set(page.ids)
    if errors:
        assert page.summary_links, "an error summary listing the fields"
        for href in page.summary_links:
            assert href.startswith("#") and href[1:] in page.ids, href
        assert any(f.get("aria-invalid") == "true" for f in page.inputs)


@pytest.mark.parametrize("errors", [False, True], ids=["blank", "errors"])
@pytest.mark.parametrize("name", PAGES)
def test_every_field_has_the_autocomplete_and_keyboard_it_needs(client, sms_outbox, name, errors):
    page = Page(PAGES[name](client, sms_outbox, errors))
    for field in page.inputs:
        if field.get("type") in {"radio", "checkbox"}:
            continue
        autocomplete, inputmode, kind = EXPECTED_FIELDS[field["name"]]
        assert field.get("autocomplete") == autocomplete, field
        assert field.get("inputmode") == inputmode, field
        assert field.get("type", "text") == kind, field


@pytest.mark.parametrize(("step", "number"), [("identity", 1), ("account", 2), ("verify", 3)])
@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_wizard_says_which_step_of_three_this_is(client, sms_outbox, step, number, language):
    client.cookies["django_language"] = language
    html = registration(client, sms_outbox, step, errors=False)
    page = Page(html)
    with translation.override(language):
        count = translation.gettext("Step %(current)s of %(total)s") % {
            "current": number,
            "total": 3,
        }
        titles = [translation.gettext(t) for t in ("Identity", "Account", "Verification")]
        journey = translation.gettext("Create your account")
    assert f'<p class="step-count" id="step-count">{journey} – {count}</p>' in html
    assert page.current_steps == [titles[number - 1]]
    assert len(re.findall(r'<li class="done">', html)) == number - 1


SUMMARY_BOX = re.compile(r'<div[^>]*\bid="error-summary"[^>]*>(.*?)</ul>', re.S)


@pytest.mark.parametrize("name", PAGES)
def test_the_error_summary_is_read_whole_when_it_takes_the_focus(client, sms_outbox, name):
    """The box portal.js focuses has no role or name of its own and holds the alert, as
    GOV.UK's does: a summary named by its heading was read as the heading alone by JAWS
    (alphagov/govuk-frontend#2657; decision 214)."""
    html = PAGES[name](client, sms_outbox, True)
    box = SUMMARY_BOX.search(html)
    assert box, "an error summary"
    opening = box.group(0).split(">", 1)[0]
    assert "role=" not in opening and "aria-label" not in opening, opening
    assert 'tabindex="-1"' in opening
    assert re.search(r'<div role="alert">\s*<h2', box.group(1)), box.group(1)[:200]
