"""allauth's URLs and a landing page after sign-up."""

from django.http import HttpResponse
from django.urls import include, path

urlpatterns = [
    path("accounts/", include("allauth.urls")),
    path("done/", lambda request: HttpResponse("signed up")),
]
