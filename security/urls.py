"""The security page and its actions, under the ``security`` namespace."""

from django.urls import path

from security import views

app_name = "security"

urlpatterns = [
    path("account/security/", views.security_page, name="page"),
    path("account/security/confirm/", views.confirm_identity, name="confirm"),
]
