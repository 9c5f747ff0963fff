from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PasskeysConfig(AppConfig):
    """Passkeys (WebAuthn): added on the security page, used to sign in with nothing to type."""

    name = "passkeys"
    verbose_name = _("Passkeys")
    default_auto_field = "django.db.models.BigAutoField"
