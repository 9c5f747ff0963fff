"""``manage.py add_bank``: register a bank, optionally with its first signing key."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from activation.management import PortalCommand, check_key_id, create_bank_key, load_public_key_file
from activation.models import Bank


class Command(PortalCommand):
    help = gettext_lazy(
        "Register a bank that may confirm activations, optionally with its first public key "
        "(both or neither of --public-key and --key-id)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--code",
            required=True,
            help=gettext_lazy("Short code of the bank, e.g. anb (letters, digits, - and _)."),
        )
        parser.add_argument(
            "--name-en", required=True, help=gettext_lazy("The bank's name in English.")
        )
        parser.add_argument(
            "--name-ar", required=True, help=gettext_lazy("The bank's name in Arabic.")
        )
        parser.add_argument(
            "--public-key",
            metavar="FILE",
            help=gettext_lazy("The bank's Ed25519 public key (PEM) to register with the bank."),
        )
        parser.add_argument(
            "--key-id",
            metavar="ID",
            help=gettext_lazy("The key id the bank will put in its signatures' keyid."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        key_file, key_id = options["public_key"], options["key_id"]
        if (key_file is None) != (key_id is None):
            raise CommandError(_("Give both --public-key and --key-id, or neither."))
        public_key = None
        if key_file is not None:
            check_key_id(key_id)
            public_key = load_public_key_file(key_file)

        bank = Bank(
            code=options["code"].strip(),
            name_en=options["name_en"].strip(),
            name_ar=options["name_ar"].strip(),
        )
        if Bank.objects.filter(code=bank.code).exists():
            raise CommandError(_("A bank with code %(code)r already exists.") % {"code": bank.code})
        try:
            bank.full_clean()
        except ValidationError as exc:
            raise CommandError(_("Invalid bank: %(errors)s") % {"errors": _describe(exc)}) from exc

        try:
            with transaction.atomic():
                bank.save(force_insert=True)
                key = None
                if public_key is not None:
                    key = create_bank_key(bank=bank, key_id=key_id, public_key=public_key)
        except IntegrityError as exc:
            raise CommandError(
                _("A bank with code %(code)r already exists.") % {"code": bank.code}
            ) from exc

        self.stdout.write(
            self.style.SUCCESS(
                _("Added bank %(code)s (%(name_en)s / %(name_ar)s).")
                % {"code": bank.code, "name_en": bank.name_en, "name_ar": bank.name_ar}
            )
        )
        if key is not None:
            self.stdout.write(
                self.style.SUCCESS(_("Registered key %(key_id)s.") % {"key_id": key.key_id})
            )


def _describe(error: ValidationError) -> str:
    """One line naming each invalid field and its messages."""
    return "; ".join(
        f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
    )
