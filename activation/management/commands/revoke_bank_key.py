"""``manage.py revoke_bank_key``: stop accepting signatures made with one bank key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from activation.management import PortalCommand
from activation.models import BankKey


class Command(PortalCommand):
    help = gettext_lazy(
        "Revoke a bank key: the portal refuses signatures made with it from now on. "
        "Running it again for a revoked key changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--key-id", required=True, metavar="ID", help=gettext_lazy("The key id to revoke.")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        key_id = options["key_id"]
        with transaction.atomic():
            key = BankKey.objects.select_for_update().filter(key_id=key_id).first()
            if key is None:
                raise CommandError(_("No bank key has the id %(key_id)r.") % {"key_id": key_id})
            already = not key.is_active and key.revoked_at is not None
            if not already:
                key.is_active = False
                key.revoked_at = timezone.now()
                key.save(update_fields=["is_active", "revoked_at"])
        code = key.bank.code
        params = {
            "key_id": key.key_id,
            "code": code,
            "when": timezone.localtime(key.revoked_at).isoformat(timespec="seconds"),
        }
        if already:
            self.stdout.write(
                _("Key %(key_id)s of bank %(code)s was already revoked at %(when)s.") % params
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Revoked key %(key_id)s of bank %(code)s at %(when)s.") % params
                )
            )
