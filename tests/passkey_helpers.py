"""Steps the passkey tests share: the JSON calls the page's script makes, and a ready passkey."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.factories import make_user, sign_in_as
from tests.webauthn_authenticator import SoftAuthenticator

ORIGIN = "https://portal.example.sa"
RP_ID = "portal.example.sa"
#: A phone's browser: new passkeys on it are named "Passkey on Android".
ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)


def post_json(client: Client, name: str, body: dict[str, Any] | None = None, **extra: Any) -> Any:
    """POST ``body`` as the page's script does (JSON, asking for JSON back)."""
    return client.post(
        reverse(name),
        data=json.dumps(body or {}),
        content_type="application/json",
        HTTP_ACCEPT="application/json",
        **extra,
    )


def add_options(client: Client) -> dict[str, Any]:
    response = post_json(client, "passkeys:add_options")
    assert response.status_code == 200, response.content
    return response.json()["publicKey"]


def add_passkey(
    client: Client, authenticator: SoftAuthenticator, *, user_agent: str = ANDROID, **bend: Any
) -> Any:
    """Ask for options and answer them with ``authenticator`` (``bend`` goes to its create)."""
    credential = authenticator.create(add_options(client), **bend)
    return post_json(client, "passkeys:add", {"credential": credential}, HTTP_USER_AGENT=user_agent)


def sign_in_options(client: Client) -> dict[str, Any]:
    response = post_json(client, "passkeys:sign_in_options")
    assert response.status_code == 200, response.content
    return response.json()["publicKey"]


def sign_in_with(
    client: Client, authenticator: SoftAuthenticator, *, next_url: str = "", **bend: Any
) -> Any:
    """Sign in with ``authenticator`` on a fresh challenge (``bend`` goes to its get)."""
    credential = authenticator.get(sign_in_options(client), **bend)
    return post_json(client, "passkeys:sign_in", {"credential": credential, "next": next_url})


def account_with_passkey(
    username: str, national_id: str, mobile: str
) -> tuple[User, SoftAuthenticator]:
    """An active account whose passkey was added through the security page (the SMS of it
    already owed), and the authenticator that holds it."""
    account = make_user(username, national_id, mobile, preferred_language="en")
    authenticator = SoftAuthenticator(rp_id=RP_ID, origin=ORIGIN)
    response = add_passkey(sign_in_as(Client(), account), authenticator)
    assert response.status_code == 200, response.content
    return account, authenticator
