"""``manage.py create_db_roles``: the psql script that creates the owner and runtime roles.

It only prints: a superuser runs the script (``… | psql -U postgres``), and the portal never
holds a superuser's credentials. Set the roles' passwords afterwards with psql's
``\\password`` (never on a command line). Then point ``DATABASE_MIGRATION_URL`` at the owner,
``DATABASE_URL`` at the runtime role, and run ``make migrate`` (decision 131).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext, gettext_lazy

from absher_portal import database_roles
from accounts.management import PortalCommand


class Command(PortalCommand):
    help = gettext_lazy(
        "Print the psql script (for a superuser) that creates the schema's owner, the runtime "
        "role of the web and the workers, and the database owned by the owner. Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--owner",
            default="absher_owner",
            help=gettext_lazy("The role that owns the schema and runs migrations."),
        )
        parser.add_argument(
            "--runtime",
            default="absher_app",
            help=gettext_lazy("The role of the web processes and task workers."),
        )
        parser.add_argument(
            "--database",
            default=None,
            help=gettext_lazy("The database (default: the one DATABASE_URL names)."),
        )
        parser.add_argument(
            "--owner-createdb",
            action="store_true",
            help=gettext_lazy("Let the owner create databases (test runs only)."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        database = options["database"] or str(settings.DATABASES["default"]["NAME"])
        owner, runtime = options["owner"], options["runtime"]
        for name in (owner, runtime, database):
            if not database_roles.valid_role_name(name):
                raise CommandError(
                    gettext(
                        "“%(name)s” is not a plain name: use lower-case English letters, "
                        "digits and _, starting with a letter or _."
                    )
                    % {"name": name}
                )
        if owner == runtime or "postgres" in (owner, runtime):
            raise CommandError(
                gettext("The owner and the runtime role must be two new roles, not postgres.")
            )
        self.stdout.write(
            database_roles.role_setup_script(
                owner=owner,
                runtime=runtime,
                database=database,
                owner_createdb=options["owner_createdb"],
            ),
            ending="",
        )
