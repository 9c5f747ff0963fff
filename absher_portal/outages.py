"""When PostgreSQL or Redis is unreachable, say so politely with a 503, never a 500.

The portal fails closed: without Redis it cannot count code sends or sign-in failures, and
without the database it cannot check anything, so it refuses the request rather than guess.
The person gets a translated "try again in a moment" page with ``Retry-After``; the balancer's
``/healthz`` probe sees the same outage and takes the process out of rotation.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from absher_portal.request_id import current_request_id

logger = logging.getLogger(__name__)

#: Errors that mean "a backing service is down", as opposed to a bug.
OUTAGES = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError)
RETRY_AFTER_SECONDS = 30


def service_unavailable() -> HttpResponse:
    """The 503 page. Rendered without the request, so it reads neither session nor user.

    The request id comes from its context variable (absher_portal/request_id.py), so the page
    still gives the person a reference for support.
    """
    page = render_to_string("503.html", {"request_id": current_request_id()})
    response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


@receiver(got_request_exception, dispatch_uid="absher_portal.outages.note_outage")
def note_outage(sender: object, request: HttpRequest | None = None, **kwargs: object) -> None:
    """Mark a request whose unhandled error was an outage (Django sends this with the error
    being handled, wherever it was raised: a view, or a middleware such as sessions')."""
    if request is not None and isinstance(sys.exc_info()[1], OUTAGES):
        request._portal_outage = True  # type: ignore[attr-defined]


class ServiceUnavailableMiddleware:
    """Turn a database or cache outage into the 503 page, wherever it surfaced.

    Outermost but for the request id: Django turns an error raised inside any inner middleware
    (the session read before the view, the session save after it) into a 500 response at that
    layer; ``note_outage`` marks the request, and this swaps such a 500 for the 503 page.
    Errors raised by views come through ``process_exception`` first, before the session is
    saved, so the 503 does not depend on the session store working.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, "_portal_outage", False):
            return service_unavailable()
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OUTAGES):
            logger.exception("backing service unavailable")
            return service_unavailable()
        return None
