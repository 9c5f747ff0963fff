"""WSGI entry point of the portal."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "absher_portal.settings")
application = get_wsgi_application()

from absher_portal.safe_request import SafeWSGIRequest  # noqa: E402 (needs settings)

application.request_class = SafeWSGIRequest
