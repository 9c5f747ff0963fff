"""A request id for every request: logged, echoed to the client, stored on account events."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

from absher_portal.client_ip import from_trusted_proxy

_request_id: ContextVar[str] = ContextVar("request_id", default="")
_ACCEPTED = re.compile(r"[A-Za-z0-9._-]{8,64}")
_HEX_ID = re.compile(r"[0-9a-fA-F]{16,}")
#: Hex characters of an id shown to a person: 48 bits, unique among any day's requests.
READABLE_LENGTH = 12


def current_request_id() -> str:
    """The id of the request being served, or ``""`` outside a request (commands, tasks)."""
    return _request_id.get()


def readable_reference(request_id: str) -> str:
    """The form of ``request_id`` a person can read out on the phone: ``3F9A-1C2B-7D40``.

    Our ids (and nginx's) are 32 hex characters; read aloud, that is too long to get right.
    The first 12, upper case, in groups of four, find the log lines just as well: support
    searches the logs for ids starting with them, ignoring case (decision 161). An id of
    another shape, named by a proxy, is shown whole: which part of it is unique is unknown.
    """
    if not _HEX_ID.fullmatch(request_id):
        return request_id
    head = request_id[:READABLE_LENGTH].upper()
    return "-".join(head[start : start + 4] for start in range(0, READABLE_LENGTH, 4))


class RequestIdMiddleware:
    """Take a sane ``X-Request-ID`` from our proxy, or make one; echo it on the response.

    Only a connection from a trusted proxy may name the id: it is stored on account events as
    an audit field, and a client must not be able to forge it or put personal data in it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "") if from_trusted_proxy(request) else ""
        request_id = incoming if _ACCEPTED.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response
