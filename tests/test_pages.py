"""Every page renders in both languages, with the language switch, and bad input never 500s."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.registration_driver import RegistrationDriver, step_url

pytestmark = pytest.mark.django_db

PAGES = ["accounts:home", "accounts:login", "accounts:password_reset"]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize(("language", "direction"), [("ar", "rtl"), ("en", "ltr")])
def test_page_renders_in_language_with_direction_and_switch(client, name, language, direction):
    client.cookies["django_language"] = language
    response = client.get(reverse(name))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{language}" dir="{direction}">' in html
    assert f'action="{reverse("set_language")}"' in html
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.parametrize("step", ["identity", "account", "verify"])
def test_wizard_pages_are_never_cached(client, sms_outbox, step):
    RegistrationDriver(client, sms_outbox).identity_step()
    response = client.get(step_url(step))
    assert "no-store" in response["Cache-Control"]


def test_language_switch_is_a_post_that_sets_the_cookie(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"


NASTY = ["", " ", "\x00", "😀" * 50, "ا" * 5000, "<script>alert(1)</script>", "1" * 100_000]


@pytest.mark.parametrize("value", NASTY)
def test_identity_step_survives_hostile_values(client, value):
    client.get(step_url("identity"))
    response = client.post(
        step_url("identity"),
        {"identity-national_id": value, "identity-mobile": value, "identity-email": value},
    )
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


@pytest.mark.parametrize("value", NASTY)
def test_account_and_verify_steps_survive_hostile_values(client, sms_outbox, value):
    driver = RegistrationDriver(client, sms_outbox)
    driver.identity_step()
    fields = [
        "username",
        "password1",
        "password2",
        "preferred_language",
        "captcha_0",
        "captcha_1",
        "accept_terms",
    ]
    response = driver.post_step("account", dict.fromkeys(fields, value))
    assert response.status_code == 200
    assert response.context["wizard"]["form"].errors


@pytest.mark.parametrize("value", NASTY)
def test_verify_step_survives_hostile_codes(client, sms_outbox, value):
    driver = RegistrationDriver(client, sms_outbox)
    driver.identity_step()
    driver.account_step()
    response = client.post(step_url("verify"), {"verify-code": value})
    assert response.status_code == 200
    assert response.context["wizard"]["form"].errors["code"]


def test_unknown_step_is_not_found(client):
    assert client.get("/register/nonsense/").status_code == 404
