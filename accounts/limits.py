"""Every throttle of the portal in one place: what it counts, per what, how many, how long.

A limit is a counter in the shared cache (Redis in production, so it holds across processes
and machines) over **staggered fixed windows**: time is cut into windows of ``window`` seconds,
and each counted value (a mobile, an address, ...) has its own offset inside the period, taken
from a CRC32 of the value, so all counters do not reset at the same second. Counting is one
``cache.add`` (the window's first hit creates its counter at 1, living as long as the window)
or else one ``cache.incr`` (atomic in Redis and in the local-memory cache); a count above
``number`` is
refused. A window ends at a whole second; a hit at that very second counts in the next one.
Only Django's public cache API is used.

The README's "Limits" table is :func:`markdown_table`'s output; a test keeps the two equal.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches

#: Seconds a counter outlives its window, so a count made at the last second is still read.
EXPIRY_FUDGE_SECONDS = 5


@dataclass(frozen=True)
class Usage:
    """One counter as it stands after a hit (or a look): its count and when its window ends."""

    count: int
    number: int
    time_left: int
    key: str

    @property
    def exceeded(self) -> bool:
        """More than ``number`` were counted in this window: refuse."""
        return self.count > self.number

    @property
    def retry_after(self) -> int:
        """Seconds to wait before trying again: until the window ends once exceeded, else 0."""
        return max(1, self.time_left) if self.exceeded else 0


@dataclass(frozen=True)
class Limit:
    """A throttle: at most ``number`` per ``window`` for each value it is keyed on."""

    name: str
    keyed_on: str
    number_setting: str
    window: int | str
    purpose: str

    @property
    def number(self) -> int:
        return int(getattr(settings, self.number_setting))

    @property
    def window_seconds(self) -> int:
        window = self.window
        return int(getattr(settings, window) if isinstance(window, str) else window)

    def hit(self, value: str) -> Usage:
        """Count one for ``value`` and return the counter (refused ones count too)."""
        key, time_left = self._counter(value)
        cache, lifetime = _cache(), self.window_seconds + EXPIRY_FUDGE_SECONDS
        if cache.add(key, 1, lifetime):  # the first in its window
            count = 1
        else:
            try:
                count = cache.incr(key)
            except ValueError:  # expired between the two calls: a new window began
                cache.add(key, 1, lifetime)
                count = 1
        return Usage(count=count, number=self.number, time_left=time_left, key=key)

    def peek(self, value: str) -> Usage:
        """The counter for ``value`` without counting."""
        key, time_left = self._counter(value)
        count = int(_cache().get(key, 0))
        return Usage(count=count, number=self.number, time_left=time_left, key=key)

    def _counter(self, value: str) -> tuple[str, int]:
        """The cache key of ``value``'s current window, and the seconds until it ends."""
        period = self.window_seconds
        now = int(time.time())
        offset = zlib.crc32(value.encode("utf-8")) % period
        window_end = now - (now % period) + offset
        if window_end <= now:
            window_end += period
        digest = hashlib.sha256(value.encode("utf-8")).hexdigest()[:40]
        return f"limit:{self.name}:{period}:{window_end}:{digest}", window_end - now


def give_back(usage: Usage) -> None:
    """Undo one count of ``usage``'s window (nothing if that window is over)."""
    with contextlib.suppress(ValueError):
        _cache().decr(usage.key)


def _cache():
    return caches[settings.LIMITS_CACHE]


HOUR = 60 * 60

# Each purpose has its own per-person send quotas (decision 100), so sends a stranger can
# trigger (a registration with someone's mobile, a reset with someone's ID) never spend the
# quota that protects that person's own sign-in code.
SIGNIN_SENDS_PER_MOBILE = Limit(
    name="otp-signin-mobile",
    keyed_on="mobile number",
    number_setting="OTP_LIMIT_PER_MOBILE",
    window=HOUR,
    purpose="sign-in codes sent by SMS (only after the right password); given back if the "
    "SMS certainly failed",
)
SIGNIN_SENDS_PER_ID = Limit(
    name="otp-signin-id",
    keyed_on="ID number",
    number_setting="OTP_LIMIT_PER_ID",
    window=HOUR,
    purpose="sign-in codes sent by SMS; given back if the SMS certainly failed",
)
REGISTRATION_SENDS_PER_MOBILE = Limit(
    name="otp-register-mobile",
    keyed_on="mobile number",
    number_setting="OTP_LIMIT_PER_MOBILE",
    window=HOUR,
    purpose="registration codes sent by SMS (anyone may type a mobile: the most SMS a "
    "stranger can send to it); given back if the SMS certainly failed",
)
REGISTRATION_SENDS_PER_ID = Limit(
    name="otp-register-id",
    keyed_on="ID number",
    number_setting="OTP_LIMIT_PER_ID",
    window=HOUR,
    purpose="registration codes sent by SMS; given back if the SMS certainly failed",
)
RESET_SENDS_PER_PAIR = Limit(
    name="otp-reset-pair",
    keyed_on="ID number and mobile together",
    number_setting="OTP_LIMIT_PER_RESET_PAIR",
    window=HOUR,
    purpose="password-reset codes, real and decoy alike (a decoy sends nothing); never given "
    "back; never counted per mobile or per ID alone",
)
OTP_SENDS_PER_ADDRESS = Limit(
    name="otp-send-ip",
    keyed_on="client address",
    number_setting="OTP_LIMIT_PER_IP",
    window=HOUR,
    purpose="codes sent by SMS (every purpose; reset decoys too); never given back",
)
IDENTITY_CHECKS_PER_ADDRESS = Limit(
    name="register-identity",
    keyed_on="client address",
    number_setting="REGISTRATION_CHECKS_PER_IP",
    window=HOUR,
    purpose="registration identity-step posts (each looks an ID number up)",
)
SIGNIN_ATTEMPTS_PER_ADDRESS = Limit(
    name="signin-ip",
    keyed_on="client address",
    number_setting="LOGIN_ATTEMPTS_PER_IP",
    window=HOUR,
    purpose="sign-in password posts, right or wrong (what one address may try; it never shows "
    "the captcha to anyone); over it: 429 until the window ends",
)
SIGNIN_FAILURES_PER_IDENTIFIER = Limit(
    name="signin-fail-id",
    keyed_on="account (its username or ID number, either typed); an unknown identifier: itself, "
    "normalised",
    number_setting="LOGIN_LOCKOUT_FAILURES",
    window="LOGIN_LOCKOUT_SECONDS",
    purpose="wrong passwords; the captcha for this identifier alone, wherever it is typed, from "
    "LOGIN_FAILURES_BEFORE_CAPTCHA; a lockout of LOGIN_LOCKOUT_SECONDS from the last one at the "
    "number",
)
CAPTCHA_RECORDINGS_PER_ADDRESS = Limit(
    name="captcha-audio-ip",
    keyed_on="client address",
    number_setting="CAPTCHA_AUDIO_PER_IP",
    window=HOUR,
    purpose="captcha calculations spoken by espeak-ng (a replay comes from the cache and is not "
    "counted); over it: 429 until the window ends",
)
RESET_REQUESTS_PER_ADDRESS = Limit(
    name="password-reset",
    keyed_on="client address",
    number_setting="PASSWORD_RESET_REQUESTS_PER_IP",
    window=HOUR,
    purpose="password-reset starts; over it: 429 until the window ends",
)

#: Every limit, in the order the README lists them.
LIMITS: tuple[Limit, ...] = (
    SIGNIN_SENDS_PER_MOBILE,
    SIGNIN_SENDS_PER_ID,
    REGISTRATION_SENDS_PER_MOBILE,
    REGISTRATION_SENDS_PER_ID,
    RESET_SENDS_PER_PAIR,
    OTP_SENDS_PER_ADDRESS,
    IDENTITY_CHECKS_PER_ADDRESS,
    SIGNIN_ATTEMPTS_PER_ADDRESS,
    SIGNIN_FAILURES_PER_IDENTIFIER,
    CAPTCHA_RECORDINGS_PER_ADDRESS,
    RESET_REQUESTS_PER_ADDRESS,
)


def markdown_table() -> str:
    """The README's "Limits" table: one row a limit, numbers as configured."""
    rows = [
        "| limit | counts per | number (setting) | window | what it counts |",
        "|---|---|---|---|---|",
    ]
    for limit in LIMITS:
        window = f"{limit.window_seconds} s"
        if isinstance(limit.window, str):
            window += f" (`{limit.window}`)"
        rows.append(
            f"| `{limit.name}` | {limit.keyed_on} | {limit.number} (`{limit.number_setting}`) "
            f"| {window} | {limit.purpose} |"
        )
    return "\n".join(rows)
