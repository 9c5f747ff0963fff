"""The captcha as sound (issue 14 item 7): the same calculation, spoken in the page's language.

A blind person must be able to pass the captcha (WCAG 2.2 SC 1.1.1, and 3.3.8 on sign-in): next
to the picture there is a control that plays the question, served as ``audio/wav`` under the
captcha's key, gone when the picture is gone, with nothing of the answer in its URL.
"""

from __future__ import annotations

import datetime
import re
import shutil
import stat
from http import HTTPStatus

import pytest
from captcha.models import CaptchaStore
from django.urls import reverse
from django.utils import timezone

from tests.registration_driver import RegistrationDriver, step_url

pytestmark = pytest.mark.django_db

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None,
    reason="espeak-ng is not installed (apt-get install espeak-ng)",
)

LISTEN = {"en": "Listen to the calculation", "ar": "استمع إلى العملية الحسابية"}
NEW_TAB = {"en": "(opens in new tab)", "ar": "(تُفتح في علامة تبويب جديدة)"}
UNAVAILABLE = {
    "en": "Listening to the calculation is not available at the moment.",
    "ar": "الاستماع إلى العملية الحسابية غير متاح حاليًا.",
}


def live_captcha(challenge: str = "3+4=", response: str = "7") -> CaptchaStore:
    return CaptchaStore.objects.create(challenge=challenge, response=response)


def audio_url(key: str) -> str:
    return reverse("captcha-audio", kwargs={"key": key})


def audio_link(html: str) -> dict[str, str] | None:
    """The audio control of a page: its URL and its accessible name (the link's text)."""
    match = re.search(
        r'<a [^>]*class="captcha-audio"[^>]*href="(?P<href>[^"]+)"[^>]*>(?P<inner>.*?)</a>', html
    )
    if match is None:
        return None
    name = " ".join(re.sub(r"<[^>]+>", "", match["inner"]).split())
    return {"href": match["href"], "name": name}


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def account_step(client, sms_outbox):
    """The registration's account step (the first page with a captcha), in a language."""

    def page(language: str) -> str:
        client.cookies["django_language"] = language
        RegistrationDriver(client, sms_outbox).identity_step()
        return client.get(step_url("account")).content.decode()

    return page


# --- the control on the page ----------------------------------------------------------------
@needs_espeak
@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_account_step_offers_the_calculation_as_sound(account_step, language):
    html = account_step(language)
    key = re.search(r'name="account-captcha_0" value="([0-9a-f]{40})"', html).group(1)
    link = audio_link(html)
    assert link is not None, "no audio control next to the captcha picture"
    assert link["href"] == audio_url(key)
    assert link["name"] == f"{LISTEN[language]} {NEW_TAB[language]}"


@needs_espeak
def test_the_sign_in_captcha_offers_the_sound_too(client):
    client.cookies["django_language"] = "en"
    for _ in range(3):
        page = client.post(
            reverse("accounts:login"), {"identifier": "someone2024", "password": "Wr0ngPassw9x"}
        )
    link = audio_link(page.content.decode())
    assert link is not None and link["name"] == f"{LISTEN['en']} {NEW_TAB['en']}"


@pytest.mark.parametrize("language", ["ar", "en"])
def test_without_a_speech_tool_the_page_says_audio_is_unavailable(account_step, settings, language):
    settings.CAPTCHA_ESPEAK_PATH = "/nonexistent/espeak-ng"
    html = account_step(language)
    assert audio_link(html) is None
    assert UNAVAILABLE[language] in html
    assert 'name="account-captcha_1"' in html  # the picture still works


# --- the sound ------------------------------------------------------------------------------
@needs_espeak
@pytest.mark.parametrize("language", ["ar", "en"])
def test_a_live_captcha_is_spoken_as_wav(client, language):
    client.cookies["django_language"] = language
    store = live_captcha()
    response = client.get(audio_url(store.hashkey))
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "audio/wav"
    audio = body(response)
    assert audio[:4] == b"RIFF" and audio[8:12] == b"WAVE"
    assert len(audio) > 20_000  # about a second and a half of 16-bit speech at least
    assert response["Cache-Control"].startswith("private")


@needs_espeak
def test_each_language_has_its_own_voice(client):
    store = live_captcha()
    spoken = {}
    for language in ("ar", "en"):
        client.cookies["django_language"] = language
        spoken[language] = body(client.get(audio_url(store.hashkey)))
    assert spoken["ar"] != spoken["en"]


@pytest.mark.parametrize("key", ["0f" * 20, "nothing", "٤٥abc"])
def test_an_unknown_key_is_gone(client, key):
    assert client.get(audio_url(key)).status_code in {HTTPStatus.GONE, HTTPStatus.NOT_FOUND}


def test_the_sound_expires_with_the_picture(client):
    store = live_captcha()
    CaptchaStore.objects.filter(pk=store.pk).update(
        expiration=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert client.get(audio_url(store.hashkey)).status_code == HTTPStatus.GONE


@needs_espeak
def test_a_solved_captcha_has_no_sound_left(client):
    store = live_captcha()
    store.delete()
    assert client.get(audio_url(store.hashkey)).status_code == HTTPStatus.GONE


@needs_espeak
def test_neither_url_nor_headers_hold_the_answer_or_the_question(client):
    store = live_captcha("9x8=", "72")
    url = audio_url(store.hashkey)
    assert url == f"/captcha/audio/{store.hashkey}.wav"
    response = client.get(url)
    # Sizes, times and the random request id may contain "72" by chance; nothing else may.
    incidental = {"content-length", "content-range", "date", "expires", "x-request-id"}
    headers = " ".join(
        f"{name}: {value}"
        for name, value in response.headers.items()
        if name.lower() not in incidental
    )
    for secret in ("72", "9x8", "9", "8"):
        assert secret not in url.replace(store.hashkey, "")
    assert "72" not in headers and "9x8" not in headers


# --- what it costs ----------------------------------------------------------------------------
@needs_espeak
def test_replays_come_from_the_cache_and_new_captchas_are_counted_per_address(client, settings):
    settings.CAPTCHA_AUDIO_PER_IP = 2
    first, second, third = live_captcha(), live_captcha("2+2=", "4"), live_captcha("5-1=", "4")
    for _ in range(5):  # a person replaying the same calculation
        assert client.get(audio_url(first.hashkey)).status_code == HTTPStatus.OK
    assert client.get(audio_url(second.hashkey)).status_code == HTTPStatus.OK
    refused = client.get(audio_url(third.hashkey))
    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert int(refused["Retry-After"]) > 0
    elsewhere = client.get(audio_url(third.hashkey), REMOTE_ADDR="203.0.113.9")
    assert elsewhere.status_code == HTTPStatus.OK


def test_a_hanging_speech_tool_is_stopped_and_answered_calmly(client, settings, tmp_path):
    slow = tmp_path / "espeak-ng"
    slow.write_text("#!/bin/sh\nsleep 30\n")
    slow.chmod(slow.stat().st_mode | stat.S_IEXEC)
    settings.CAPTCHA_ESPEAK_PATH = str(slow)
    settings.CAPTCHA_AUDIO_TIMEOUT_SECONDS = 0.5
    started = timezone.now()
    response = client.get(audio_url(live_captcha().hashkey))
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert (timezone.now() - started).total_seconds() < 5


# --- the words spoken ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("challenge", "language", "question"),
    [
        ("3+4=", "en", "What is 3 plus 4?"),
        ("3+4=", "ar", "كم يساوي 3 زائد 4؟"),
        ("10-2=", "en", "What is 10 minus 2?"),
        ("10-2=", "ar", "كم يساوي 10 ناقص 2؟"),
        ("6x7=", "en", "What is 6 times 7?"),
        ("6*7=", "en", "What is 6 times 7?"),
        ("6x7=", "ar", "كم يساوي 6 مضروبًا في 7؟"),
    ],
)
def test_the_words_spoken_are_the_question_in_the_language(challenge, language, question):
    from accounts.audio_captcha.speech import question_text

    assert question_text(challenge, language) == question


@pytest.mark.parametrize("challenge", ["", "ABCD", "3+4", "3/4=", "-3+4=", "3+4=; rm -rf /"])
def test_anything_but_a_sum_has_no_words(challenge):
    from accounts.audio_captcha.speech import question_text

    assert question_text(challenge, "en") is None
