"""The two references served by the same gunicorn as the portal (issue 8).

``ok`` is the framework ceiling: Django and the portal's middleware stack with nothing to do
(it reads no session, so no session row is written). ``session_write`` is the same stack with
one session write per request (``cached_db``: Redis and PostgreSQL), like every wizard step.
"""

from django.http import HttpRequest, HttpResponse


def ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def session_write(request: HttpRequest) -> HttpResponse:
    request.session["bench_hits"] = request.session.get("bench_hits", 0) + 1
    return HttpResponse("ok", content_type="text/plain")
