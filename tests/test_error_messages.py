"""Errors the GOV.UK way (issue 14 item 2), on every form the portal renders, in both languages.

Posted empty, or with far too much in every box, each form says what to do in its own words
("Enter your ID, iqama or border number"), never Django's generic "This field is required." or
"Ensure this value has at most…"; each error shows once in the summary (the message alone,
linking to its field, no label before it) and once at its field; the page's title starts with
"Error: " («خطأ: »). A page without errors has no such prefix.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from captcha.fields import CaptchaField
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, MaxLengthValidator
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.signin.services import PENDING_SIGNIN_KEY
from tests.factories import code_from_sms, make_user, sign_in_as
from tests.people import CITIZEN_ID, MOBILE, MOBILE_E164, PASSWORD
from tests.registration_driver import RegistrationDriver, step_url

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "ar"]
TITLE = re.compile(r"<title>(.*?)</title>", re.S)
SUMMARY = re.compile(r'id="error-summary".*?<ul>(.*?)</ul>', re.S)
SUMMARY_ITEM = re.compile(r"<li>(.*?)</li>", re.S)
INLINE_ERROR = re.compile(r'<p class="field-errors" id="([^"]+)_errors">(.*?)</p>', re.S)
TAG = re.compile(r"<[^>]+>")
TOO_LONG = "9" * 300


def too_long_message() -> str:
    """Django's "Ensure this value has at most 1 character (it has 2).", up to the number."""
    try:
        MaxLengthValidator(1)("xx")
    except ValidationError as error:
        return re.split(r"[0-9]", error.messages[0])[0]
    raise AssertionError("MaxLengthValidator let a value through")


def django_defaults(language: str) -> set[str]:
    """Django's (and simple-captcha's) generic messages in ``language``, cut before their
    first placeholder, so "Ensure this value has at most" matches whatever the numbers."""
    with translation.override(language):
        messages = [
            forms.Field.default_error_messages["required"],
            EmailValidator.message,
            forms.ChoiceField.default_error_messages["invalid_choice"],
            forms.MultiValueField.default_error_messages["incomplete"],
            too_long_message(),
            CaptchaField(required=False).error_messages["invalid"],
        ]
        defaults = {str(message).split("%")[0].strip() for message in messages}
    assert all(defaults), defaults
    return defaults


def text(fragment: str) -> str:
    return html.unescape(TAG.sub("", fragment)).strip()


# --- reaching every form --------------------------------------------------------------------
@dataclass
class Page:
    """A form of the portal: how to reach it with ``client``, where it posts, its fields."""

    name: str
    url: str
    fields: tuple[str, ...]
    reach: Callable[[Client, list], None] = lambda client, outbox: None
    more: Callable[[Client], dict[str, str]] = lambda client: {}


def to_account_step(client: Client, outbox: list) -> None:
    RegistrationDriver(client, outbox).identity_step()


def to_verify_step(client: Client, outbox: list) -> None:
    driver = RegistrationDriver(client, outbox)
    driver.identity_step()
    driver.account_step()


def captcha_key(client: Client) -> dict[str, str]:
    page = client.get(step_url("account")).content.decode()
    return {"account-captcha_0": re.search(r'name="account-captcha_0" value="(\w+)"', page)[1]}


def account_holder(client: Client, outbox: list) -> None:
    make_user("ahmed2024", CITIZEN_ID, MOBILE_E164, preferred_language="en")


def to_sign_in_code(client: Client, outbox: list) -> None:
    account_holder(client, outbox)
    client.post(reverse("accounts:login"), {"identifier": "ahmed2024", "password": PASSWORD})
    assert PENDING_SIGNIN_KEY in client.session


def to_reset_code(client: Client, outbox: list) -> None:
    account_holder(client, outbox)
    client.post(reverse("accounts:password_reset"), {"national_id": CITIZEN_ID, "mobile": MOBILE})


def to_new_password(client: Client, outbox: list) -> None:
    to_reset_code(client, outbox)
    client.post(reverse("accounts:password_reset_verify"), {"code": code_from_sms(outbox[-1])})


def signed_in(client: Client, outbox: list) -> None:
    sign_in_as(client, make_user("ahmed2024", CITIZEN_ID, MOBILE_E164))


PAGES = [
    Page(
        "register: identity",
        step_url("identity"),
        ("identity-national_id", "identity-mobile", "identity-email"),
    ),
    Page(
        "register: account",
        step_url("account"),
        (
            "account-username",
            "account-password1",
            "account-password2",
            "account-preferred_language",
            "account-captcha_1",
            "account-accept_terms",
        ),
        to_account_step,
        captcha_key,
    ),
    Page("register: verify", step_url("verify"), ("verify-code",), to_verify_step),
    Page("sign in", reverse("accounts:login"), ("identifier", "password")),
    Page("sign in: code", reverse("accounts:login_verify"), ("code",), to_sign_in_code),
    Page("reset", reverse("accounts:password_reset"), ("national_id", "mobile")),
    Page("reset: code", reverse("accounts:password_reset_verify"), ("code",), to_reset_code),
    Page(
        "reset: new password",
        reverse("accounts:password_reset_new"),
        ("new_password1", "new_password2"),
        to_new_password,
    ),
    Page(
        "change password",
        reverse("accounts:change_password"),
        ("old_password", "new_password1", "new_password2"),
        signed_in,
    ),
    Page(
        "account: language of messages",
        reverse("accounts:account"),
        ("preferred_language",),
        signed_in,
    ),
]


def post(page: Page, language: str, sms_outbox: list, value: str) -> str:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page.reach(client, sms_outbox)
    data = {name: value for name in page.fields} | page.more(client)
    response = client.post(page.url, data)
    assert response.status_code == 200, (page.name, response.status_code)
    return response.content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("value", ["", TOO_LONG], ids=["empty", "too-long"])
@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_every_form_says_what_to_do_in_its_own_words(page, value, language, sms_outbox):
    content = post(page, language, sms_outbox, value)
    shown = text(content)
    for generic in django_defaults(language):
        assert generic not in shown, (page.name, generic)

    with translation.override(language):
        prefix = f"{translation.gettext('Error:')} "
    assert text(TITLE.search(content)[1]).startswith(prefix), page.name

    summary = [text(item) for item in SUMMARY_ITEM.findall(SUMMARY.search(content)[1])]
    inline = {
        field_id: text(message).removeprefix(prefix.strip()).strip()
        for field_id, message in INLINE_ERROR.findall(content)
    }
    assert summary, page.name
    # Each field's error once in the summary and once at the field, with no label before it.
    for field_id, message in inline.items():
        at_fields = list(inline.values()).count(message)
        assert summary.count(message) == at_fields, (page.name, field_id, message, summary)
        assert re.search(rf'href="#{re.escape(field_id)}(_[0-9])?"', content), (page.name, field_id)
    for item in summary:
        assert not re.match(r"^[^.:]{2,60}: ", item), (page.name, item)


@pytest.mark.parametrize(
    ("url", "title"),
    [
        (step_url("identity"), "Your identity – Step 1 of 3 – "),
        (reverse("accounts:login"), "Sign in – "),
        (reverse("accounts:password_reset"), "Reset your password – "),
    ],
)
def test_a_page_without_errors_is_named_in_its_title_without_error(client, url, title):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    content = client.get(url, follow=True).content.decode()
    assert text(TITLE.search(content)[1]).startswith(title)


def test_each_wizard_step_is_named_with_its_number_in_both_languages(client, sms_outbox):
    driver = RegistrationDriver(client, sms_outbox)
    titles = {}
    for language in LANGUAGES:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        for step in ("identity", "account", "verify"):
            if step == "account":
                driver.identity_step()
            if step == "verify":
                driver.account_step()
            content = client.get(step_url(step)).content.decode()
            titles[language, step] = text(TITLE.search(content)[1])
    assert titles["en", "identity"].startswith("Your identity – Step 1 of 3 – ")
    assert titles["en", "account"].startswith("Your account – Step 2 of 3 – ")
    assert titles["en", "verify"].startswith("Verify your mobile – Step 3 of 3 – ")
    assert titles["ar", "account"].startswith("حسابك – الخطوة 2 من 3 – ")


def test_the_sign_in_refusal_is_an_error_linked_to_the_first_field(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    make_user("ahmed2024", CITIZEN_ID, MOBILE_E164)
    response = client.post(
        reverse("accounts:login"), {"identifier": "ahmed2024", "password": "Wr0ngPassw9x"}
    )
    content = response.content.decode()
    assert text(TITLE.search(content)[1]).startswith("Error: Sign in – ")
    items = SUMMARY_ITEM.findall(SUMMARY.search(content)[1])
    assert len(items) == 1
    assert items[0].startswith('<a href="#id_identifier">')
    assert "is not correct" in items[0]


def test_a_blank_captcha_asks_for_the_result_and_a_wrong_one_names_the_calculation(
    client, sms_outbox
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    driver = RegistrationDriver(client, sms_outbox)
    driver.identity_step()
    blank = driver.account_step(captcha=" ")
    assert "Enter the result of the calculation." in blank.content.decode()
    wrong = driver.account_step(captcha="99999")
    assert "The result is wrong. Enter the result of the new calculation." in wrong.content.decode()
