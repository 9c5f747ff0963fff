"""The records of signed-in sessions: written at sign-in, kept current, removed when one ends.

The session store is the truth and a record is its index by account (``SignedInSession``).
A record is written when a session signs in (any door: ``user_logged_in``), its last activity
is moved forward at most once a minute (:func:`refresh`, from the middleware: no query on the
other requests), it follows the session's key when ``cycle_key`` changes it (a password
change), and it is removed with the session: at sign-out, when the person ends it from the
security page, when staff close the account. A session can also die without a word to us
(its idle or absolute limit, a password changed elsewhere, ``clearsessions``): the list checks
each record against the store (:func:`live_sessions`) and forgets the dead, and every sign-in
sweeps the records that are past the limits (:func:`prune_ended`).

The session itself carries its record's digest and when it was last refreshed
(:data:`RECORD_KEY`): nothing secret, and nothing a client can change.

Ending a session also leaves a mark in the cache for the session's lifetime (:func:`ended_mark`),
checked on every signed-in request. ``cached_db`` writes the cache after the save's commit, so
a request saving the session while another ends it could put it back in Redis just after the
ending deleted it there; without the mark it would stay signed in until its record's next
once-a-minute check (the race suite caught it one run in twenty, decision 278).
"""

from __future__ import annotations

import ipaddress
import time
from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, logout
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from absher_portal.client_ip import client_ip
from accounts.models import User
from security.models import SignedInSession
from security.sessions import browsers, keys

#: Session key of ``{"digest": <the record's key digest>, "seen": <epoch seconds>}``.
RECORD_KEY = "_portal_session_record"
#: A session's last activity is written at most this often (seconds).
REFRESH_SECONDS = 60


def ended_mark(digest: str) -> str:
    """The cache key saying the session of this record digest was ended."""
    return f"session-ended:{digest}"


def _store(session_key: str | None = None) -> SessionBase:
    """The configured session store (``SESSION_ENGINE``), for another request's session."""
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def _address(request: HttpRequest) -> str | None:
    """The client's address as the rate limits see it (an IPv6 address by its /64), if any."""
    address = client_ip(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def record_sign_in(request: HttpRequest, user: User) -> SignedInSession:
    """Write the record of the session ``request`` just signed in as ``user``.

    ``login()`` has cycled the key (same account) or flushed the session (another account,
    leaving no key until the response saves it: one is made now). A record of this session's
    previous key (the same account signing in again) is replaced.
    """
    session = request.session
    if session.session_key is None:
        session.save()
    key = session.session_key
    previous = session.get(RECORD_KEY)
    if isinstance(previous, dict) and isinstance(previous.get("digest"), str):
        SignedInSession.objects.filter(key_digest=previous["digest"]).delete()
    user_agent = request.headers.get("User-Agent", "")
    browser = browsers.identify(user_agent)
    now = timezone.now()
    digest = keys.digest(key)
    record, _ = SignedInSession.objects.update_or_create(
        key_digest=digest,
        defaults={
            "account": user,
            "sealed_key": keys.seal(key),
            "created_at": now,
            "last_seen_at": now,
            "browser": browser.name,
            "platform": browser.platform,
            "user_agent": browsers.clean_user_agent(user_agent),
            "ip_address": _address(request),
        },
    )
    session[RECORD_KEY] = {"digest": record.key_digest, "seen": int(time.time())}
    return record


def refresh(request: HttpRequest) -> bool:
    """Move this session's last activity forward if a minute has passed; False if its record
    is gone (the session was ended elsewhere and must not go on).

    Sessions without a record (signed in before records existed) are left alone.
    """
    session = request.session
    marker = session.get(RECORD_KEY)
    if not isinstance(marker, dict) or SESSION_KEY not in session:
        return True
    if cache.get(ended_mark(str(marker.get("digest")))) is not None:
        return False  # ended elsewhere, whatever a racing save put back in the cache
    now = int(time.time())
    seen = marker.get("seen")
    if isinstance(seen, int) and 0 <= now - seen < REFRESH_SECONDS:
        return True
    found = SignedInSession.objects.filter(key_digest=str(marker.get("digest"))).update(
        last_seen_at=timezone.now()
    )
    if not found:
        return False
    session[RECORD_KEY] = {**marker, "seen": now}
    return True


def follow_key_change(request: HttpRequest) -> None:
    """After a view that cycled the session's key (``update_session_auth_hash`` on a password
    change), point the record at the new key. No query when the key did not change."""
    session = getattr(request, "session", None)
    if session is None:
        return
    marker = session.get(RECORD_KEY)
    key = session.session_key
    if not isinstance(marker, dict) or not key:
        return
    digest = keys.digest(key)
    if digest == marker.get("digest"):
        return
    SignedInSession.objects.filter(key_digest=str(marker.get("digest"))).update(
        key_digest=digest, sealed_key=keys.seal(key)
    )
    session[RECORD_KEY] = {**marker, "digest": digest}


def forget(request: HttpRequest) -> None:
    """Remove the record of the session ``request`` is signing out of (before the flush)."""
    session = request.session
    digests = set()
    if session.session_key:
        digests.add(keys.digest(session.session_key))
    marker = session.get(RECORD_KEY)
    if isinstance(marker, dict) and isinstance(marker.get("digest"), str):
        digests.add(marker["digest"])
    if digests:
        # Signing out races a save of the same session as ending it from elsewhere does.
        cache.set_many(
            {ended_mark(digest): True for digest in digests}, timeout=settings.SESSION_COOKIE_AGE
        )
        SignedInSession.objects.filter(key_digest__in=digests).delete()


def is_current(request: HttpRequest, record: SignedInSession) -> bool:
    """Whether ``record`` is the session of ``request`` ("This browser")."""
    key = request.session.session_key
    return bool(key) and constant_time_compare(record.key_digest, keys.digest(key))


def _cut_offs(now: datetime) -> tuple[datetime, datetime]:
    """A record is of an ended session if last seen before the first or created before the
    second: its session's idle allowance (the cookie's age) plus the refresh's lag, and the
    absolute limit."""
    idle_since = now - timedelta(seconds=settings.SESSION_COOKIE_AGE + REFRESH_SECONDS)
    return idle_since, now - timedelta(seconds=settings.SESSION_ABSOLUTE_SECONDS)


def _ended_by_time(record: SignedInSession, now: datetime) -> bool:
    idle_since, signed_in_since = _cut_offs(now)
    return record.last_seen_at < idle_since or record.created_at < signed_in_since


def _is_live(record: SignedInSession, user: User) -> bool:
    """Whether the store still holds this session, signed in as ``user`` with their current
    password (a password change ends the other sessions through Django's auth hash)."""
    if _ended_by_time(record, timezone.now()):
        return False
    key = keys.unseal(record.sealed_key)
    if key is None:
        return False
    stored = _store(key)
    if stored.get(SESSION_KEY) != str(user.pk):
        return False
    stored_hash = stored.get(HASH_SESSION_KEY) or ""
    hashes = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
    return any(constant_time_compare(stored_hash, known) for known in hashes)


def live_sessions(request: HttpRequest) -> list[SignedInSession]:
    """The signed-in person's sessions that are really alive, this one first, then by latest
    activity; the records of sessions that ended meanwhile are removed."""
    user = request.user
    records = SignedInSession.objects.filter(account=user).order_by("-last_seen_at")
    current, others = [], []
    for record in records:
        if is_current(request, record):
            current.append(record)
        elif _is_live(record, user):
            others.append(record)
        else:
            _end(record)
    return current + others


def _end(record: SignedInSession) -> None:
    """Mark the session ended, delete it from the store (its cookie no longer works), then
    its record."""
    cache.set(ended_mark(record.key_digest), True, timeout=settings.SESSION_COOKIE_AGE)
    key = keys.unseal(record.sealed_key)
    if key is not None:
        _store().delete(key)
    SignedInSession.objects.filter(pk=record.pk).delete()


def end_session(request: HttpRequest, session_id: object) -> SignedInSession | None:
    """End one of the signed-in person's sessions: this one is signed out, another deleted.

    None when ``session_id`` names no session of theirs (another person's included: the
    caller answers as for one that does not exist).
    """
    record = SignedInSession.objects.filter(pk=session_id, account=request.user).first()
    if record is None:
        return None
    if is_current(request, record):
        logout(request)  # forgets the record (``user_logged_out``)
    else:
        _end(record)
    return record


def end_other_sessions(request: HttpRequest) -> int:
    """End every session of the signed-in person but this one; how many there were."""
    others = [
        record
        for record in SignedInSession.objects.filter(account=request.user)
        if not is_current(request, record)
    ]
    for record in others:
        _end(record)
    return len(others)


def end_all_sessions(*, account_id: int) -> int:
    """End every recorded session of an account (staff suspended or closed it)."""
    records = list(SignedInSession.objects.filter(account_id=account_id))
    for record in records:
        _end(record)
    return len(records)


def ended(now: datetime) -> Q:
    """The records whose session is past its idle or absolute limit at ``now`` (shared with
    the nightly housekeeping, which sweeps the ones no sign-in came to sweep)."""
    idle_since, signed_in_since = _cut_offs(now)
    return Q(last_seen_at__lt=idle_since) | Q(created_at__lt=signed_in_since)


def prune_ended() -> int:
    """Remove the records of every session past its idle or absolute limit (their sessions
    are dead: the store's expiry and the portal's middleware end them)."""
    count, _ = SignedInSession.objects.filter(ended(timezone.now())).delete()
    return count
