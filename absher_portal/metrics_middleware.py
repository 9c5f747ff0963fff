"""How long each request takes, per resolved URL name, into ``portal_request_duration_seconds``.

Outermost in MIDDLEWARE, so the time covers every middleware too. The label is the URL's
``view_name`` (``accounts:login``), never the path: a path can hold anything a client typed.
A request no URL matched (a 404, a probe) is ``unmatched``; a static file WhiteNoise served
before any URL was resolved is ``static``. It costs a few microseconds (README, "Metrics").
"""

from __future__ import annotations

from collections.abc import Callable
from time import perf_counter

from django.http import HttpRequest, HttpResponse
from prometheus_client import Histogram
from whitenoise.middleware import WhiteNoiseFileResponse

from absher_portal.metrics import REQUEST_DURATION

UNMATCHED = "unmatched"
STATIC = "static"


class RequestLatencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        # The labelled child per view, made on first use in this process (never in the
        # master before the fork: no request is served there).
        self._children: dict[str, Histogram] = {}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = perf_counter()
        response = self.get_response(request)
        elapsed = perf_counter() - started
        match = request.resolver_match
        if match is not None:
            view = match.view_name
        elif isinstance(response, WhiteNoiseFileResponse):
            view = STATIC
        else:
            view = UNMATCHED
        child = self._children.get(view)
        if child is None:
            child = self._children[view] = REQUEST_DURATION.labels(view)
        child.observe(elapsed)
        return response
