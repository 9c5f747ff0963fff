"""The staff dashboard page: its sections (``dashboard_sections``) for the staff member asking.

Open to staff who may see accounts (``accounts.view_user``: the reviewer group has it); each
section is shown to those holding its own permission. Nothing here writes.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.staff.dashboard import DEFAULT_DAYS
from accounts.staff.dashboard_sections import Period, sections_for

#: Who may open the dashboard at all.
PERMISSION = "accounts.view_user"


def may_see_dashboard(user: object) -> bool:
    return user.has_perm(PERMISSION)


def dashboard(request: HttpRequest) -> TemplateResponse:
    """The figures, each a chart and a table; the admin site has checked the staff sign-in."""
    if not may_see_dashboard(request.user):
        raise PermissionDenied
    period = Period(days=DEFAULT_DAYS, today=timezone.localdate())
    context = {
        **admin.site.each_context(request),
        "title": _("Dashboard"),
        "sections": sections_for(request.user, period),
        "period": period,
    }
    request.current_app = admin.site.name
    return TemplateResponse(request, "admin/dashboard.html", context)
