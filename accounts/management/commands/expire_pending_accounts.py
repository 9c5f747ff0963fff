"""``manage.py expire_pending_accounts``: expire pending accounts not activated in time."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext, gettext_lazy, ngettext

from accounts.expiry import expire_pending_accounts, pending_accounts_due
from accounts.management import PortalCommand


class Command(PortalCommand):
    help = gettext_lazy(
        "Move every pending account older than PENDING_TTL_DAYS to expired, with an account "
        "event each. Safe to run from cron, even twice at once: accounts already changed are "
        "skipped."
    )

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
