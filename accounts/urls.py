from django.urls import path, re_path

from accounts import views
from accounts.wizard import RegistrationWizard

app_name = "accounts"

register_wizard = RegistrationWizard.as_view(
    url_name="accounts:register_step", done_step_name="done"
)

urlpatterns = [
    path("", views.home, name="home"),
    path("register/", register_wizard, name="register"),
    path("register/complete/", views.registration_complete, name="registration_complete"),
    re_path(
        r"^register/(?P<step>identity|account|verify|done)/$", register_wizard, name="register_step"
    ),
    path("login/", views.sign_in, name="login"),
    path("password-reset/", views.password_reset, name="password_reset"),
]
