"""Passkeys: the security page's actions and the sign-in's two steps, under ``passkeys``."""

from django.urls import path

from passkeys import signin_views, views

app_name = "passkeys"

urlpatterns = [
    path("account/security/passkeys/add/options/", views.add_options, name="add_options"),
    path("account/security/passkeys/add/", views.add_verify, name="add"),
    path("account/security/passkeys/<int:pk>/rename/", views.rename, name="rename"),
    path("account/security/passkeys/<int:pk>/remove/", views.remove, name="remove"),
    path("login/passkey/options/", signin_views.sign_in_options, name="sign_in_options"),
    path("login/passkey/", signin_views.sign_in_verify, name="sign_in"),
]
