"""Racing calls on a real database (design.md §12): threads released together, one connection each.

``race(calls)`` runs every call in its own thread; a ``threading.Barrier`` releases them all
at once and each thread closes its own database connection when done. SQLite serialises every
writer with a database-wide lock, so the race modules carry ``RACE_MARKS``: PostgreSQL only,
transactional (the threads must see each other's commits), and a serialized rollback, which
restores the seeded banks and channels and, unlike a plain flush, does not re-create content
types that the next serialized test would then insert again.

``LiveClient`` is the slice of Django's test ``Client`` that ``tests.registration_driver``
uses (``get``, ``post``, ``cookies``), over real HTTP to pytest-django's ``live_server``, so the
wizard can be driven by many sessions at once through the whole stack.
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import pytest
import requests
from django.db import connection

from accounts.validators import luhn_is_valid

T = TypeVar("T")

#: Threads per race (issue 6: "16 concurrent ...").
THREADS = 16

RACE_MARKS = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises all writers, so races cannot happen "
        "(set DATABASE_URL=postgres://...)",
    ),
]


def race(calls: Sequence[Callable[[], T]], *, timeout: float = 60) -> list[T | BaseException]:
    """Run each call in its own thread, all released together; return results or exceptions.

    Results are in the calls' order. A call that raises gives its exception, which the test
    then checks; a thread still running after ``timeout`` seconds fails the test (a deadlock
    or a lost wake-up must not pass silently).
    """
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def work(index: int, call: Callable[[], T]) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[index] = call()
        except BaseException as exc:  # recorded and checked by the test
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=work, args=(i, call), name=f"racer-{i}")
        for i, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a racing call hung"
    return outcomes


def citizen_ids(count: int, *, start: int = 10_000_000) -> list[str]:
    """``count`` distinct valid citizen ID numbers (first digit 1, Luhn check digit last)."""
    ids = []
    for body in range(start, start + count):
        prefix = f"1{body:08d}"
        ids.append(next(prefix + d for d in "0123456789" if luhn_is_valid(prefix + d)))
    return ids


def mobiles(count: int, *, start: int = 0) -> list[str]:
    """``count`` distinct Saudi mobile numbers in E.164."""
    return [f"+96655{start + n:07d}" for n in range(count)]


class LiveClient:
    """Enough of ``django.test.Client`` for ``RegistrationDriver``, over real HTTP.

    Relative paths are sent to ``origin``; each post carries the CSRF cookie's value as the
    form token (Django accepts the unmasked secret; without a cookie yet, the page is opened
    first, as a browser would have), and redirects are followed as a browser
    does, so ``response.history`` holds the chain and ``response.text`` the page shown.
    """

    def __init__(self, origin: str, *, language: str = "en") -> None:
        self.origin = origin
        self.http = requests.Session()
        self.cookies = self.http.cookies
        self.cookies.set("django_language", language)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.get(self.origin + path, timeout=30, **kwargs)

    def post(self, path: str, data: dict[str, str] | None = None, **kwargs: Any):
        if "csrftoken" not in self.cookies:
            self.get(path)  # as a browser would have: the form's page sets the CSRF cookie
        form = {**(data or {}), "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
        return self.http.post(self.origin + path, data=form, timeout=30, **kwargs)


_ERROR_MESSAGE = re.compile(r'class="message message-error"[^>]*>\s*<p>(.*?)</p>', re.S)
_ERROR_SUMMARY = re.compile(r'id="error-summary".*?<ul>(.*?)</ul>', re.S)
_ITEM = re.compile(r"<li>(.*?)</li>", re.S)
_TAG = re.compile(r"<[^>]+>")


def page_errors(page: str) -> list[str]:
    """The error texts a page shows: error messages, then the form's error summary."""
    texts = _ERROR_MESSAGE.findall(page)
    for summary in _ERROR_SUMMARY.findall(page):
        texts.extend(_ITEM.findall(summary))
    return [" ".join(html.unescape(_TAG.sub("", text)).split()) for text in texts]


def statuses(response: requests.Response) -> list[int]:
    """Every status code of a response and the redirects before it."""
    return [r.status_code for r in (*response.history, response)]
