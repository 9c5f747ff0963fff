"""Request bodies over the portal's limit (issue 13 item 6, attack 7): 413 before anything reads
them, on a translated page; the bank API keeps its own 16 KiB limit and JSON answer."""

from __future__ import annotations

import io
from http import HTTPStatus

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
HUNDRED_MB = 100 * 1024 * 1024
BOUNDARY = "----portal-test"


def multipart_with_a_file() -> bytes:
    return (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="identifier"\r\n\r\nahmed2024\r\n'
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="upload"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n" + "x" * 1024 + f"\r\n--{BOUNDARY}--\r\n"
    ).encode()


def heading(language: str) -> str:
    with translation.override(language):
        return translation.gettext("What you sent is too large")


class UnreadableBody(io.RawIOBase):
    """A body the portal must not read: 100 MB arriving, or a chunked stream."""

    def read(self, size=-1):
        raise AssertionError("the body was read")

    readline = read


def wsgi_post(path: str, language: str, **environ) -> tuple[str, bytes]:
    """POST through the WSGI handler, as gunicorn would, with a body that must stay unread."""
    base = RequestFactory().post(path).environ
    base.update(
        {
            "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
            "HTTP_COOKIE": f"django_language={language}",
            "wsgi.input": UnreadableBody(),
            **environ,
        }
    )
    if "CONTENT_LENGTH" not in environ:
        del base["CONTENT_LENGTH"]  # chunked: no length declared
    statuses = []
    body = b"".join(
        WSGIHandler()(base, lambda status, headers, *_: statuses.append(status))  # type: ignore[arg-type]
    )
    return statuses[0], body


@pytest.mark.parametrize("language", ["ar", "en"])
def test_a_declared_hundred_mb_multipart_post_to_login_is_refused_unread(language):
    client = Client(raise_request_exception=False)
    client.cookies["django_language"] = language
    response = client.post(
        LOGIN,
        multipart_with_a_file(),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(HUNDRED_MB),
    )
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    html = response.content.decode()
    assert f'<html lang="{language}"' in html
    assert heading(language) in html
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("language", ["ar", "en"])
def test_a_hundred_mb_body_through_wsgi_is_refused_before_it_is_read(language):
    status, body = wsgi_post(LOGIN, language, CONTENT_LENGTH=str(HUNDRED_MB))
    assert status.startswith("413")
    assert heading(language) in body.decode()


@pytest.mark.parametrize("language", ["ar", "en"])
def test_a_chunked_body_without_length_is_refused_before_it_is_read(language):
    status, body = wsgi_post(LOGIN, language, HTTP_TRANSFER_ENCODING="chunked")
    assert status.startswith("413")
    assert heading(language) in body.decode()


def test_a_body_just_over_the_limit_is_refused_and_one_at_it_is_read(settings):
    settings.REQUEST_BODY_MAX_BYTES = 2048
    client = Client(raise_request_exception=False)
    form = "identifier=ahmed2024&password=Wr0ngPassw9x&pad="
    at_limit = (form + "y" * (2048 - len(form))).encode()
    assert len(at_limit) == 2048
    urlencoded = "application/x-www-form-urlencoded"
    assert client.post(LOGIN, at_limit, content_type=urlencoded).status_code == HTTPStatus.OK
    over = client.post(LOGIN, at_limit + b"y", content_type=urlencoded)
    assert over.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE


def test_a_normal_sign_in_form_is_still_answered():
    response = Client().post(LOGIN, {"identifier": "ahmed2024", "password": "Wr0ngPassw9x"})
    assert response.status_code == HTTPStatus.OK


def test_the_bank_api_keeps_its_own_limit_and_json_answer():
    response = Client().post(
        "/api/bank/v1/activations",
        b"{}",
        content_type="application/json",
        CONTENT_LENGTH=str(HUNDRED_MB),
    )
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert response.json()["error"] == "body_too_large"
