"""The client's address, which per-address rate limits key on, behind any number of proxies.

Behind a load balancer ``REMOTE_ADDR`` is the balancer: keyed on it, one limit would be shared
by every person in the country. ``X-Forwarded-For`` lists the addresses each proxy saw, but its
left end is written by the client and can be anything. With ``TRUSTED_PROXY_COUNT=N`` (the
number of proxies of ours in front of gunicorn) the address is the N-th entry from the right:
the one our outermost proxy saw connect to it, which a client cannot forge. The header is only
believed when the connection itself comes from ``TRUSTED_PROXY_NETWORKS``: someone reaching
gunicorn directly cannot choose their own address.

IPv6 addresses count per /64: one subscriber usually holds a whole /64 and could otherwise
take a fresh address, and a fresh limit, for every request.
"""

from __future__ import annotations

import ipaddress
import logging
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

logger = logging.getLogger(__name__)

IPV6_PREFIX = 64


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def _parse(entry: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address from one ``X-Forwarded-For`` entry; ports and IPv6 brackets are dropped."""
    text = entry.strip()
    if text.startswith("["):  # [2001:db8::1]:443
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # 198.51.100.7:4444
        text = text.partition(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _bucket(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/{IPV6_PREFIX}", strict=False).network_address)
    return str(address)


def from_trusted_proxy(request: HttpRequest) -> bool:
    """Whether the connection comes from one of our proxies (so its headers may be believed)."""
    if settings.TRUSTED_PROXY_COUNT <= 0:
        return False
    remote = _parse(request.META.get("REMOTE_ADDR", ""))
    networks = _networks(tuple(settings.TRUSTED_PROXY_NETWORKS))
    return remote is not None and any(remote in network for network in networks)


def client_ip(request: HttpRequest) -> str:
    """The rate-limit key of the client: its address (IPv6: its /64) as our proxies saw it."""
    remote = request.META.get("REMOTE_ADDR", "")
    address = _parse(remote)
    if from_trusted_proxy(request):
        forwarded = [p for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p]
        proxies = settings.TRUSTED_PROXY_COUNT
        # Our proxies always append; fewer entries means the request skipped them.
        if len(forwarded) >= proxies:
            seen = _parse(forwarded[-proxies])
            if seen is None:
                logger.warning("unreadable X-Forwarded-For entry from a trusted proxy")
            else:
                address = seen
    return _bucket(address) if address is not None else remote


def strict_client_address(
    request: HttpRequest,
) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The client's exact address, or None whenever it cannot be told for certain.

    For allow-lists (who may read ``/metrics``), where :func:`client_ip`'s leniency would be
    a hole: a request through a trusted proxy with fewer ``X-Forwarded-For`` entries than
    proxies, or an unreadable one, is refused rather than taken as the proxy's own address;
    and a request carrying ``X-Forwarded-For`` that does not come from a trusted proxy came
    through a proxy we do not count (nginx on loopback with ``TRUSTED_PROXY_COUNT`` unset),
    so its ``REMOTE_ADDR`` (loopback) says nothing about the client.
    """
    forwarded = [p for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
    if not from_trusted_proxy(request):
        if forwarded or "HTTP_FORWARDED" in request.META:
            return None
        address = _parse(request.META.get("REMOTE_ADDR", ""))
    else:
        proxies = settings.TRUSTED_PROXY_COUNT
        if len(forwarded) < proxies:
            return None
        address = _parse(forwarded[-proxies])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def address_in(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address | None, networks: list[str]
) -> bool:
    """Whether ``address`` lies in one of ``networks`` (CIDR strings); None never does."""
    return address is not None and any(address in net for net in _networks(tuple(networks)))
