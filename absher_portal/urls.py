"""URLs of the portal. Pages are not prefixed by language: the choice lives in a cookie."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("captcha/", include("captcha.urls")),
    path("admin/", admin.site.urls),
    path("api/bank/v1/", include("activation.urls")),
    path("", include("accounts.urls")),
]
