"""The person's own name for each passkey: a default from the device, and the rules of a name.

A new passkey is named after where it lives, so the list says which is which without asking
the person anything: "Passkey on Android" (the platform from the browser's user agent, for a
passkey made by the device itself), "Passkey on your phone" (made on a phone through a QR code),
"Security key" (a USB, NFC or Bluetooth key), else "Passkey 2". The name is written in the
language of the page that added it; the person may rename it at any time.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Iterable

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ua_parser import parse as parse_user_agent

from passkeys.models import NAME_MAX_LENGTH

#: ua-parser's operating-system families, as a person calls the device.
PLATFORMS = {
    "Android": _("Android"),
    "iOS": _("iPhone or iPad"),
    "Mac OS X": _("Mac"),
    "Windows": _("Windows"),
    "Chrome OS": _("Chromebook"),
    "Linux": _("Linux"),
    "Ubuntu": _("Linux"),
    "Fedora": _("Linux"),
}
#: Zero-width joiners shape Arabic and Persian words; every other invisible character is refused.
ALLOWED_FORMAT_CHARACTERS = {"\u200c", "\u200d"}
#: A user agent longer than this is not read (nothing real is; parsing costs time).
USER_AGENT_MAX_LENGTH = 512


def default_name(
    *, user_agent: str, attachment: str | None, transports: Iterable[str], taken: Collection[str]
) -> str:
    """A name for a new passkey that none of the person's others (``taken``) has."""
    kinds = set(transports)
    if attachment == "platform":
        platform = _platform(user_agent)
        base = gettext("Passkey on %(platform)s") % {"platform": platform} if platform else ""
    elif "hybrid" in kinds:
        base = gettext("Passkey on your phone")
    elif kinds & {"usb", "nfc", "ble", "smart-card"}:
        base = gettext("Security key")
    else:
        base = ""
    lowered = {name.casefold() for name in taken}
    if base and base.casefold() not in lowered:
        return base
    number = len(taken) + 1
    while True:
        if base:
            candidate = f"{base} ({number})"
        else:
            candidate = gettext("Passkey %(number)s") % {"number": number}
        if candidate.casefold() not in lowered:
            return candidate[:NAME_MAX_LENGTH]
        number += 1


def _platform(user_agent: str) -> str:
    if not user_agent or len(user_agent) > USER_AGENT_MAX_LENGTH:
        return ""
    parsed = parse_user_agent(user_agent)
    family = parsed.os.family if parsed and parsed.os else ""
    return str(PLATFORMS.get(family, ""))


@deconstructible
class PasskeyNameValidator:
    """A name the list can show as it is: no control or invisible characters (which could
    hide text or turn it around). NUL is left to Django's own check of every text field, so a
    name is told about it once."""

    message = _("Remove the invisible or control characters from the name.")
    code = "name_characters"

    def __call__(self, value: str) -> None:
        if any(_hidden(character) for character in value if character != "\x00"):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PasskeyNameValidator)


def _hidden(character: str) -> bool:
    category = unicodedata.category(character)
    if character in ALLOWED_FORMAT_CHARACTERS:
        return False
    return category.startswith("C") or category in {"Zl", "Zp"}
