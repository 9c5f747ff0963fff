"""Password reset: ID number and mobile, then the SMS code, then a new password."""

from django.urls import path

from accounts.recovery import views

urlpatterns = [
    path("password-reset/", views.PasswordResetStartView.as_view(), name="password_reset"),
    path(
        "password-reset/verify/",
        views.PasswordResetVerifyView.as_view(),
        name="password_reset_verify",
    ),
    path("password-reset/new/", views.PasswordResetNewView.as_view(), name="password_reset_new"),
    path("password-reset/done/", views.password_reset_done, name="password_reset_done"),
]
