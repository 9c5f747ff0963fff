"""Twilio's delivery reports: ``POST /sms/twilio/status/`` (issue 6, item 5).

Twilio posts a form (``MessageSid``, ``MessageStatus``, ``ErrorCode``...) each time a message's
status changes, signed in ``X-Twilio-Signature`` with the account's auth token over the URL it
requested and the posted fields. The URL is rebuilt from ``PUBLIC_ORIGIN``, never from the Host
header, so a proxy cannot change what is checked (as for the bank API, design.md §8).

The URL's ``delivery`` query names the portal's ``SmsDelivery`` row, which is committed before
Twilio is asked: a report that overtakes Twilio's answer to the send (and so arrives before the
row knows the message id) is stored on that row and fills in its id.

Answers: 403 for a missing or wrong signature (or no auth token configured: nothing can be
trusted then); 400 for a form without a message id or status; 200 otherwise, including for a
message id the portal does not know or a status it does not track. Twilio does not retry status
callbacks, so a 404 would only fill its debugger with errors for messages that are not this
portal's to track (another application on the same account).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from sms.records import TWILIO_STATUSES, apply_provider_status

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "HTTP_X_TWILIO_SIGNATURE"


def signature_is_valid(request: HttpRequest) -> bool:
    """Check Twilio's signature over the public URL and the posted fields."""
    token = settings.TWILIO_AUTH_TOKEN
    signature = request.META.get(SIGNATURE_HEADER, "")
    if not token or not signature:
        return False
    url = settings.PUBLIC_ORIGIN + request.get_full_path()
    return RequestValidator(token).validate(url, request.POST, signature)


def _delivery_id(raw: str) -> int | None:
    """The ``delivery`` query value (a row id the portal put in the URL), if it is one."""
    raw = raw.strip()
    if raw.isascii() and raw.isdigit() and len(raw) <= 18:
        return int(raw)
    return None


def _error_code(raw: str) -> int | None:
    """Twilio's ``ErrorCode`` (absent, empty or a number); anything else is ignored."""
    raw = raw.strip()
    if raw.isascii() and raw.isdigit() and len(raw) <= 9:
        return int(raw)
    return None


@csrf_exempt  # Twilio cannot hold a CSRF token; the signature authenticates the request
@require_POST
def twilio_status_callback(request: HttpRequest) -> HttpResponse:
    """Store the delivery status Twilio reports for one of the portal's messages."""
    if not signature_is_valid(request):
        logger.warning("Twilio status callback refused: missing or invalid signature")
        return HttpResponseForbidden()
    sid = request.POST.get("MessageSid", "").strip()
    reported = request.POST.get("MessageStatus", "").strip().lower()
    if not sid or not reported:
        return HttpResponseBadRequest()
    status = TWILIO_STATUSES.get(reported)
    if status is None:
        logger.info("Twilio status %r for %s is not tracked", reported[:20], sid[:64])
        return HttpResponse(status=200)
    error_code = _error_code(request.POST.get("ErrorCode", ""))
    delivery_id = _delivery_id(request.GET.get("delivery", ""))
    if not apply_provider_status(sid[:64], status, error_code=error_code, delivery_id=delivery_id):
        logger.info("Twilio status %s for unknown message %s", status, sid[:64])
    return HttpResponse(status=200)
