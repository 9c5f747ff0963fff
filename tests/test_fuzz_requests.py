"""Every endpoint, sent broken requests: no answer is a 5xx, nothing is half-written.

Every HTTP method on every endpoint; bodies in wrong and malformed content types, invalid
UTF-8, NUL bytes, a 1 MB value, and bodies and field counts over Django's limits (those are
400s); query strings of raw non-UTF-8 bytes or thousands of fields; malformed Content-Type
parameters through the WSGI application itself. Anonymously and signed in. The fixtures
(``tests.fuzzing``) count the cases, fail on any 5xx or logged error, and check the rows.
"""

from __future__ import annotations

import io
from urllib.parse import unquote

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from absher_portal.wsgi import application
from tests.factories import sign_in_as
from tests.fuzzing import FORMS, METHODS, URLENCODED, client

pytest_plugins = ["tests.fuzzing"]
pytestmark = pytest.mark.django_db


def test_every_method_on_every_endpoint(ledger, accounts):
    anonymous, signed_in = client(), client()
    sign_in_as(signed_in, accounts.active)
    for browser in (anonymous, signed_in):
        for path in FORMS:
            for method in METHODS:
                ledger.send(browser, method, path)


BROKEN_BODIES = [
    ("invalid UTF-8", URLENCODED, b"identifier=\xff\xfe&password=%ff%fe%00&code=\xc3"),
    ("NUL bytes", URLENCODED, b"national_id=1%00000000008&mobile=\x00\x00&x\x00=1"),
    ("JSON as a form", "application/json", b'{"identifier": ["x"], "code": {"a": 1}}'),
    ("text", "text/plain; charset=utf-8", "نص عربي".encode()),
    ("unknown charset", "application/x-www-form-urlencoded; charset=klingon", b"code=1"),
    ("multipart without boundary", "multipart/form-data", b"--x\r\nContent-Disposition: x\r\n"),
    (
        "multipart cut short",
        "multipart/form-data; boundary=zz",
        b'--zz\r\nContent-Disposition: form-data; name="code"\r\n\r\n12',
    ),
    (
        "multipart bad header",
        "multipart/form-data; boundary=zz",
        b"--zz\r\n\xff\xfe: \x00\r\n\r\nx\r\n--zz--\r\n",
    ),
    ("empty content type", "", b"code=123456"),
    (
        "one megabyte value",
        URLENCODED,
        b"identifier=" + b"a" * 1_048_576 + b"&code=" + b"\xd9\xa1" * 1000,
    ),
    ("three megabyte body", URLENCODED, b"code=" + b"7" * 3_000_000),
    ("ten thousand fields", URLENCODED, b"&".join(b"f%d=1" % i for i in range(10_000))),
    ("ten thousand duplicates", URLENCODED, b"&".join([b"code=1"] * 10_000)),
]
BROKEN_QUERIES = [
    "\xff\xfe=\xc3\x28",  # raw bytes that are not UTF-8 (WSGI passes them as latin-1)
    "q=%ff%fe%00&next=%c0%af",
    "next=" + "%2F" * 5000,
    "&".join(f"p{i}=1" for i in range(2000)),
]


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_broken_bodies_and_query_strings_on_every_endpoint(ledger, accounts, signed_in):
    browser = client()
    if signed_in:
        sign_in_as(browser, accounts.active)
    for path in FORMS:
        for name, content_type, body in BROKEN_BODIES:
            ledger.send(browser, "POST", path, data=body, content_type=content_type)
            del name
        for query in BROKEN_QUERIES:
            ledger.send(browser, "GET", path, QUERY_STRING=query)
            ledger.send(
                browser, "POST", path, QUERY_STRING=query, data=b"", content_type=URLENCODED
            )


def wsgi_status(path: str, content_type: str, body: bytes = b"code=1") -> int:
    """POST ``body`` through the portal's WSGI application; return the status code."""
    token = "a" * 32  # the same CSRF secret in the cookie and the header
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": unquote(path, encoding="latin-1"),  # WSGI: bytes as latin-1
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "HTTP_COOKIE": f"csrftoken={token}",
        "HTTP_X_CSRFTOKEN": token,
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
    }
    statuses: list[str] = []
    # As Django's test client does: keep the test's database connection open.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        chunks = application(
            environ, lambda status, headers, exc_info=None: statuses.append(status)
        )
        b"".join(chunks)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return int(statuses[0][:3])


def test_malformed_content_type_parameters_through_the_wsgi_application(ledger, accounts):
    """Django's own request class crashes on these (#36991); the portal's must not."""
    content_types = [
        "application/x-www-form-urlencoded; charset*=bogus''x",
        "multipart/form-data; boundary*=utf-8''%ff",
        "multipart/form-data",
        "text/plain; charset=\x00",
        ";;;;=",
    ]
    for path in FORMS:
        for content_type in content_types:
            status = wsgi_status(path, content_type)
            ledger.record_status(status, f"POST {path} {content_type!r}")


@pytest.mark.parametrize("path", ["/no-such-page/", "/static/no-such-file.css"])
def test_unparseable_body_posted_to_an_unknown_url_is_a_bad_request(db, path):
    assert wsgi_status(path, "multipart/form-data", b"--x\r\n") == 400
