"""Error views that cannot themselves fail on a request body they cannot parse."""

from __future__ import annotations

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.views import defaults


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 404 page, or 400 when the request body cannot be parsed.

    Django's 404 view is CSRF-protected, and the CSRF check reads ``request.POST``: for a URL
    that did not resolve nothing has parsed the body yet, so a malformed multipart body would
    surface there as a 500. Parsing it here first turns that into the 400 it deserves.
    """
    try:
        request.POST  # noqa: B018 - parse where a failure can still be answered
    except (MultiPartParserError, SuspiciousOperation, BadRequest) as error:
        return defaults.bad_request(request, error)
    return defaults.page_not_found(request, exception)
