"""Registration: the wizard, one URL per step, and the "account created" page."""

from django.urls import path, re_path

from accounts.registration.views import RegistrationWizard, registration_complete

register_wizard = RegistrationWizard.as_view(
    url_name="accounts:register_step", done_step_name="done"
)

urlpatterns = [
    path("register/", register_wizard, name="register"),
    path("register/complete/", registration_complete, name="registration_complete"),
    re_path(
        r"^register/(?P<step>identity|account|verify|done)/$", register_wizard, name="register_step"
    ),
]
