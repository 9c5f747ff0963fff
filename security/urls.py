"""The security page and its actions, under the ``security`` namespace."""

from django.urls import path

from security import views
from security.confirm import views as confirm_views
from security.sessions import views as session_views

app_name = "security"

urlpatterns = [
    path("account/security/", views.security_page, name="page"),
    path("account/security/confirm/", confirm_views.confirm_password, name="confirm"),
    path(
        "account/security/confirm/<slug:step>/",
        confirm_views.confirm_second_step,
        name="confirm_step",
    ),
    path(
        "account/security/sessions/<uuid:session_id>/sign-out/",
        session_views.end_session,
        name="end_session",
    ),
    path(
        "account/security/sessions/sign-out-others/",
        session_views.end_other_sessions,
        name="end_other_sessions",
    ),
]
