"""The start page says, before anyone starts, who can register and what they need (issue 14).

Issue 14 item 1 ("Nobody is told what they need before starting"): the home page never said
which banks can activate an account, nor that a person needs an ID, iqama or border number, a
Saudi mobile and an account at one of those banks, so people at other banks registered for
nothing. GOV.UK's "Start using a service" pattern: what the service does, who can use it,
what you need ("Before you start"), how long it takes, what happens after, a "Start now"
button. The banks are named from the database (only active ones), so adding or withdrawing a
bank changes the page with no release.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from activation.models import Bank

pytestmark = pytest.mark.django_db


def start_page(language: str) -> str:
    client = Client()
    client.cookies["django_language"] = language
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 200
    return response.content.decode()


def before_you_start(html: str) -> str:
    """The "Before you start" section: what a person needs is said there, not elsewhere."""
    match = re.search(r'<section[^>]*aria-labelledby="before-you-start".*?</section>', html, re.S)
    assert match, "the start page has no 'Before you start' section"
    return match.group(0)


def translated(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("en", ["Al Rajhi Bank", "Arab National Bank"]),
        ("ar", ["مصرف الراجحي", "البنك العربي الوطني"]),
    ],
)
def test_the_start_page_names_the_banks_that_activate_accounts(language, names):
    section = before_you_start(start_page(language))
    for name in names:
        assert f"<li>{name}</li>" in section


def test_the_banks_named_are_those_in_the_database_and_active():
    Bank.objects.create(code="snb", name_en="Saudi National Bank", name_ar="البنك الأهلي السعودي")
    Bank.objects.filter(code="anb").update(is_active=False)
    section = before_you_start(start_page("en"))
    assert "<li>Saudi National Bank</li>" in section
    assert "<li>Al Rajhi Bank</li>" in section
    assert "Arab National Bank" not in section


def test_with_no_active_bank_the_page_says_so_rather_than_listing_nothing():
    Bank.objects.update(is_active=False)
    section = before_you_start(start_page("en"))
    assert "No bank can activate accounts at the moment" in section


@pytest.mark.parametrize("language", ["en", "ar"])
def test_before_you_start_lists_the_id_the_mobile_and_the_bank_account(language):
    section = before_you_start(start_page(language))
    for need in (
        "your national ID, iqama or border number (10 digits)",
        "a Saudi mobile number that you can receive SMS on – "
        "the one your bank has on record for you",
        "an account at one of these banks, to activate your account:",
    ):
        assert translated(language, need) in section


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_page_says_who_can_register_how_long_it_takes_and_what_happens_after(
    language, settings
):
    settings.PENDING_TTL_DAYS = 21
    html = start_page(language)
    with translation.override(language):
        expected = [
            translation.gettext("Who can register"),
            translation.gettext("Registering takes about 5 minutes."),
            translation.gettext("After you register"),
            translation.ngettext(
                "Activate your account at your bank within %(days)s day of registering. "
                "If you do not, the registration expires and you need to register again.",
                "Activate your account at your bank within %(days)s days of registering. "
                "If you do not, the registration expires and you need to register again.",
                21,
            )
            % {"days": 21},
        ]
    for text in expected:
        assert text in html, text


@pytest.mark.parametrize("language", ["en", "ar"])
def test_start_now_is_the_green_button_to_the_registration_and_help_is_linked(language):
    html = start_page(language)
    start_now = translated(language, "Start now")
    button = re.search(
        r'<a [^>]*class="button button-primary button-start"[^>]*>(.*?)</a>', html, re.S
    )
    assert button, "no start button"
    assert f'href="{reverse("accounts:register")}"' in button.group(0)
    assert start_now in button.group(1)
    assert f'href="{reverse("pages:help")}"' in html.split("<main", 1)[1].split("</main>")[0]
