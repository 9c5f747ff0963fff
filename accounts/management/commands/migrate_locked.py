"""``manage.py migrate_locked``: ``migrate``, one process at a time across every machine.

``make serve`` migrates before gunicorn starts, and several web machines may start at once.
Django's ``migrate`` takes no lock: two runs would both try to create the same tables and the
loser's machine would never start. On PostgreSQL this holds a session-level advisory lock for
the whole run, so the others wait, then find nothing left to apply. SQLite serves one
machine and needs no lock.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.db import connection
from django.utils.translation import gettext_lazy

from accounts.management import PortalCommand

#: The advisory lock's key: any fixed 64-bit number no other code of the portal uses.
MIGRATION_LOCK_KEY = 0x6162_7368_6572_6D67  # "abshermg"


class Command(PortalCommand):
    help = gettext_lazy(
        "Apply database migrations, waiting while another machine applies them (PostgreSQL "
        "advisory lock); safe when many web processes start at once."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]
        if connection.vendor != "postgresql":
            call_command("migrate", interactive=False, verbosity=verbosity, stdout=self.stdout)
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK_KEY])
            try:
                call_command("migrate", interactive=False, verbosity=verbosity, stdout=self.stdout)
            finally:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK_KEY])
