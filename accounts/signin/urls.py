"""Sign-in: identifier and password, then the SMS code; sign-out."""

from django.urls import path

from accounts.signin import views

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("login/verify/", views.SignInVerifyView.as_view(), name="login_verify"),
    path("logout/", views.sign_out, name="logout"),
]
