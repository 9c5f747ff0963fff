"""Signing in with a passkey on ``/login/``: options, then the browser's answer (JSON).

A passkey with user verification is both factors: no SMS is sent. The session is then exactly
what the password sign-in makes (``login()``, the factor recorded, this browser remembered as
one of the account's devices), and the person lands where the password sign-in would send them.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from absher_portal import metrics
from absher_portal.client_ip import client_ip
from accounts import factors, limits
from accounts.access import safe_next_url
from accounts.error_messages import NETWORK_RATE_LIMITED
from accounts.signin import devices, services
from accounts.signin.services import PENDING_SIGNIN_KEY
from passkeys import authentication, relying_party
from passkeys.authentication import SignInLocked
from passkeys.ceremony import CeremonyFailed, read_body
from passkeys.errors import SIGN_IN_ERRORS
from passkeys.views import refused


def _too_many(message: str, seconds: int) -> JsonResponse:
    response = JsonResponse({"error": "rate_limited", "message": message}, status=429)
    response["Retry-After"] = str(max(1, seconds))
    return response


@never_cache
@require_POST
def sign_in_options(request: HttpRequest) -> HttpResponse:
    """The options for ``navigator.credentials.get()``, counted against the address."""
    if not relying_party.available():
        return refused("failed", SIGN_IN_ERRORS)
    usage = limits.PASSKEY_SIGN_IN_REQUESTS_PER_ADDRESS.hit(client_ip(request))
    if usage.exceeded:
        return _too_many(str(NETWORK_RATE_LIMITED), usage.retry_after)
    return JsonResponse({"publicKey": authentication.authentication_options(request.session)})


@never_cache
@require_POST
def sign_in_verify(request: HttpRequest) -> HttpResponse:
    """The browser's answer: the account signed in, and where to go next."""
    if seconds := services.ip_attempt_wait(client_ip(request)):
        return _too_many(str(NETWORK_RATE_LIMITED), seconds)
    try:
        body = read_body(request.body)
        user = authentication.authenticate(request, credential=body.get("credential"))
    except SignInLocked as locked:
        return _too_many(locked.refusal.message, locked.refusal.wait)
    except CeremonyFailed as failed:
        return refused(failed.code, SIGN_IN_ERRORS)
    next_url = safe_next_url(request, body.get("next"))
    request.session.pop(PENDING_SIGNIN_KEY, None)  # a password sign-in left half-way
    # The one backend by name, as the password sign-in does: the user was read by us.
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    metrics.sign_in(factors.Factor.WEBAUTHN, ok=True)
    factors.record(request.session, factors.Factor.WEBAUTHN)
    services.forget_captcha_demand(
        services.account_key(user), devices.device_key(request, user) or ""
    )
    response = JsonResponse({"next": services.landing_url(user, next_url)})
    devices.remember(response, user)
    return response
