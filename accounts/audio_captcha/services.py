"""Who gets a recording of which captcha, and what it may cost (decision 172).

- Only a live captcha is spoken: its key must name a ``CaptchaStore`` row that has not expired
  (and is not used up: a solved or wrongly answered captcha is deleted), so the sound expires
  with the picture. The key is the captcha's random 40-hex hashkey, already in the page.
- A recording is made once per captcha and language and kept in the cache until the captcha
  expires: replays, range requests and a second listener cost a cache read.
- Making one (a subprocess of a few tens of milliseconds) counts against the client address
  (``limits.CAPTCHA_RECORDINGS_PER_ADDRESS``); with at most one recording per captcha and
  language, one address can start at most ``CAPTCHA_AUDIO_PER_IP`` processes an hour.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from captcha.models import CaptchaStore
from django.core.cache import cache
from django.utils import timezone

from accounts import limits
from accounts.audio_captcha import speech

logger = logging.getLogger(__name__)

#: The shape of a hashkey (sha1 hex): anything else is gone without a query.
HASHKEY = re.compile(r"[0-9a-f]{40}")


class CaptchaGone(Exception):
    """No live captcha has this key: unknown, expired, or already answered."""


@dataclass(frozen=True)
class RecordingRefused(Exception):
    """The address made too many recordings this hour: try again in ``wait`` seconds."""

    wait: int


@dataclass(frozen=True)
class Recording:
    """A captcha's calculation as a WAV file, and how long it stays valid."""

    audio: bytes
    seconds_left: int


def _cache_key(key: str, language: str) -> str:
    return f"captcha-audio:{language}:{key}"


def captcha_recording(*, key: str, language: str, ip: str) -> Recording:
    """The recording of captcha ``key`` in ``language``, made now or taken from the cache.

    Raises ``CaptchaGone``, ``RecordingRefused`` or ``speech.SpeechUnavailable``.
    """
    if language not in speech.VOICES:
        language = "ar"
    store = None
    if HASHKEY.fullmatch(key):
        store = CaptchaStore.objects.filter(hashkey=key, expiration__gt=timezone.now()).first()
    if store is None:
        raise CaptchaGone(key)
    seconds_left = max(1, int((store.expiration - timezone.now()).total_seconds()))
    if (audio := cache.get(_cache_key(key, language))) is not None:
        return Recording(audio=audio, seconds_left=seconds_left)
    question = speech.question_text(store.challenge, language)
    if question is None:
        raise speech.SpeechUnavailable("the challenge is not a calculation")
    if ip and (usage := limits.CAPTCHA_RECORDINGS_PER_ADDRESS.hit(ip)).exceeded:
        raise RecordingRefused(usage.retry_after)
    try:
        # Said twice: a listener who missed the start need not play it again.
        audio = speech.speak(f"{question} {question}", language)
    except speech.SpeechUnavailable as exc:
        # The reason only: the question is as good as the answer.
        logger.warning("captcha audio unavailable: %s", exc)
        raise
    cache.set(_cache_key(key, language), audio, seconds_left)
    return Recording(audio=audio, seconds_left=seconds_left)
