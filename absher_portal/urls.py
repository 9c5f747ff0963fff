"""URLs of the portal. Pages are not prefixed by language: the choice lives in a cookie."""

from django.contrib import admin
from django.urls import include, path
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from absher_portal.health import healthz
from absher_portal.metrics_endpoint import metrics_view
from pages.service import service_details


def _admin_header() -> str:
    """The admin's heading, naming the service as settings name it (SERVICE_NAME_EN/_AR)."""
    return gettext("%(service)s administration") % {"service": service_details().name}


def _admin_title() -> str:
    """The end of every admin page's ``<title>``, the service named as in the heading."""
    return gettext("%(service)s staff") % {"service": service_details().name}


# Lazy: the language and the settings are read at each page, not once at import.
admin.site.site_header = lazy(_admin_header, str)()
admin.site.site_title = lazy(_admin_title, str)()
admin.site.index_title = _("Accounts and bank activation")

# Error pages that render without session or database (absher_portal/errors.py).
handler400 = "absher_portal.errors.bad_request"
handler403 = "absher_portal.errors.permission_denied"
handler404 = "absher_portal.errors.page_not_found"
handler500 = "absher_portal.errors.server_error"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    # The captcha's recording (espeak-ng, the page's language) before simple-captcha's own.
    path("captcha/", include("accounts.audio_captcha.urls")),
    path("captcha/", include("captcha.urls")),
    path("admin/", admin.site.urls),
    path("api/bank/v1/", include("activation.urls")),
    path("sms/", include("sms.urls")),
    path("", include("pages.urls")),
    path("", include("security.urls")),
    path("", include("passkeys.urls")),
    path("", include("authenticator.urls")),
    path("", include("accounts.urls")),
]
