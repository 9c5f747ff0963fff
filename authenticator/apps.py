from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuthenticatorConfig(AppConfig):
    """The authenticator app (TOTP, RFC 6238) and the recovery codes (design.md §19)."""

    name = "authenticator"
    verbose_name = _("Authenticator app and recovery codes")
    default_auto_field = "django.db.models.BigAutoField"
