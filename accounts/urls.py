from django.urls import path, re_path

from accounts import account_views, reset, signin, sms_callbacks, views
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
    # Sign-in (accounts/signin.py): identifier + password, then the SMS code.
    path("login/", signin.SignInView.as_view(), name="login"),
    path("login/verify/", signin.SignInVerifyView.as_view(), name="login_verify"),
    path("logout/", signin.sign_out, name="logout"),
    # Signed-in pages (accounts/account_views.py): pending people see only the status page.
    path("status/", account_views.status, name="status"),
    path("account/", account_views.account, name="account"),
    path("account/password/", account_views.change_password, name="change_password"),
    # Password reset (accounts/reset.py): ID + mobile, then the SMS code, then a new password.
    path("password-reset/", reset.PasswordResetStartView.as_view(), name="password_reset"),
    path(
        "password-reset/verify/",
        reset.PasswordResetVerifyView.as_view(),
        name="password_reset_verify",
    ),
    path("password-reset/new/", reset.PasswordResetNewView.as_view(), name="password_reset_new"),
    path("password-reset/done/", reset.password_reset_done, name="password_reset_done"),
    # Delivery reports from the SMS provider (accounts/sms_callbacks.py), signed by Twilio.
    path(
        "sms/twilio/status/",
        sms_callbacks.twilio_status_callback,
        name="twilio_status_callback",
    ),
]
