"""What an account event's ``source`` means, in plain words for staff (issue 14, item 10).

``AccountEvent.source`` is a short code written by the service that made the change
(``registration``, ``staff``, ``bank:anb``...). The codes stay as they are, in the append-only
history; this turns them into words when they are shown.
"""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

#: Each source code written by the portal, and what it means.
SOURCES = {
    "registration": _("Registration"),
    "staff": _("Portal staff, in the admin"),
    "command": _("Portal staff, on the server"),
    "account": _("The person, on their account page"),
    "reset": _("The person, by resetting their password"),
    "expiry": _("Automatic expiry"),
    "security": _("The person, on their security page"),
    "signin": _("The portal, at a sign-in"),
}


def describe_source(source: str) -> str:
    """The source in words; a bank's code (``bank:anb``) kept, isolated left to right."""
    if source.startswith("bank:"):
        return format_html(
            '{} <bdi dir="ltr">({})</bdi>', _("Bank confirmation"), source.removeprefix("bank:")
        )
    if source in SOURCES:
        return str(SOURCES[source])
    return format_html('<bdi dir="ltr">{}</bdi>', source)
