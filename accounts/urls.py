"""The people's pages, one URL list per journey, all under the ``accounts`` namespace."""

from django.urls import path

from accounts import views
from accounts.profile import urls as profile
from accounts.recovery import urls as recovery
from accounts.registration import urls as registration
from accounts.signin import urls as signin

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    *registration.urlpatterns,
    *signin.urlpatterns,
    *profile.urlpatterns,
    *recovery.urlpatterns,
]
