"""Ending sessions from the security page: one of them, or every other one (POST only)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import signed_in_active
from security.sessions import records
from security.sessions.section import device_name


@require_POST
@signed_in_active
def end_session(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """Sign out one of the person's sessions; this one signs them out here.

    A session that is not theirs gets the same 404 as one that does not exist.
    """
    record = records.end_session(request, session_id)
    if record is None:
        raise Http404
    if not request.user.is_authenticated:
        messages.success(request, _("You have signed out."))
        return redirect("accounts:home")
    messages.success(request, _("You signed out of %(device)s.") % {"device": device_name(record)})
    return redirect("security:page")


@require_POST
@signed_in_active
def end_other_sessions(request: HttpRequest) -> HttpResponse:
    """Sign out every session of the person but this one."""
    if records.end_other_sessions(request):
        messages.success(request, _("You signed out of every other browser."))
    else:
        messages.info(request, _("You were not signed in on any other browser."))
    return redirect("security:page")
