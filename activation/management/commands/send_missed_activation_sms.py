"""``manage.py send_missed_activation_sms``: queue activation SMS that were never sent."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext_lazy, ngettext

from activation.management import PortalCommand
from activation.tasks import queue_missed_activation_sms


class Command(PortalCommand):
    help = gettext_lazy(
        "Queue the activation SMS of every activated account that has not had it yet (the queue "
        "or the SMS provider was down). Safe to run from cron: no SMS is sent twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=60,
            metavar="SECONDS",
            help=gettext_lazy(
                "Only activations older than this, to leave in-flight ones alone (default 60)."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        older_than = options["older_than"]
        if older_than < 0:
            raise CommandError(gettext_lazy("--older-than must be zero or more seconds."))
        count = queue_missed_activation_sms(older_than_seconds=older_than)
        message = ngettext(
            "Queued %(count)d activation SMS.", "Queued %(count)d activation SMS.", count
        ) % {"count": count}
        self.stdout.write(self.style.SUCCESS(message))
