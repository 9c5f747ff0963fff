"""Browsers for the tests of signed-in sessions (security.sessions): each a test client with
its own cookies, user agent and address, signed in through the real pages."""

from __future__ import annotations

from http import HTTPStatus

from django.test import Client
from django.urls import reverse

from tests.factories import code_from_sms
from tests.people import PASSWORD

ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"
)
WINDOWS_FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0"
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)


def browser(user_agent: str = ANDROID_CHROME, *, address: str = "198.51.100.7", **kw) -> Client:
    """A browser of its own (cookies), in English unless told, from ``address``."""
    client = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=address, **kw)
    client.cookies["django_language"] = "en"
    return client


def sign_in_through_the_pages(
    client: Client, sms_outbox: list[dict], username: str, password: str = PASSWORD
):
    """Password, then the code sent by SMS, as a person does; the verify step's answer."""
    response = client.post(
        reverse("accounts:login"), {"identifier": username, "password": password}
    )
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()
    code = code_from_sms([m for m in sms_outbox if m["purpose"] == "login"][-1])
    response = client.post(reverse("accounts:login_verify"), {"code": code})
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()
    return response


def is_signed_in(client: Client) -> bool:
    """Whether the client's session still opens the account page."""
    response = client.get(reverse("accounts:account"))
    return response.status_code == HTTPStatus.OK
