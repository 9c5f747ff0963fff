"""``manage.py add_bank_key``: register another public key of a bank (e.g. for a key rollover)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from activation.management import (
    PortalCommand,
    check_key_id,
    create_bank_key,
    get_bank,
    load_public_key_file,
)


class Command(PortalCommand):
    help = gettext_lazy(
        "Register a bank's Ed25519 public key under a new key id. The bank's older keys stay "
        "valid until revoked with revoke_bank_key."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--bank", required=True, metavar="CODE", help=gettext_lazy("Code of the bank.")
        )
        parser.add_argument(
            "--public-key",
            required=True,
            metavar="FILE",
            help=gettext_lazy("The bank's Ed25519 public key (PEM)."),
        )
        parser.add_argument(
            "--key-id",
            required=True,
            metavar="ID",
            help=gettext_lazy("The key id the bank will put in its signatures' keyid."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        key_id = check_key_id(options["key_id"])
        public_key = load_public_key_file(options["public_key"])
        with transaction.atomic():
            bank = get_bank(options["bank"])
            key = create_bank_key(bank=bank, key_id=key_id, public_key=public_key)
        if not bank.is_active:
            self.stderr.write(
                _(
                    "Warning: bank %(code)s is inactive; its keys are not accepted until it is "
                    "active again."
                )
                % {"code": bank.code}
            )
        self.stdout.write(
            self.style.SUCCESS(
                _("Registered key %(key_id)s for bank %(code)s.")
                % {"key_id": key.key_id, "code": bank.code}
            )
        )
