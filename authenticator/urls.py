"""The authenticator app and recovery codes: security page actions and sign-in steps."""

from django.urls import path

from authenticator import signin_views, views

app_name = "authenticator"

urlpatterns = [
    path("account/security/app/", views.setup, name="setup"),
    path("account/security/app/remove/", views.remove, name="remove"),
    path("account/security/recovery-codes/", views.first_codes, name="first_codes"),
    path("account/security/recovery-codes/new/", views.new_codes, name="new_codes"),
    path("account/security/recovery-codes/download/", views.download_codes, name="download"),
    path("login/app/", signin_views.AppCodeView.as_view(), name="login_app"),
    path("login/recovery-code/", signin_views.RecoveryCodeView.as_view(), name="login_recovery"),
]
