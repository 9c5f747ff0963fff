"""The portal's URLs plus the two reference views under ``/bench/`` (bench settings only)."""

from django.urls import path

from absher_portal.urls import (  # noqa: F401 - the portal's error handlers stay in force
    handler400,
    handler403,
    handler404,
    handler500,
)
from absher_portal.urls import urlpatterns as portal_urlpatterns
from bench import views

urlpatterns = [
    path("bench/ok", views.ok, name="bench_ok"),
    path("bench/session", views.session_write, name="bench_session"),
    *portal_urlpatterns,
]
