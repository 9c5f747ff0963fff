"""The captcha's calculation as words, and the words as a WAV file made by espeak-ng.

django-simple-captcha's own audio view cannot serve the portal: it speaks through flite
(English only), reads ``3x4=`` as it is written, and runs its tools with no time limit. Here the
words are built from the challenge alone (digits and an operator, never anything a person
typed), translated into the page's language, and spoken by Debian's ``espeak-ng`` (Arabic and
English voices) in a subprocess: no shell, the text on its standard input, killed after
``CAPTCHA_AUDIO_TIMEOUT_SECONDS``.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import signal

# One fixed tool with a fixed argument list and no shell (speak()).
import subprocess  # nosec B404
import wave

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

#: simple-captcha's ``math_challenge``: two numbers from 1 to 10, an operator, "=" (the
#: multiplication drawn as ``CAPTCHA_MATH_CHALLENGE_OPERATOR``, "x").
CHALLENGE = re.compile(r"(?P<first>[0-9]{1,2})(?P<operator>[-+x*])(?P<second>[0-9]{1,2})=")

QUESTIONS = {
    "+": _("What is %(first)s plus %(second)s?"),
    "-": _("What is %(first)s minus %(second)s?"),
    "x": _("What is %(first)s times %(second)s?"),
    "*": _("What is %(first)s times %(second)s?"),
}

#: espeak-ng's voice for each language of the portal (``espeak-ng --voices``).
VOICES = {"ar": "ar", "en": "en-gb"}
#: Words a minute: a little slower than espeak-ng's 175, for listening through a screen reader.
WORDS_PER_MINUTE = "140"


class SpeechUnavailable(Exception):
    """No recording could be made: the tool is missing, hung, failed or said nothing."""


def question_text(challenge: str, language: str) -> str | None:
    """The calculation as a question in ``language`` ("What is 3 plus 4?"), or None when the
    challenge is not a sum of the kind the portal draws (nothing else is ever spoken)."""
    match = CHALLENGE.fullmatch(challenge)
    if match is None or language not in VOICES:
        return None
    with translation.override(language):
        return str(QUESTIONS[match["operator"]]) % {
            "first": int(match["first"]),
            "second": int(match["second"]),
        }


def tool() -> str | None:
    """The espeak-ng executable, or None when it is not installed (the page then says so)."""
    return shutil.which(settings.CAPTCHA_ESPEAK_PATH)


def speak(text: str, language: str) -> bytes:
    """A WAV file of ``text`` in ``language``'s voice; ``SpeechUnavailable`` if none was made.

    The text goes on standard input, so nothing in it can read as an option. The tool runs in
    its own process group, so a timeout kills whatever it started too, and the request waits
    at most ``CAPTCHA_AUDIO_TIMEOUT_SECONDS``.
    """
    executable = tool()
    if executable is None:
        raise SpeechUnavailable("espeak-ng is not installed")
    command = [executable, "-v", VOICES[language], "-s", WORDS_PER_MINUTE, "--stdout"]
    try:
        # A fixed argument list, no shell; the text goes on standard input.
        with subprocess.Popen(  # noqa: S603  # nosec B603
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        ) as process:
            try:
                output, _stderr = process.communicate(
                    text.encode("utf-8"), timeout=settings.CAPTCHA_AUDIO_TIMEOUT_SECONDS
                )
            except subprocess.TimeoutExpired as exc:
                os.killpg(process.pid, signal.SIGKILL)
                process.communicate()
                raise SpeechUnavailable("espeak-ng timed out") from exc
    except OSError as exc:
        raise SpeechUnavailable(f"espeak-ng could not run: {type(exc).__name__}") from exc
    if process.returncode != 0:
        raise SpeechUnavailable(f"espeak-ng exited with {process.returncode}")
    return with_length(output)


def with_length(stream: bytes) -> bytes:
    """The WAV ``stream`` rewritten with its real length in the header.

    ``espeak-ng --stdout`` cannot seek back, so its header claims 2 GiB; browsers then show no
    duration and some refuse to seek. ``wave`` reads the frames to the end and writes them again.
    """
    try:
        with wave.open(io.BytesIO(stream)) as source:
            params = source.getparams()
            frames = source.readframes(source.getnframes())
    except (EOFError, wave.Error) as exc:
        raise SpeechUnavailable("espeak-ng wrote no WAV") from exc
    frame_size = params.nchannels * params.sampwidth
    frames = frames[: len(frames) - len(frames) % frame_size]
    if not frames:
        raise SpeechUnavailable("espeak-ng said nothing")
    out = io.BytesIO()
    with wave.open(out, "wb") as target:
        target.setnchannels(params.nchannels)
        target.setsampwidth(params.sampwidth)
        target.setframerate(params.framerate)
        target.writeframes(frames)
    return out.getvalue()
