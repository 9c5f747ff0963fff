"""URLs of the portal. Pages are not prefixed by language: the choice lives in a cookie."""

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from absher_portal.health import healthz

admin.site.site_header = _("Absher portal administration")
admin.site.site_title = _("Absher portal staff")
admin.site.index_title = _("Accounts and bank activation")

handler404 = "absher_portal.errors.page_not_found"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("captcha/", include("captcha.urls")),
    path("admin/", admin.site.urls),
    path("api/bank/v1/", include("activation.urls")),
    path("", include("accounts.urls")),
]
