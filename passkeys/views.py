"""The passkey actions of the security page: add (two JSON steps), rename, remove.

Thin views: the ceremonies are ``registration``, the changes ``services``. Adding and removing
need a recent sign-in (``security.recent``); renaming does not (it changes no way to sign in).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import limits
from accounts.access import signed_in_active
from passkeys import registration
from passkeys.ceremony import CeremonyFailed, read_body
from passkeys.errors import REGISTRATION_ERRORS
from passkeys.forms import RenameForm
from passkeys.models import Passkey
from passkeys.services import NameTaken, passkey_remove, passkey_rename
from security.flow import after_factor_added_url
from security.recent import recent_sign_in_required


def refused(code: str, catalogue: Mapping[str, object], *, status: int = 400) -> JsonResponse:
    """A ceremony's refusal: its code and the message the page shows (request's language)."""
    return JsonResponse({"error": code, "message": str(catalogue[code])}, status=status)


@signed_in_active
@recent_sign_in_required
@require_POST
def add_options(request: HttpRequest) -> HttpResponse:
    """The options for ``navigator.credentials.create()``; the challenge kept in the session."""
    if limits.PASSKEY_ADD_REQUESTS_PER_ACCOUNT.hit(str(request.user.pk)).exceeded:
        return refused("rate_limited", REGISTRATION_ERRORS, status=429)
    try:
        options = registration.registration_options(request.session, request.user)
    except CeremonyFailed as failed:
        return refused(failed.code, REGISTRATION_ERRORS)
    return JsonResponse({"publicKey": options})


@signed_in_active
@recent_sign_in_required
@require_POST
def add_verify(request: HttpRequest) -> HttpResponse:
    """The browser's new credential: verified, kept, recorded and told; then where to go."""
    try:
        body = read_body(request.body)
        passkey = registration.register(
            request.session,
            request.user,
            credential=body.get("credential"),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except CeremonyFailed as failed:
        return refused(failed.code, REGISTRATION_ERRORS)
    messages.success(request, _("Passkey added: “%(name)s”.") % {"name": passkey.name})
    return JsonResponse({"next": after_factor_added_url(request.user)})


def _own_passkey(request: HttpRequest, pk: int) -> Passkey:
    """One of the signed-in person's passkeys (anyone else's is "not found")."""
    return get_object_or_404(Passkey, pk=pk, owner=request.user)


@signed_in_active
@require_http_methods(["GET", "POST"])
def rename(request: HttpRequest, pk: int) -> HttpResponse:
    """A new name for one passkey: a plain form, with or without JavaScript."""
    passkey = _own_passkey(request, pk)
    form = RenameForm(request.POST if request.method == "POST" else None, passkey=passkey)
    if request.method == "POST" and form.is_valid():
        try:
            passkey_rename(passkey=passkey, name=form.cleaned_data["name"])
        except NameTaken:
            form.add_error("name", form.error_messages["name_taken"])
        else:
            messages.success(request, _("Passkey renamed: “%(name)s”.") % {"name": passkey.name})
            return redirect("security:page")
    return render(request, "passkeys/rename.html", {"form": form, "passkey": passkey})


@signed_in_active
@recent_sign_in_required
@require_http_methods(["GET", "POST"])
def remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask "are you sure?"; the POST removes the passkey and the person is told by SMS."""
    passkey = _own_passkey(request, pk)
    if request.method == "POST":
        passkey_remove(passkey=passkey)
        messages.success(request, _("Passkey removed: “%(name)s”.") % {"name": passkey.name})
        return redirect("security:page")
    return render(request, "passkeys/remove.html", {"passkey": passkey})
