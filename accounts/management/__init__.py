"""What the project's management commands share."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation
from django.utils.translation import gettext_lazy

#: The languages a command can speak (``--language``, or ``LANGUAGE`` in the environment).
COMMAND_LANGUAGES = ("ar", "en")


def default_language() -> str:
    """``LANGUAGE`` from the environment when it is exactly ``ar`` or ``en``; else the
    portal's default language (Arabic). A locale list such as ``en_US:en`` does not count:
    a desktop's settings never switch the portal's commands to English unasked."""
    chosen = os.environ.get("LANGUAGE", "").strip().lower()
    return chosen if chosen in COMMAND_LANGUAGES else settings.LANGUAGE_CODE


def language_in_argv(argv: Sequence[str]) -> str | None:
    """The value of ``--language`` on a command line, if any (read before argparse runs)."""
    for index, arg in enumerate(argv):
        if arg == "--language" and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--language="):
            return arg.partition("=")[2]
    return None


class PortalCommand(BaseCommand):
    """A command speaking Arabic by default, English with ``--language en`` (or ``LANGUAGE=en``).

    The environment counts on the command line only: ``call_command`` runs in the caller's
    active language unless given ``language=``.

    Its ``help`` may be translated lazily (``gettext_lazy``): argparse formats the description
    with regular expressions, which need a real string, so it is rendered when the parser is
    built, in the language chosen for the command. ``--help`` follows ``--language`` too: the
    command line is read for it before the parser exists.
    """

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument(
            "--language",
            choices=COMMAND_LANGUAGES,
            help=gettext_lazy(
                "Language of the command's messages and help: ar (Arabic, the default) or en "
                "(English). LANGUAGE=ar or LANGUAGE=en in the environment chooses it too."
            ),
        )
        if parser.description is not None:
            parser.description = str(parser.description)
        return parser

    def run_from_argv(self, argv: list[str]) -> None:
        chosen = language_in_argv(argv[2:])
        if chosen not in COMMAND_LANGUAGES:
            chosen = default_language()
        with translation.override(chosen):
            super().run_from_argv(argv)

    def execute(self, *args: Any, **options: Any) -> str | None:
        if not options.get("language"):  # call_command: the caller's active language
            return super().execute(*args, **options)
        with translation.override(options["language"]):
            return super().execute(*args, **options)
