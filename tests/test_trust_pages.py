"""Terms, privacy, accessibility, help and contact: there, linked, and named from settings.

Issue 14 item 8: before, the registration checkbox accepted terms nobody could read, nothing
said what happens to a person's data, and an error page gave a 32-character reference with no
one to give it to. These tests are the person's side of that: each page opens in both
languages, every page's footer leads to them, the contact details are the operator's (from
settings), the terms open from the registration step without losing the form, and an error
page says how to use its reference and whom to call.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from absher_portal import outages
from absher_portal.request_id import readable_reference
from tests.registration_driver import RegistrationDriver, step_url

PAGES = [
    ("pages:terms", "Terms of use"),
    ("pages:privacy", "Privacy notice"),
    ("pages:accessibility", "Accessibility statement"),
    ("pages:help", "Help with registration and activation"),
    ("pages:contact", "Contact us"),
]
LANGUAGES = [("ar", "rtl"), ("en", "ltr")]


def client_in(language: str, **kwargs) -> Client:
    client = Client(raise_request_exception=False, **kwargs)
    client.cookies["django_language"] = language
    return client


def translated(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


def footer_of(html: str) -> str:
    return html[html.index('<footer class="site-footer">') :]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "title"), PAGES)
@pytest.mark.parametrize(("language", "direction"), LANGUAGES)
def test_each_page_opens_in_both_languages_with_its_title(name, title, language, direction):
    response = client_in(language).get(reverse(name))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{language}" dir="{direction}">' in html
    heading = translated(language, title)
    assert f'<h1 id="page-title">{heading}</h1>' in html
    assert re.search(rf"<title>{re.escape(heading)} – ", html)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/", "/login/", "/register/identity/", "/password-reset/", "/help/", "/no-such-page/"]
)
@pytest.mark.parametrize(("language", "direction"), LANGUAGES)
def test_every_page_footer_links_to_the_support_pages(url, language, direction):
    html = client_in(language).get(url, follow=True).content.decode()
    footer = footer_of(html)
    assert f'<nav aria-label="{translated(language, "Support links")}">' in footer
    for name, _title in PAGES:
        assert f'href="{reverse(name)}"' in footer
    assert "modelled on Absher" not in html
    assert translated(language, "modelled on Absher") not in html or language == "en"


@pytest.mark.django_db
def test_the_logo_is_a_drawn_mark_not_a_letter_that_reads_as_an_i(client):
    html = client.get("/").content.decode()
    brand = html[html.index('class="brand"') : html.index("</a>", html.index('class="brand"'))]
    assert "<svg" in brand
    assert "أ</span>" not in brand


@pytest.mark.django_db
def test_the_operator_and_support_details_come_from_settings(settings):
    settings.SERVICE_NAME = {"en": "Tawasul Registration", "ar": "تسجيل تواصل"}
    settings.OPERATOR_NAME = {"en": "Digital Services Agency", "ar": "وكالة الخدمات الرقمية"}
    settings.SUPPORT_PHONE = "+966 11 234 5678"
    settings.SUPPORT_EMAIL = "help@tawasul.example.sa"
    settings.SUPPORT_HOURS = {"en": "Sunday to Thursday, 8am to 8pm", "ar": "من الأحد إلى الخميس"}
    english = client_in("en").get(reverse("pages:contact")).content.decode()
    assert '<a href="tel:+966112345678">' in english
    assert '<a href="mailto:help@tawasul.example.sa">' in english
    assert "Sunday to Thursday, 8am to 8pm" in english
    assert "Digital Services Agency" in footer_of(english)
    assert re.search(r"<title>Contact us – Tawasul Registration</title>", english)
    arabic = client_in("ar").get(reverse("pages:contact")).content.decode()
    assert "تسجيل تواصل" in arabic and "وكالة الخدمات الرقمية" in arabic
    assert "من الأحد إلى الخميس" in arabic
    assert "Tawasul Registration" not in arabic


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "direction"), LANGUAGES)
def test_the_terms_checkbox_links_to_the_terms_in_a_new_tab(
    client, sms_outbox, language, direction
):
    client.cookies["django_language"] = language
    RegistrationDriver(client, sms_outbox).identity_step()
    html = client.get(step_url("account")).content.decode()
    start = html.index('id="id_account-accept_terms_helptext"')
    hint = html[start : html.index("</div>", start)]
    new_tab = translated(language, "opens in new tab")
    for name in ("pages:terms", "pages:privacy"):
        link = re.search(rf'<a href="{reverse(name)}"[^>]*>[^<]*</a>', hint)
        assert link, hint
        assert 'target="_blank"' in link.group(0) and 'rel="noopener"' in link.group(0)
        assert f"({new_tab})" in link.group(0)
    checkbox = re.search(r'<input type="checkbox"[^>]*name="account-accept_terms"[^>]*>', html)
    assert "id_account-accept_terms_helptext" in checkbox.group(0)  # read with the checkbox


def test_a_reference_is_shortened_and_grouped_to_read_out_on_a_phone():
    assert readable_reference("3f9a1c2b7d40e5f6a7b8c9d0e1f2a3b4") == "3F9A-1C2B-7D40"
    assert readable_reference("") == ""
    # A proxy's id of another shape is shown whole: there is no telling which part is unique.
    assert readable_reference("lb-7-abc") == "lb-7-abc"


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.error_urls"


@pytest.mark.parametrize("url", ["/no-such-page/", "/test-errors/500/", "/test-errors/403/"])
@pytest.mark.parametrize(("language", "direction"), LANGUAGES)
def test_an_error_page_says_how_to_use_its_reference_and_whom_to_contact(
    production, settings, url, language, direction
):
    settings.SUPPORT_PHONE = "+966 11 234 5678"
    settings.SUPPORT_EMAIL = "help@tawasul.example.sa"
    response = client_in(language).get(url)
    html = response.content.decode()
    reference = readable_reference(response["X-Request-ID"])
    assert re.fullmatch(r"[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}", reference)
    assert f'<bdi dir="ltr">{reference}</bdi>' in html
    assert translated(language, "If you contact us about this, give this reference:") in html
    assert '<a href="tel:+966112345678">' in html
    assert '<a href="mailto:help@tawasul.example.sa">' in html


@pytest.mark.parametrize(("language", "direction"), LANGUAGES)
def test_the_503_page_gives_its_reference_and_the_contact_too(language, direction):
    with translation.override(language):
        response = outages.service_unavailable()
    html = response.content.decode()
    assert "tel:" in html and "mailto:" in html


def test_the_pages_app_is_a_leaf():
    """Every page, error pages included, loads its tags: they must not pull in an app's models."""
    from tests.test_architecture import offenders

    assert offenders(("pages",), {"accounts", "activation", "sms"}) == {}
