from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    """The person's security page: passkeys, authenticator app, recovery codes, sessions."""

    name = "security"
    verbose_name = _("Security")
    default_auto_field = "django.db.models.BigAutoField"
