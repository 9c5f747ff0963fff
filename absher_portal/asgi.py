"""ASGI entry point of the portal."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "absher_portal.settings")
application = get_asgi_application()

from absher_portal.safe_request import SafeASGIRequest  # noqa: E402 (needs settings)

application.request_class = SafeASGIRequest
