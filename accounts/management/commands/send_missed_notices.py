"""``manage.py send_missed_notices``: queue notices (SMS and email) that were never sent.

It also reports notices that a worker claimed long ago without the message being known to be
sent (the worker died, or the send may have gone out): those are never sent again, so a person
must look at them (the notices and SMS deliveries in the admin show what is known).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext, gettext_lazy, ngettext

from accounts.management import PortalCommand
from accounts.notices import queue_missed_notices, report_stale_notices

#: The longest look-back accepted: more is a mistake, and would overflow the date arithmetic.
YEAR_SECONDS = 365 * 24 * 3600


class Command(PortalCommand):
    help = gettext_lazy(
        "Queue every notice owed to a person (activation SMS, password-changed SMS, mobile-moved "
        "email) that has not been sent yet because the queue or the provider was down. Safe to "
        "run from cron: no notice is sent twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=60,
            metavar="SECONDS",
            help=gettext_lazy(
                "Only notices older than this, to leave in-flight ones alone (default 60)."
            ),
        )
        parser.add_argument(
            "--stale-after",
            type=int,
            default=15,
            metavar="MINUTES",
            help=gettext_lazy(
                "Report notices taken by a worker this long ago and not known to be sent "
                "(default 15). They are not sent again."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        older_than = options["older_than"]
        if not 0 <= older_than <= YEAR_SECONDS:
            raise CommandError(
                gettext("--older-than must be between 0 and %(max)d seconds.")
                % {"max": YEAR_SECONDS}
            )
        stale_after = options["stale_after"]
        if not 0 <= stale_after <= YEAR_SECONDS // 60:
            raise CommandError(
                gettext("--stale-after must be between 0 and %(max)d minutes.")
                % {"max": YEAR_SECONDS // 60}
            )
        count = queue_missed_notices(older_than_seconds=older_than)
        message = ngettext("Queued %(count)d notice.", "Queued %(count)d notices.", count) % {
            "count": count
        }
        self.stdout.write(self.style.SUCCESS(message))
        stale = report_stale_notices(older_than_seconds=stale_after * 60)
        if stale:
            warning = ngettext(
                "%(count)d notice was taken by a worker but is not known to be sent; it is not "
                "sent again. Check it under Notices in the admin.",
                "%(count)d notices were taken by a worker but are not known to be sent; they are "
                "not sent again. Check them under Notices in the admin.",
                stale,
            ) % {"count": stale}
            self.stdout.write(self.style.WARNING(warning))
