"""A request body over the portal's limit is refused with 413 before anything reads it.

The portal's pages take short forms and no files, so ``REQUEST_BODY_MAX_BYTES`` (1 MiB) is far
above any of them. Django alone does not bound a body: ``DATA_UPLOAD_MAX_MEMORY_SIZE`` counts
only the non-file parts and only once the body is parsed, and a file part streams to memory or
a temporary file whatever its size. Django never reads past ``Content-Length``, so refusing a
declared length over the limit bounds what it reads; a body without one (``Transfer-Encoding:
chunked``, which no browser sends for a form) is refused too, since its size cannot be known
without reading it. The bank API keeps its own, smaller limit and its JSON 413 (decision 99).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from absher_portal.errors import payload_too_large

#: Paths that bound their own bodies: the bank API (16 KiB, answered in JSON).
OWN_LIMIT_PREFIXES = ("/api/bank/",)


def body_too_large(request: HttpRequest) -> bool:
    """Whether the body is declared over the limit, or of a length not declared at all."""
    if "HTTP_TRANSFER_ENCODING" in request.META:
        return True
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:  # Django reads such a body as empty
        return False
    return declared > settings.REQUEST_BODY_MAX_BYTES


class RequestBodyLimitMiddleware:
    """413 page for a body over ``REQUEST_BODY_MAX_BYTES`` on every path but the bank API's.

    Placed after the locale middleware (the page is in the person's language) and the CSRF
    middleware (its cookie reaches the page's language switch); nothing before reads the body,
    and answering here skips every view, so nothing after does either.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(OWN_LIMIT_PREFIXES) and body_too_large(request):
            return payload_too_large(request)
        return self.get_response(request)
