"""``manage.py createsuperuser``: Django's command, refusing a staff account without a mobile.

The mobile is among ``REQUIRED_FIELDS``, so Django asks for it and checks it with the field's
validator (a Saudi mobile, ``accounts.validators``). But the field may be blank (a person's
number can move to a newer registration), and Django accepts a blank answer for it: here an
empty answer is asked again, because staff sign in with a code sent to that mobile. Given
empty on the command line or in ``DJANGO_SUPERUSER_MOBILE`` with ``--noinput``, it is refused
with the same message (the account manager refuses it too).
"""

from __future__ import annotations

import os
from typing import Any

from django.contrib.auth.management.commands import createsuperuser
from django.core.management.base import CommandError
from django.db.models import Field

from accounts.managers import STAFF_WITHOUT_MOBILE


class Command(createsuperuser.Command):
    def handle(self, *args: Any, **options: Any) -> None:
        if not options["interactive"]:
            given, from_env = options.get("mobile"), os.environ.get("DJANGO_SUPERUSER_MOBILE")
            if not (given or from_env) and "" in (given, from_env):
                raise CommandError(str(STAFF_WITHOUT_MOBILE))
        super().handle(*args, **options)

    def get_input_data(self, field: Field, message: str, default: Any = None) -> Any:
        """Django's prompt, answered again while the mobile is left empty."""
        value = super().get_input_data(field, message, default)
        if field.name == "mobile" and value == "":
            self.stderr.write(f"Error: {STAFF_WITHOUT_MOBILE}")
            return None
        return value
