"""``next`` never leaves the site, however it is spelled (an attack review of issue 13 item 1).

``/admin/login/?next=`` carries it to the sign-in, through the password and the code; every
redirect on the way must stay a path on this site.
"""

from __future__ import annotations

from http import HTTPStatus
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import reverse

from tests.factories import code_from_sms, make_user
from tests.people import CITIZEN_ID, MOBILE, PASSWORD
from tests.test_signin import LOGIN, VERIFY

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = reverse("admin:login")


@pytest.fixture
def victim():
    return make_user("Victim2024", CITIZEN_ID, MOBILE)


@pytest.mark.parametrize(
    "next_url",
    [
        "/\\evil.example/",
        "/%5Cevil.example/",
        "%2F%2Fevil.example/",
        "///evil.example/",
        " //evil.example/",
        "https:/\\evil.example/",
        "http:evil.example",
        "javascript:alert(1)//",
        "JaVaScRiPt:alert(1)",
        "data:text/html,x",
        "http://testserver@evil.example/",
        "/admin/\r\nSet-Cookie: x=1",
        "\x00//evil.example/",
    ],
)
def test_next_never_leaves_the_site_through_the_admin_login(client, victim, sms_outbox, next_url):
    """``/admin/login/?next=`` then the whole sign-in: every redirect stays a path here."""
    victim.is_staff = True
    victim.save(update_fields=["is_staff"])
    first = client.get(ADMIN_LOGIN, {"next": next_url})
    assert first.status_code == HTTPStatus.FOUND
    forwarded = first["Location"]
    assert forwarded.startswith(f"{LOGIN}?next=")
    carried = client.get(forwarded).context["next"]
    response = client.post(
        LOGIN, {"identifier": "Victim2024", "password": PASSWORD, "next": carried}
    )
    assert response["Location"] == VERIFY
    response = client.post(VERIFY, {"code": code_from_sms(sms_outbox[-1])})
    location = response["Location"]
    landed = urlsplit(urljoin("http://testserver/login/verify/", location.replace("\\", "/")))
    assert (landed.scheme, landed.netloc) == ("http", "testserver"), location
    assert "\r" not in location and "\n" not in location


@pytest.mark.parametrize("next_url", ["abc", "accounts:home", "admin", "../account/"])
def test_a_next_that_is_not_a_path_lands_home_instead_of_failing(
    client, victim, sms_outbox, next_url
):
    """A bare word passed the host check, then Django's ``redirect()`` read it as the name of
    a view and answered 500 after the code was right."""
    client.post(LOGIN, {"identifier": "Victim2024", "password": PASSWORD, "next": next_url})
    response = client.post(VERIFY, {"code": code_from_sms(sms_outbox[-1])})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("accounts:account")
