"""Running migrations inside tests (the fixture ``restore_latest`` in conftest undoes them)."""

from __future__ import annotations

from django.core.management import call_command


def migrate(*args: str) -> None:
    call_command("migrate", *args, verbosity=0, interactive=False)
