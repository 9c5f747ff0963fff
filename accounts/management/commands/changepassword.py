"""``manage.py changepassword``: Django's command, through the portal's one password service.

It replaces ``django.contrib.auth``'s command of the same name (``accounts`` is listed before
it in ``INSTALLED_APPS``), so a password changed by staff at a terminal is recorded in the
account's history, ends the account's other sessions and is told to the person by SMS, like a
reset or a change on the account page.
"""

from __future__ import annotations

import getpass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.management import PortalCommand
from accounts.passwords import change_password
from accounts.selectors import find_account_by_identifier

TRIES = 3


class Command(PortalCommand):
    help = gettext_lazy(
        "Change an account's password. The change is recorded in the account's history, its "
        "other sessions end and the person is told by SMS."
    )
    requires_migrations_checks = True
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "identifier",
            help=gettext_lazy("The account's username (any letter case) or ID number."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = find_account_by_identifier(options["identifier"])
        if user is None:
            raise CommandError(_("No account holds this username or ID number."))
        self.stdout.write(_("Changing the password of %(username)s.") % {"username": user})
        for _try in range(TRIES):
            password = self._ask(_("New password: "))
            if password != self._ask(_("New password again: ")):
                self.stderr.write(_("The two passwords do not match."))
                continue
            try:
                validate_password(password, user)
            except ValidationError as error:
                self.stderr.write("\n".join(error.messages))
                continue
            change_password(
                user=user, password=password, source="command", details={"os_user": _os_user()}
            )
            self.stdout.write(_("Password changed for %(username)s.") % {"username": user})
            return
        raise CommandError(
            _("The password was not changed after %(tries)d tries.") % {"tries": TRIES}
        )

    @staticmethod
    def _ask(prompt: str) -> str:
        password = getpass.getpass(prompt=prompt)
        if not password:
            raise CommandError(_("Cancelled: no password was typed."))
        return password


def _os_user() -> str:
    """Who ran the command, as the operating system knows them (recorded with the change)."""
    try:
        return getpass.getuser()
    except OSError:  # no user name in the environment or the password database
        return ""
