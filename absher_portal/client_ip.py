"""The client's address, which per-address rate limits key on, behind any number of proxies.

Behind a load balancer ``REMOTE_ADDR`` is the balancer: keyed on it, one limit would be shared
by every person in the country. ``X-Forwarded-For`` lists the addresses each proxy saw, but its
left end is written by the client and can be anything. With ``TRUSTED_PROXY_COUNT=N`` (the
number of proxies of ours in front of gunicorn) the address is the N-th entry from the right:
the one our outermost proxy saw connect to it, which a client cannot forge.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The address the outermost trusted proxy saw, or ``REMOTE_ADDR`` with no proxy."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part]
    if len(forwarded) < proxies:
        # Our proxies always append; fewer entries means the request skipped them.
        return remote
    return _valid(forwarded[-proxies]) or remote
