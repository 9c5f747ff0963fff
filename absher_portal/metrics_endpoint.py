"""``/metrics``: the portal's counters for Prometheus, shown only to whom may read them.

Allowed: a client whose address (as :func:`client_ip.strict_client_address` tells it, so an
``X-Forwarded-For`` a client wrote itself never counts) lies in ``METRICS_ALLOWED_NETWORKS``
(loopback by default), or a request with ``Authorization: Bearer <METRICS_TOKEN>``, compared
in constant time. Anyone else gets the portal's ordinary 404 page, as for a URL that does not
exist: the endpoint is not advertised.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST

from absher_portal import client_ip, metrics

BEARER = "bearer "


def _token_ok(request: HttpRequest) -> bool:
    expected = settings.METRICS_TOKEN
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not expected or header[: len(BEARER)].lower() != BEARER:
        return False
    given = header[len(BEARER) :].strip()
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


def may_scrape(request: HttpRequest) -> bool:
    """Whether this request may read the metrics (token, or an allowed network)."""
    if _token_ok(request):
        return True
    address = client_ip.strict_client_address(request)
    return client_ip.address_in(address, settings.METRICS_ALLOWED_NETWORKS)


@never_cache
@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    """The exposition text; a 404 like any unknown URL for whoever may not read it."""
    if not may_scrape(request):
        raise Http404
    return HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)
