import logging

from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from accounts.notice_kinds import register_accounts_kinds

        refuse_development_sms_in_production()
        register_accounts_kinds()


def refuse_development_sms_in_production() -> None:
    """With DEBUG off, an SMS backend that reaches no phone needs ``ALLOW_TEST_MODES``."""
    from sms.sending import get_backend_class

    backend = get_backend_class()
    if settings.DEBUG or not backend.development_only:
        return
    if not settings.ALLOW_TEST_MODES:
        raise ImproperlyConfigured(
            f"Refusing to start with DJANGO_DEBUG off and the development SMS backend "
            f"{backend.__name__} ({settings.SMS_BACKEND}); set ALLOW_TEST_MODES=1 only for "
            "browser tests and benchmarks."
        )
    logging.getLogger("absher_portal").warning(
        "ALLOW_TEST_MODES is set: SMS go to %s. Never do this in production.", backend.__name__
    )
