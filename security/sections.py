"""The sections of the security page, each owned by the app that keeps what it shows.

A section is a function of the request that returns ``None`` (nothing to show this person) or
``{"template": "<app>/section.html", **context}``; the page includes each template with its
context, in this order. The page itself knows nothing of passkeys, apps or sessions.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.module_loading import import_string

#: Dotted paths of the section functions, in the order the page shows them.
SECTION_PROVIDERS: tuple[str, ...] = (
    "passkeys.sections.passkeys_section",
    "authenticator.sections.app_section",
    "authenticator.sections.recovery_codes_section",
    # Last: where the person is signed in.
    "security.sessions.section.sessions_section",
)


def page_sections(request: HttpRequest) -> list[dict[str, Any]]:
    """The sections to show ``request.user``, in order."""
    sections = (import_string(path)(request) for path in SECTION_PROVIDERS)
    return [section for section in sections if section is not None]
