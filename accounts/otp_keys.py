"""The one-time codes' HMAC key and its fallbacks (decision 302; docs/runbooks/otp-hmac-key.md).

A code is stored only as an HMAC bound to its challenge and purpose. The key is
``OTP_HMAC_KEY``, apart from ``SECRET_KEY`` so that each can be rotated alone; a code made under
a key since moved to ``OTP_HMAC_KEY_FALLBACKS`` still verifies, and a wrong code is wrong under
every key, so the wrong-code counts do not change. Without ``OTP_HMAC_KEY`` (development,
browser tests, benchmarks) ``SECRET_KEY`` and its fallbacks key it, as before the setting.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.models import OtpChallenge


def hmac_keys() -> list[str]:
    """The codes' HMAC keys, the one that makes new codes first (read at each call).

    ``OTP_HMAC_KEY`` and its fallbacks; unset (development), ``SECRET_KEY`` and its fallbacks,
    which is what keyed every code before the key had a setting of its own.
    """
    if settings.OTP_HMAC_KEY:
        return [settings.OTP_HMAC_KEY, *settings.OTP_HMAC_KEY_FALLBACKS]
    return [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]


def code_hmac(challenge: OtpChallenge, code: str, *, key: str | None = None) -> str:
    """HMAC of ``code`` bound to this challenge and its purpose, under ``key`` (the current)."""
    return salted_hmac(
        f"accounts.otp.{challenge.purpose}",
        f"{challenge.pk}:{code}",
        secret=key if key is not None else hmac_keys()[0],
        algorithm="sha256",
    ).hexdigest()


def code_matches(challenge: OtpChallenge, code: str) -> bool:
    """Whether ``code`` is the challenge's, under the current key or any fallback.

    Every key is tried (no early exit), so the time taken does not say which key matched.
    """
    matched = False
    for key in hmac_keys():
        matched |= constant_time_compare(challenge.code_hmac, code_hmac(challenge, code, key=key))
    return matched
