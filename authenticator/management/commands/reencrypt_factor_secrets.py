"""``manage.py reencrypt_factor_secrets``: seal every app secret with the newest key (rotation)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext_lazy, ngettext

from accounts.management import PortalCommand
from authenticator.totp import app_secrets_reseal


class Command(PortalCommand):
    help = gettext_lazy(
        "Encrypt every authenticator app secret again with the first key of FACTOR_SECRET_KEYS, "
        "so that older keys can then be removed. Safe to run twice, even at once."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        resealed, unopenable = app_secrets_reseal()
        message = ngettext(
            "Encrypted %(count)d authenticator app secret with the first key.",
            "Encrypted %(count)d authenticator app secrets with the first key.",
            resealed,
        ) % {"count": resealed}
        self.stdout.write(self.style.SUCCESS(message))
        if unopenable:
            raise CommandError(
                ngettext(
                    "%(count)d secret opens with none of FACTOR_SECRET_KEYS: put back the key "
                    "it was encrypted with.",
                    "%(count)d secrets open with none of FACTOR_SECRET_KEYS: put back the keys "
                    "they were encrypted with.",
                    unopenable,
                )
                % {"count": unopenable}
            )
