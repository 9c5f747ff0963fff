"""Signed-in pages (design.md §7): the status page of a pending account, the account page and the
password change of an active one. Who may open which page is decided in ``accounts.access``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from absher_portal.masking import mask_mobile_local
from accounts.access import signed_in_active, signed_in_pending
from accounts.expiry import registration_expires_at
from accounts.models import AccountEvent, User
from accounts.passwords import change_password as change_password_service
from accounts.profile import services
from accounts.profile.forms import ChangePasswordForm, PreferredLanguageForm

#: How many of the latest account events the account page lists.
RECENT_EVENTS = 10


@signed_in_pending
def status(request: HttpRequest) -> HttpResponse:
    """What a pending account waits for, what happens next, and until when."""
    user: User = request.user
    context = {
        "account": user,
        "expires_at": registration_expires_at(user),
        "pending_ttl_days": settings.PENDING_TTL_DAYS,
    }
    return render(request, "accounts/account/status.html", context)


def _by_whom(source: str) -> str:
    """Who made a change, in plain words; never a staff member's name or a bank's code."""
    if source in ("staff", "command"):
        return _("By the portal staff")
    if source.startswith("bank:"):
        return _("Through your bank")
    return ""


def _recent_events(user: User) -> list[dict[str, object]]:
    """The latest events in plain words: what, when, by whom, and a staff member's reason."""
    events = AccountEvent.objects.filter(account=user).order_by("-created_at", "-id")
    return [
        {
            "label": event.get_kind_display(),
            "when": event.created_at,
            "by": _by_whom(event.source),
            "reason": event.reason if event.source == "staff" else "",
        }
        for event in events.only("kind", "created_at", "source", "reason")[:RECENT_EVENTS]
    ]


@signed_in_active
def account(request: HttpRequest) -> HttpResponse:
    """The person's details, their SMS language (editable) and their account's history."""
    user: User = request.user
    if request.method == "POST":
        form = PreferredLanguageForm(user, request.POST)
        if form.is_valid():
            language = form.cleaned_data["preferred_language"]
            services.set_preferred_language(user=user, language=language)
            messages.success(request, _("Your preferred language for messages was saved."))
            return redirect("accounts:account")
    else:
        form = PreferredLanguageForm(user)
    context = {
        "account": user,
        "masked_mobile": mask_mobile_local(user.mobile) if user.mobile else "",
        "form": form,
        "events": _recent_events(user),
    }
    return render(request, "accounts/account/account.html", context)


@signed_in_active
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
def change_password(request: HttpRequest) -> HttpResponse:
    """Old password and a new one under the policy; this session stays, all others end."""
    user: User = request.user
    if request.method == "POST":
        form = ChangePasswordForm(user, request.POST)
        if form.is_valid():
            password = form.cleaned_data["new_password1"]
            change_password_service(user=user, password=password, source="account")
            # The session auth hash follows the new password hash: this session gets the new
            # one, and every other session of the user no longer matches and ends.
            update_session_auth_hash(request, user)
            messages.success(
                request,
                _("Your password was changed. You were signed out on every other device."),
            )
            return redirect("accounts:account")
    else:
        form = ChangePasswordForm(user)
    return render(request, "accounts/account/change_password.html", {"form": form})
