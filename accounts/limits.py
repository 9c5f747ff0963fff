"""Every throttle of the portal in one place: what it counts, per what, how many, how long.

A limit allows at most ``number`` hits for each counted value (a mobile, an address, ...) in
**any** interval of ``window`` seconds: there is no window boundary to straddle (decision 112).
Time is cut into ``SLICES`` slices of ``window / SLICES`` seconds (rounded up; fewer slices for
a window under ``SLICES`` seconds), each value's slices offset by a CRC32 of it so counters do
not all move at the same second. A hit adds one to its value's current slice (one
``cache.add``, or else one atomic ``cache.incr``) and reads the ``SLICES`` slices before it
(one ``cache.get_many``); the count is their sum, and a count above ``number`` is refused.
Those slices reach back at least ``window`` seconds from the hit, so every hit accepted in
any ``window``-long interval was counted by the last of them: at most ``number`` are
accepted in it, exactly, not to within an estimate. The price: the count looks back up to one
slice further than ``window`` (an hour's limit up to 65 minutes), so a refused value may wait
up to that slice (5 minutes of an hour) longer than a perfect log of every hit would make it.
Hits that land in the same instant on either side of a slice's end may each miss the other
(a few microseconds in which two racing hits can both be accepted); within a slice the atomic
increment orders them exactly.

``Usage.time_left`` is the wait until a further hit would be accepted, from the counts the hit
or look saw (0: at once). Only Django's public cache API is used.

The README's "Limits" table is :func:`markdown_table`'s output; a test keeps the two equal.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import time
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches

#: Slices a window is cut into: the finer, the closer to an exact log and the more keys read.
SLICES = 12
#: Seconds a slice's counter outlives the last count that can read it.
EXPIRY_FUDGE_SECONDS = 5


def _now() -> float:
    """The current time. Used for mocking in tests."""
    return time.time()


@dataclass(frozen=True)
class Usage:
    """One counter as it stands after a hit (or a look): its count and the wait it implies."""

    count: int
    number: int
    time_left: int
    key: str

    @property
    def exceeded(self) -> bool:
        """More than ``number`` were counted in the sliding window: refuse."""
        return self.count > self.number

    @property
    def retry_after(self) -> int:
        """Seconds to wait before trying again once exceeded (else 0)."""
        return max(1, self.time_left) if self.exceeded else 0


@dataclass(frozen=True)
class Limit:
    """A throttle: at most ``number`` in any ``window`` seconds for each value it is keyed on."""

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
        slices = self._slices(value)
        current, older = slices.keys[-1], slices.keys[:-1]
        cache, lifetime = _cache(), slices.lifetime
        if cache.add(current, 1, lifetime):  # the first in its slice
            count = 1
        else:
            try:
                count = cache.incr(current)
            except ValueError:  # expired between the two calls
                cache.add(current, 1, lifetime)
                count = 1
        seen = cache.get_many(older)
        return self._usage(slices, [int(seen.get(key, 0)) for key in older] + [count])

    def peek(self, value: str) -> Usage:
        """The counter for ``value`` without counting."""
        slices = self._slices(value)
        seen = _cache().get_many(slices.keys)
        return self._usage(slices, [int(seen.get(key, 0)) for key in slices.keys])

    def _usage(self, slices: _Slices, counts: list[int]) -> Usage:
        """The sum of ``counts`` (oldest slice first) and the wait until one more would pass.

        The oldest slice leaves the count when the current one ends, the next a slice later.
        """
        number, wait = self.number, 0
        for dropped in range(len(counts) + 1):
            if sum(counts[dropped:]) + 1 <= number:
                wait = 0 if dropped == 0 else slices.ends_in + (dropped - 1) * slices.length
                break
        else:  # a number below 1 lets nothing through
            wait = len(counts) * slices.length
        return Usage(count=sum(counts), number=number, time_left=wait, key=slices.keys[-1])

    def _slices(self, value: str) -> _Slices:
        """The keys of ``value``'s slices covering the last window, oldest first."""
        period = self.window_seconds
        length = max(1, math.ceil(period / SLICES))
        behind = math.ceil(period / length)  # slices before the current one: >= one window
        offset = zlib.crc32(value.encode("utf-8")) % length
        now = _now()
        index = math.floor((now - offset) / length)
        digest = hashlib.sha256(value.encode("utf-8")).hexdigest()[:40]
        prefix = f"limit:{self.name}:{length}:{digest}"
        return _Slices(
            keys=[f"{prefix}:{n}" for n in range(index - behind, index + 1)],
            length=length,
            ends_in=max(1, math.ceil((index + 1) * length + offset - now)),
            lifetime=(behind + 1) * length + EXPIRY_FUDGE_SECONDS,
        )


@dataclass(frozen=True)
class _Slices:
    keys: list[str]
    length: int
    ends_in: int
    lifetime: int


def give_back(usage: Usage) -> None:
    """Undo one count of ``usage`` (in the slice it was counted in)."""
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
WRONG_CODES_PER_PERSON = Limit(
    name="otp-wrong-codes",
    keyed_on="purpose and person: sign-in: the account; registration: the mobile number; "
    "reset: the ID number and mobile together",
    number_setting="OTP_MAX_FAILURES",
    window=HOUR,
    purpose="wrong codes checked, over every session, resend and challenge; at the number "
    "every code of that purpose and person is refused, the right one too (a refused or right "
    "code is not counted)",
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
    "the captcha to anyone); over it: 429 saying when one more would pass",
)
SIGNIN_FAILURES_PER_IDENTIFIER = Limit(
    name="signin-fail-id",
    keyed_on="account (its username or ID number, either typed), or on a browser that signed in "
    "to it before, that browser (decision 105); an unknown identifier: itself, normalised",
    number_setting="LOGIN_LOCKOUT_FAILURES",
    window="LOGIN_LOCKOUT_SECONDS",
    purpose="wrong passwords, and wrong authenticator app and recovery codes after the right "
    "password (decision 245); the captcha for this identifier alone, wherever it is typed, from "
    "LOGIN_FAILURES_BEFORE_CAPTCHA; a lockout of LOGIN_LOCKOUT_SECONDS from the last one at the "
    "number",
)
CAPTCHA_RECORDINGS_PER_ADDRESS = Limit(
    name="captcha-audio-ip",
    keyed_on="client address",
    number_setting="CAPTCHA_AUDIO_PER_IP",
    window=HOUR,
    purpose="captcha calculations spoken by espeak-ng (a replay comes from the cache and is not "
    "counted); over it: 429 saying when one more would pass",
)
RESET_REQUESTS_PER_ADDRESS = Limit(
    name="password-reset",
    keyed_on="client address",
    number_setting="PASSWORD_RESET_REQUESTS_PER_IP",
    window=HOUR,
    purpose="password-reset starts; over it: 429 saying when one more would pass",
)
PASSKEY_SIGN_IN_REQUESTS_PER_ADDRESS = Limit(
    name="passkey-signin-ip",
    keyed_on="client address",
    number_setting="PASSKEY_SIGN_IN_REQUESTS_PER_IP",
    window=HOUR,
    purpose="passkey sign-in options (the login page asks for one on arrival, for autofill, and "
    "one per press of its button); over it: 429, the password sign-in still works",
)
PASSKEY_ADD_REQUESTS_PER_ACCOUNT = Limit(
    name="passkey-add-account",
    keyed_on="account",
    number_setting="PASSKEY_ADD_REQUESTS_PER_ACCOUNT",
    window=HOUR,
    purpose="requests to add a passkey (each keeps a challenge in the session); over it: 429",
)

#: Every limit, in the order the README lists them.
LIMITS: tuple[Limit, ...] = (
    SIGNIN_SENDS_PER_MOBILE,
    SIGNIN_SENDS_PER_ID,
    REGISTRATION_SENDS_PER_MOBILE,
    REGISTRATION_SENDS_PER_ID,
    RESET_SENDS_PER_PAIR,
    WRONG_CODES_PER_PERSON,
    OTP_SENDS_PER_ADDRESS,
    IDENTITY_CHECKS_PER_ADDRESS,
    SIGNIN_ATTEMPTS_PER_ADDRESS,
    SIGNIN_FAILURES_PER_IDENTIFIER,
    CAPTCHA_RECORDINGS_PER_ADDRESS,
    RESET_REQUESTS_PER_ADDRESS,
    PASSKEY_SIGN_IN_REQUESTS_PER_ADDRESS,
    PASSKEY_ADD_REQUESTS_PER_ACCOUNT,
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
