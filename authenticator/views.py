"""The security page's actions for the authenticator app and the recovery codes (design.md §19).

Setting up or removing the app and making new codes need a recent sign-in
(``security.recent``). Recovery codes are shown once, in the response of the request that made
them: they are kept nowhere in clear, so the page after a reload cannot show them again, and
"Download" posts the codes shown back to be returned as a file (decision 247).
"""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from accounts.access import signed_in_active
from authenticator import recovery_codes, totp
from authenticator.forms import AppCodeForm
from pages.service import service_details
from security.flow import after_factor_added_url
from security.recent import recent_sign_in_required

#: Session key of the one-use token of the "make new codes" form: a reload of the page that
#: showed new codes posts it again, and must not silently replace the codes just saved.
NEW_CODES_TOKEN_KEY = "authenticator_new_codes_form"  # noqa: S105  # nosec B105 - a session key


@signed_in_active
@recent_sign_in_required
@sensitive_post_parameters("code")
@sensitive_variables("key", "form")
def setup(request: HttpRequest) -> HttpResponse:
    """The QR code and key of a new app, and the field for its first code."""
    user = request.user
    form = AppCodeForm(request.POST if request.method == "POST" else None)
    try:
        if form.is_bound and form.is_valid():
            try:
                check = totp.app_setup_confirm(user=user, code=form.cleaned_data["code"])
            except totp.SetupExpired:
                form.add_check_error("setup_expired")
            else:
                if check is totp.Check.ACCEPTED:
                    return _app_ready(request)
                form.add_check_error(check)
        key = totp.app_setup_start(user=user)
    except totp.AlreadySetUp:  # set up in another tab, or this form sent twice
        messages.info(request, _("You have already set up an authenticator app."))
        return redirect("security:page")
    context = {"form": form, "key": key, "qr_code": totp.qr_code_svg(key.uri)}
    return render(request, "authenticator/setup.html", context)


@sensitive_variables("codes")
def _app_ready(request: HttpRequest) -> HttpResponse:
    """The app is set up: its first recovery codes now, if the account has none yet."""
    messages.success(
        request, _("Your authenticator app is set up. From now on, sign-in asks for its code.")
    )
    codes = recovery_codes.first_recovery_codes(user=request.user)
    if codes is None:
        return redirect(after_factor_added_url(request.user))
    return _show_codes(request, codes)


@signed_in_active
@recent_sign_in_required
def remove(request: HttpRequest) -> HttpResponse:
    """Ask before removing the app (GET); remove it (POST)."""
    if not totp.has_app(request.user):
        return redirect("security:page")
    if request.method == "POST":
        totp.app_remove(user=request.user)
        messages.success(
            request,
            _("Your authenticator app was removed. Sign-in now sends you a code by SMS instead."),
        )
        return redirect("security:page")
    return render(request, "authenticator/remove.html")


@signed_in_active
@recent_sign_in_required
@sensitive_variables("codes")
def new_codes(request: HttpRequest) -> HttpResponse:
    """Say what making new codes does (GET); make and show them (POST, once per form)."""
    if request.method == "POST":
        token = request.session.pop(NEW_CODES_TOKEN_KEY, None)
        # Compared as bytes: ``secrets.compare_digest`` raises on a str that is not ASCII.
        if token and constant_time_compare(token, request.POST.get("form_token", "")):
            return _show_codes(request, recovery_codes.recovery_codes_make(user=request.user))
        messages.warning(
            request,
            _(
                "Recovery codes are shown only once, so reloading that page did not show them "
                "again. If you did not save them, make new ones."
            ),
        )
        return redirect("authenticator:new_codes")
    return _new_codes_form(request)


@signed_in_active
@recent_sign_in_required
@sensitive_variables("codes")
def first_codes(request: HttpRequest) -> HttpResponse:
    """The first recovery codes of someone with a passkey or an app (where a first passkey
    leads); if the account has a set already, how many are left and the offer of new ones."""
    user = request.user
    if not recovery_codes.ever_made(user) and not recovery_codes.holds_strong_factor(user):
        messages.info(
            request,
            _("You get recovery codes when you set up an authenticator app or add a passkey."),
        )
        return redirect("security:page")
    codes = recovery_codes.first_recovery_codes(user=user)
    if codes is None:
        return _new_codes_form(request)
    return _show_codes(request, codes)


def _new_codes_form(request: HttpRequest) -> HttpResponse:
    token = secrets.token_urlsafe(16)
    request.session[NEW_CODES_TOKEN_KEY] = token
    context = {
        "remaining": recovery_codes.remaining(request.user),
        "ever_made": recovery_codes.ever_made(request.user),
        "form_token": token,
    }
    return render(request, "authenticator/new_codes.html", context)


@sensitive_variables("codes")
def _show_codes(request: HttpRequest, codes: list[str]) -> HttpResponse:
    return render(request, "authenticator/codes.html", _codes_context(request, codes))


@sensitive_variables("codes")
def _codes_context(request: HttpRequest, codes: list[str]) -> dict[str, object]:
    """The codes, and what a printed or downloaded copy says they are for."""
    return {
        "codes": codes,
        "service_name": service_details().name,
        "username": request.user.username,
        "now": timezone.now(),
    }


@signed_in_active
@require_POST
@sensitive_post_parameters("code")
@sensitive_variables("codes", "typed")
def download_codes(request: HttpRequest) -> HttpResponse:
    """The codes just shown, as a text file, if they are still the account's unused codes."""
    typed = request.POST.getlist("code")[: recovery_codes.COUNT + 1]
    if not recovery_codes.are_current(request.user, typed):
        messages.error(
            request,
            _(
                "These recovery codes can no longer be downloaded: newer codes were made or "
                "some were used. Make new codes to save them."
            ),
        )
        return redirect("security:page")
    codes = [recovery_codes.shown(recovery_codes.normalize(code) or "") for code in typed]
    response = HttpResponse(
        render_to_string(
            "authenticator/codes.txt", _codes_context(request, codes), request=request
        ),
        content_type="text/plain; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="recovery-codes.txt"'
    return response
