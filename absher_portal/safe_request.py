"""Requests whose malformed Content-Type header cannot crash Django (ticket #36991).

Django 5.2.19 parses ``Content-Type`` parameters while building the request, before any
middleware or view runs; a value such as ``application/json; charset*=bogus''x`` raises
there and becomes a plain-text 500 on every URL. The fix (a 400) is merged upstream; until a
5.2 release carries it, these request classes keep the media type and drop the broken
parameters, so the view decides (the bank API answers 415 or 400, never 500).
"""

from __future__ import annotations

from django.core.handlers.asgi import ASGIRequest
from django.core.handlers.wsgi import WSGIRequest


class _SafeContentTypeMixin:
    def _set_content_type_params(self, meta):  # type: ignore[no-untyped-def]
        try:
            super()._set_content_type_params(meta)  # type: ignore[misc]
        except (ValueError, LookupError, UnicodeError):
            raw = meta.get("CONTENT_TYPE", "")
            self.content_type = raw.split(";", 1)[0].strip().lower()
            self.content_params = {}


class SafeWSGIRequest(_SafeContentTypeMixin, WSGIRequest):
    pass


class SafeASGIRequest(_SafeContentTypeMixin, ASGIRequest):
    pass
