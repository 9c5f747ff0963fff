"""What the project's management commands share."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class PortalCommand(BaseCommand):
    """A command whose ``help`` may be translated lazily (``gettext_lazy``).

    argparse formats the description with regular expressions, which need a real string: it
    is rendered here, in the language active when the parser is built.
    """

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        if parser.description is not None:
            parser.description = str(parser.description)
        return parser
