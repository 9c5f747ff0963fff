"""Error pages that cannot fail themselves (handlers in absher_portal/urls.py).

Every page is rendered without context processors: no session, no user, no database query. A
page about a failure must not need what may have failed, and a 500 may come from exactly that.
The page is in the language the locale middleware chose, keeps the language switch (it needs
only the CSRF cookie) and names the request id, so support can find the log lines. Should the
template itself break, a short bilingual page stands in: an error page never answers 500 twice.
"""

from __future__ import annotations

import logging
import math
from datetime import timedelta
from typing import Any

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone

from absher_portal.request_id import current_request_id

logger = logging.getLogger(__name__)

#: Shown only if an error template cannot be rendered: plain, bilingual, no assets.
FALLBACK_PAGE = (
    '<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8">'
    "<title>حدث خطأ — An error occurred</title></head><body>"
    "<h1>حدث خطأ. حاول مرة أخرى بعد قليل.</h1>"
    '<p lang="en" dir="ltr">An error occurred. Please try again in a few minutes.</p>'
    "</body></html>"
)


def render_error_page(
    request: HttpRequest | None,
    template_name: str,
    status: int,
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """Render ``template_name`` with ``status`` from the request's path and CSRF cookie only."""
    try:
        page_context: dict[str, Any] = {"request_id": current_request_id(), **(context or {})}
        if request is not None:
            page_context["request"] = request
            page_context["csrf_token"] = get_token(request)
        body = render_to_string(template_name, page_context)
    except Exception:
        logger.exception("the error page %s could not be rendered", template_name)
        body = FALLBACK_PAGE
    response = HttpResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400: a request the portal could not read (a malformed body, a wrong Host header)."""
    return render_error_page(request, "400.html", 400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """403: the page exists, but not for this person."""
    return render_error_page(request, "403.html", 403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404, or 400 when the request body cannot be parsed.

    The CSRF middleware reads ``request.POST`` when the 404 page is rendered: for a URL that did
    not resolve nothing has parsed the body yet, so a malformed multipart body would surface
    there as a 500. Parsing it here first turns that into the 400 it deserves.
    """
    try:
        request.POST  # noqa: B018 - parse where a failure can still be answered
    except (MultiPartParserError, SuspiciousOperation, BadRequest) as error:
        return bad_request(request, error)
    return render_error_page(request, "404.html", 404)


def payload_too_large(request: HttpRequest) -> HttpResponse:
    """413: a body larger than any of the portal's forms (absher_portal/body_limits.py)."""
    return render_error_page(request, "413.html", 413)


def server_error(request: HttpRequest) -> HttpResponse:
    """500: something broke on our side; the details are in the log under the request id."""
    return render_error_page(request, "500.html", 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """403 for a form whose CSRF check failed (``CSRF_FAILURE_VIEW``).

    Almost always an old tab or blocked cookies, not an attack: say how to get going again.
    Django's reason is for the log, not the person.
    """
    logger.warning("CSRF check failed: %s", reason)
    return render_error_page(request, "403_csrf.html", 403)


def too_many_requests(
    request: HttpRequest,
    *,
    message: str,
    retry_after: int,
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """429 with ``message``, when to try again (also as ``Retry-After``) and what to do meanwhile.

    Rendered like any page (the person's session is fine; only their attempts are counted);
    ``context`` carries what the caller wants to keep, such as the refused form.
    """
    retry_after = max(1, retry_after)
    retry_context = {
        "message": message,
        "retry_minutes": max(1, math.ceil(retry_after / 60)),
        "retry_at": timezone.localtime() + timedelta(seconds=retry_after),
        "request_id": current_request_id(),
        **(context or {}),
    }
    response = HttpResponse(
        render_to_string("429.html", retry_context, request=request), status=429
    )
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response
