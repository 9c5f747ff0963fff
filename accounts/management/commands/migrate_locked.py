"""``manage.py migrate_locked``: ``migrate`` as the schema's owner, one process at a time.

``make migrate`` (the release step) and ``make serve`` run it, and several web machines may
start at once. Django's ``migrate`` takes no lock: two runs would both try to create the same
tables and the loser's machine would never start. On PostgreSQL this holds a session-level
advisory lock for the whole run, so the others wait, then find nothing left to apply.

It connects as ``DATABASE_MIGRATION_URL``'s role (the owner; by default ``DATABASE_URL``'s),
and afterwards grants ``DATABASE_URL``'s role, the runtime role of the web and the workers, its
privileges on every table (absher_portal/database_roles.py, decision 131). A role that may not
change the schema (the runtime role, when a web machine is given only ``DATABASE_URL``) never
tries: with ``--wait`` it waits until the release step has migrated, otherwise it stops.
SQLite serves one machine and needs neither lock nor roles.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandError, CommandParser
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext, gettext_lazy

from absher_portal import database_roles
from accounts.management import PortalCommand

#: The advisory lock's key: any fixed 64-bit number no other code of the portal uses.
MIGRATION_LOCK_KEY = 0x6162_7368_6572_6D67  # "abshermg"
#: How often ``--wait`` looks again for migrations applied by the release step.
WAIT_POLL_SECONDS = 2.0


class Command(PortalCommand):
    help = gettext_lazy(
        "Apply database migrations as the schema's owner (DATABASE_MIGRATION_URL, or "
        "DATABASE_URL), waiting while another machine applies them (PostgreSQL advisory lock), "
        "then grant DATABASE_URL's role its privileges; safe when many web processes start "
        "at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--wait",
            action="store_true",
            help=gettext_lazy(
                "If this role may not change the schema (the web's runtime role), wait until "
                "the release step has applied every migration instead of stopping."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]
        # Read before switching: inside the block, DATABASES["default"] names the owner.
        runtime = database_roles.runtime_role() if database_roles.separate_roles() else None
        with database_roles.migration_owner() as connection:
            if connection.vendor != "postgresql":
                call_command("migrate", interactive=False, verbosity=verbosity, stdout=self.stdout)
                return
            if not database_roles.may_migrate(connection):
                if not options["wait"]:
                    raise CommandError(
                        gettext(
                            "This database role does not own the schema and may not migrate "
                            "it. Run the release step with DATABASE_MIGRATION_URL set to the "
                            "owner's URL (README, “Production”)."
                        )
                    )
                self.wait_until_migrated(connection)
                return
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK_KEY])
                try:
                    call_command(
                        "migrate", interactive=False, verbosity=verbosity, stdout=self.stdout
                    )
                    self.grant(connection, runtime, verbosity=verbosity)
                finally:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK_KEY])

    def grant(self, connection: BaseDatabaseWrapper, role: str | None, *, verbosity: int) -> None:
        """Grant the runtime role its tables, when it is another role than this one."""
        if role is None:
            return
        if not role:
            raise CommandError(
                gettext("DATABASE_URL names no database user: the runtime role is unknown.")
            )
        unlisted = database_roles.grant_runtime_privileges(connection=connection, role=role)
        if unlisted:
            self.stderr.write(
                gettext(
                    "Tables without a privilege rule (the runtime role may only read them): "
                    "%(tables)s. Add them to absher_portal/database_roles.py."
                )
                % {"tables": ", ".join(unlisted)}
            )
        if database_roles.role_is_powerful(connection=connection, role=role):
            self.stderr.write(
                gettext(
                    "DATABASE_URL's role %(role)s is a superuser: no grant binds it, and it can "
                    "still wipe the history. Give the web and the workers a plain role."
                )
                % {"role": role}
            )
        if verbosity > 0:
            self.stdout.write(
                gettext("Privileges of the runtime role %(role)s granted.") % {"role": role}
            )

    def wait_until_migrated(self, connection: BaseDatabaseWrapper) -> None:
        """Poll, without the lock, until no migration is left for the release step to apply."""
        while True:
            executor = MigrationExecutor(connection)
            if not executor.migration_plan(executor.loader.graph.leaf_nodes()):
                return
            self.stderr.write(
                gettext("Waiting for the release step to apply the migrations (make migrate).")
            )
            time.sleep(WAIT_POLL_SECONDS)
