"""The passkeys on the security page and the login page (passkeys/templates, design.md §19):
listed with their dates, renamed by a plain form, removed after a confirmation page; the
passkey buttons are in the pages hidden, for passkeys.js to show where WebAuthn exists."""

from __future__ import annotations

import re
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountEvent, Notice
from passkeys.models import NAME_MAX_LENGTH, Passkey
from passkeys.services import MAX_PASSKEYS
from tests.factories import make_user, sign_in_as
from tests.passkey_helpers import account_with_passkey
from tests.people import CITIZEN_ID, MOBILE, OTHER_CITIZEN_ID, OTHER_MOBILE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_origin")]


@pytest.fixture
def owner():
    account, _ = account_with_passkey("sara2024", CITIZEN_ID, MOBILE)
    return account


@pytest.fixture
def browser(owner) -> Client:
    client = sign_in_as(Client(), owner)
    client.cookies["django_language"] = "en"
    return client


def page(client: Client, url: str | None = None) -> str:
    response = client.get(url or reverse("security:page"))
    assert response.status_code == HTTPStatus.OK
    return response.content.decode()


def test_the_section_lists_each_passkey_with_when_it_was_added_and_last_used(owner, browser):
    Passkey.objects.filter(owner=owner).update(last_used_at=timezone.now() - timedelta(days=1))
    Passkey.objects.create(owner=owner, credential_id=b"k" * 16, public_key=b"k", name="Sara’s key")

    html = page(browser)

    assert html.index('id="passkeys-title"') < html.index("Passkey on Android")
    assert '<h3 class="passkey-name">Passkey on Android</h3>' in html
    assert '<h3 class="passkey-name">Sara’s key</h3>' in html
    passkeys = html[html.index('id="passkeys-title"') : html.index('id="app-title"')]
    assert len(re.findall(r'<time datetime="[^"]+"><bdi>', passkeys)) == 3  # 2 added, 1 used
    assert "Not used yet" in html


def test_the_section_comes_first_on_the_security_page(browser):
    html = page(browser)
    assert html.index("<h1>Security</h1>") < html.index('id="passkeys-title"')


def test_rename_and_remove_links_name_the_passkey_for_screen_readers(owner, browser):
    passkey = Passkey.objects.get(owner=owner)

    html = page(browser)

    rename = reverse("passkeys:rename", args=[passkey.pk])
    hidden = '<span class="visually-hidden"> the passkey “Passkey on Android”</span>'
    assert f'<a href="{rename}">Rename{hidden}</a>' in html


def test_the_add_button_is_rendered_hidden_for_the_script_to_show(browser):
    html = page(browser)

    button = re.search(r"<button[^>]*data-passkey-button[^>]*>([^<]*)</button>", html)
    assert button and " hidden" in button.group(0)
    assert button.group(1) == "Add a passkey"
    assert "To add a passkey, open this page in a browser that supports passkeys" in html
    assert re.search(r'<script src="[^"]*js/passkeys\.js" defer></script>', html)


def test_the_add_button_is_in_arabic_on_an_arabic_page(browser):
    browser.cookies["django_language"] = "ar"
    assert "إضافة مفتاح مرور</button>" in page(browser)


def test_a_person_without_passkeys_is_told_so(browser, owner):
    Passkey.objects.filter(owner=owner).delete()
    assert "You have not added a passkey yet." in page(browser)


def test_at_the_most_passkeys_the_button_gives_way_to_saying_so(owner, browser):
    for number in range(1, MAX_PASSKEYS):
        Passkey.objects.create(
            owner=owner, credential_id=bytes([number]) * 16, public_key=b"k", name=f"Key {number}"
        )

    html = page(browser)

    assert f"You have the most passkeys an account can have ({MAX_PASSKEYS})." in html
    assert "data-passkey-add" not in html


def test_the_script_is_only_on_the_pages_that_need_it(browser, client):
    assert "passkeys.js" not in page(browser, reverse("accounts:account"))
    assert "passkeys.js" not in client.get(reverse("accounts:password_reset")).content.decode()


# --- rename ----------------------------------------------------------------------------------
def test_a_passkey_is_renamed_by_a_plain_form(owner, browser):
    passkey = Passkey.objects.get(owner=owner)
    url = reverse("passkeys:rename", args=[passkey.pk])
    assert 'value="Passkey on Android"' in page(browser, url)

    response = browser.post(url, {"name": "  Sara’s phone  "}, follow=True)

    passkey.refresh_from_db()
    assert passkey.name == "Sara’s phone"
    assert response.redirect_chain == [(reverse("security:page"), HTTPStatus.FOUND)]
    assert "Passkey renamed: “Sara’s phone”." in response.content.decode()
    assert not AccountEvent.objects.filter(kind="passkey_renamed").exists()


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("", "required"),
        ("   ", "required"),
        ("x" * (NAME_MAX_LENGTH + 1), "max_length"),
        ("phone\x00", "null_characters_not_allowed"),  # Django's own check, said once
        ("phone\u202egnp.exe", "name_characters"),
        ("line\nbreak", "name_characters"),
        ("passkey ON android 2", None),
    ],
)
def test_a_name_must_be_short_visible_and_not_another_passkeys(owner, browser, name, code):
    Passkey.objects.create(
        owner=owner, credential_id=b"k" * 16, public_key=b"k", name="Passkey on Android 2"
    )
    passkey = Passkey.objects.filter(owner=owner).first()

    response = browser.post(reverse("passkeys:rename", args=[passkey.pk]), {"name": name})

    assert response.status_code == HTTPStatus.OK
    form = response.context["form"]
    assert [error.code for error in form.errors.as_data()["name"]] == [code or "name_taken"]
    assert "error-summary" in response.content.decode()


def test_zero_width_joiners_of_arabic_and_persian_names_are_kept(owner, browser):
    passkey = Passkey.objects.get(owner=owner)

    browser.post(reverse("passkeys:rename", args=[passkey.pk]), {"name": "هاتف\u200cسارة"})

    passkey.refresh_from_db()
    assert passkey.name == "هاتف\u200cسارة"


def test_the_rename_errors_are_in_arabic_on_an_arabic_page(owner, browser):
    browser.cookies["django_language"] = "ar"
    passkey = Passkey.objects.get(owner=owner)

    response = browser.post(reverse("passkeys:rename", args=[passkey.pk]), {"name": ""})

    assert "أدخل اسمًا لمفتاح المرور." in response.content.decode()


def test_another_persons_passkey_cannot_be_renamed_or_removed(owner):
    passkey = Passkey.objects.get(owner=owner)
    stranger = sign_in_as(Client(), make_user("omar2024", OTHER_CITIZEN_ID, OTHER_MOBILE))

    assert (
        stranger.post(reverse("passkeys:rename", args=[passkey.pk]), {"name": "mine"}).status_code
        == 404
    )
    assert stranger.post(reverse("passkeys:remove", args=[passkey.pk])).status_code == 404
    assert Passkey.objects.get(pk=passkey.pk).name == "Passkey on Android"


# --- remove ----------------------------------------------------------------------------------
def test_removing_asks_first_then_removes_records_and_tells(
    owner, browser, sms_outbox, django_capture_on_commit_callbacks
):
    passkey = Passkey.objects.get(owner=owner)
    url = reverse("passkeys:remove", args=[passkey.pk])
    confirm = page(browser, url)
    assert "<h1>Remove the passkey “Passkey on Android”?</h1>" in confirm
    assert 'class="button button-warning">Remove passkey</button>' in confirm
    assert Passkey.objects.filter(pk=passkey.pk).exists()  # asking removes nothing
    sms_outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(url, follow=True)

    assert not Passkey.objects.filter(pk=passkey.pk).exists()
    assert "Passkey removed: “Passkey on Android”." in response.content.decode()
    event = AccountEvent.objects.get(account=owner, kind=AccountEvent.Kind.PASSKEY_REMOVED)
    assert event.details == {"name": "Passkey on Android"}
    assert Notice.objects.filter(subject_id=event.pk).exists()
    assert len(sms_outbox) == 1
    assert sms_outbox[0]["body"].startswith("A passkey was removed from your Absher portal account")


def test_removing_needs_a_recent_sign_in(owner, frozen):
    browser = sign_in_as(Client(), owner)
    passkey = Passkey.objects.get(owner=owner)
    url = reverse("passkeys:remove", args=[passkey.pk])
    frozen.shift(6 * 60)

    asked = browser.get(url)
    posted = browser.post(url)

    assert asked.status_code == posted.status_code == HTTPStatus.FOUND
    assert asked["Location"].startswith(reverse("security:confirm"))
    assert Passkey.objects.filter(pk=passkey.pk).exists()


def test_renaming_does_not_need_a_recent_sign_in(owner, frozen):
    browser = sign_in_as(Client(), owner)
    passkey = Passkey.objects.get(owner=owner)
    frozen.shift(6 * 60)

    browser.post(reverse("passkeys:rename", args=[passkey.pk]), {"name": "Old phone"})

    assert Passkey.objects.get(pk=passkey.pk).name == "Old phone"


# --- the login page ----------------------------------------------------------------------------
def test_the_login_page_offers_passkeys_in_the_identifier_and_a_hidden_button(client):
    client.cookies["django_language"] = "ar"

    html = client.get(reverse("accounts:login") + "?next=/account/password/").content.decode()

    assert re.search(r'<input[^>]*name="identifier"[^>]*autocomplete="username webauthn"', html)
    block = re.search(r'<div class="passkey-signin" data-passkey-signin hidden[^>]*>', html)
    assert block and 'data-next="/account/password/"' in block.group(0)
    assert "تسجيل الدخول بمفتاح مرور</button>" in html
    assert re.search(r'<script src="[^"]*js/passkeys\.js" defer></script>', html)
