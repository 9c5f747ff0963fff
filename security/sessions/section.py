"""The "Where you are signed in" section of the security page (``security.sections``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from security.models import SignedInSession
from security.sessions import browsers, records


def device_name(record: SignedInSession) -> str:
    """The session's browser in words ("Chrome on Android"), or "An unknown browser"."""
    return browsers.describe(record.browser, record.platform) or _("An unknown browser")


def sessions_section(request: HttpRequest) -> dict[str, Any]:
    """The person's live sessions, this browser first, each with what ends it."""
    sessions = [
        {
            "id": record.pk,
            "device": device_name(record),
            "current": records.is_current(request, record),
            "signed_in_at": record.created_at,
            "last_seen_at": record.last_seen_at,
            "address": record.ip_address or "",
        }
        for record in records.live_sessions(request)
    ]
    others = sum(1 for session in sessions if not session["current"])
    return {"template": "security/sessions/section.html", "sessions": sessions, "others": others}
