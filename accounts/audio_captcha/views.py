"""The captcha's recording, served under its key (``/captcha/audio/<key>.wav``)."""

from __future__ import annotations

import io

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from ranged_response import RangedFileResponse

from absher_portal.client_ip import client_ip
from absher_portal.errors import render_error_page, too_many_requests
from accounts.audio_captcha import services
from accounts.audio_captcha.speech import SpeechUnavailable


@require_safe
def captcha_audio(request: HttpRequest, key: str) -> HttpResponse:
    """The calculation of captcha ``key`` spoken in the request's language, as ``audio/wav``.

    410 when the captcha is gone (like simple-captcha's picture), 429 past the address's limit,
    503 when no recording can be made. Byte ranges are served: Safari asks for them.
    """
    language = (get_language() or "ar").split("-")[0]
    try:
        recording = services.captcha_recording(key=key, language=language, ip=client_ip(request))
    except services.CaptchaGone:
        return render_error_page(request, "captcha/audio_gone.html", 410)
    except services.RecordingRefused as refused:
        message = _("You have asked for many recordings of calculations. Try again later.")
        return too_many_requests(request, message=message, retry_after=refused.wait)
    except SpeechUnavailable:
        return render_error_page(request, "503.html", 503)
    response = RangedFileResponse(request, io.BytesIO(recording.audio), content_type="audio/wav")
    response["Accept-Ranges"] = "bytes"
    if response.status_code == 200:
        response["Content-Length"] = str(len(recording.audio))
    response["Content-Disposition"] = 'inline; filename="calculation.wav"'
    # Valid as long as the captcha; for this browser only; in the language its cookie chose.
    response["Cache-Control"] = f"private, max-age={recording.seconds_left}"
    patch_vary_headers(response, ("Cookie", "Accept-Language"))
    return response
