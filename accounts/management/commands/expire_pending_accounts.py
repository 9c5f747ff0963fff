"""``manage.py expire_pending_accounts``: expire pending accounts not activated in time."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext, gettext_lazy, ngettext

from accounts.expiry import expire_pending_accounts, pending_accounts_due


class Command(BaseCommand):
    help = gettext_lazy(
        "Move every pending account older than PENDING_TTL_DAYS to expired, with an account "
        "event each. Safe to run from cron, even twice at once: accounts already changed are "
        "skipped."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # argparse needs a real string; render the lazy help in the active language.
        if parser.description is not None:
            parser.description = str(parser.description)
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=gettext_lazy("Only count the accounts that would expire; change nothing."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = settings.PENDING_TTL_DAYS
        if not isinstance(days, int) or days < 1:
            raise CommandError(
                gettext("PENDING_TTL_DAYS must be a whole number of days, 1 or more.")
            )
        if options["dry_run"]:
            count = len(pending_accounts_due())
            message = ngettext(
                "%(count)d pending account would expire (dry run, nothing changed).",
                "%(count)d pending accounts would expire (dry run, nothing changed).",
                count,
            )
        else:
            count = expire_pending_accounts()
            message = ngettext(
                "Expired %(count)d pending account.", "Expired %(count)d pending accounts.", count
            )
        self.stdout.write(self.style.SUCCESS(message % {"count": count}))
