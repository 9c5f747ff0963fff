"""Who the portal is to an authenticator: its RP ID and origin, both from ``PUBLIC_ORIGIN``.

A passkey is bound to the RP ID (the public host name) for life, and every ceremony is checked
against the one origin people reach the portal at. Both are read at each call, so
``override_settings`` and a deployment's environment reach them.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings

from pages.service import service_details


def origin() -> str:
    """The origin the browser must report: ``PUBLIC_ORIGIN`` (scheme, host and port)."""
    return str(settings.PUBLIC_ORIGIN).rstrip("/")


def rp_id() -> str:
    """The relying party id: the host of ``PUBLIC_ORIGIN``, without its port."""
    return urlsplit(origin()).hostname or ""


def rp_name() -> str:
    """The service's name in the language of the request, shown by some authenticators."""
    return service_details().name


def available() -> bool:
    """Whether passkeys can work here at all: browsers refuse an IP address as an RP ID.

    On ``PUBLIC_ORIGIN=http://127.0.0.1:8000`` (the development default) the passkey controls
    are left out rather than offered and failing; ``http://localhost:8000`` works (README).
    """
    host = rp_id()
    if not host:
        return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return True
    return False
