"""When PostgreSQL or Redis is unreachable, say so politely with a 503, never a 500.

The portal fails closed: without Redis it cannot count code sends or sign-in failures, and
without the database it cannot check anything, so it refuses the request rather than guess.
The person gets a translated "try again in a moment" page with ``Retry-After``; the balancer's
``/healthz`` probe sees the same outage and takes the process out of rotation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

#: Errors that mean "a backing service is down", as opposed to a bug.
OUTAGES = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError)
RETRY_AFTER_SECONDS = 30


def service_unavailable() -> HttpResponse:
    """The 503 page. Rendered without the request, so it reads neither session nor user."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class ServiceUnavailableMiddleware:
    """Turn a database or cache outage raised by a view into the 503 page.

    Rate limits, lockouts and the session are all read inside views, so that is where an
    outage surfaces; Django turns errors raised inside other middleware into 500s on its own.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OUTAGES):
            logger.exception("backing service unavailable")
            return service_unavailable()
        return None
