"""The admin site of the portal: Django's, entered only through the portal's sign-in (design.md §9).

Django's admin has its own login form, which checks a password and nothing else: no code, no
lockout, no captcha. Here that form is gone. ``/admin/login/`` sends people to the portal's
sign-in (``accounts:login``) with the page they wanted, and the admin opens only for a staff
session that passed a second factor (``accounts.factors``): one signed in at ``/login/`` with
the SMS code, under the same throttles, lockout and captcha as everyone. The admin's own
password change goes to the portal's, which applies the password rules, records the change
and tells the person (``accounts.passwords``).

With ``STAFF_REQUIRE_STRONG_FACTOR`` (on when ``DJANGO_DEBUG=0``) the session must also have
passed a passkey or an authenticator app: an SMS code alone can be phished or taken with a
swapped SIM. A staff member signed in with the SMS code is sent to the security page to add
one, with a message saying so, rather than shown a 403 (decision 268).

``PortalAdminConfig`` (in ``INSTALLED_APPS`` instead of ``django.contrib.admin``) makes this the
default site, so ``admin.site`` and every ``@admin.register`` keep working.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts import factors
from accounts.access import safe_next_url
from accounts.models import AccountStatus
from accounts.staff import dashboard_view


class PortalAdminSite(admin.AdminSite):
    """Django's admin site, open to staff sessions that completed the portal's sign-in."""

    def has_permission(self, request: HttpRequest) -> bool:
        """Active staff, signed in with a second factor (not merely a session naming them),
        and with ``STAFF_REQUIRE_STRONG_FACTOR`` a passkey or an authenticator app among them.

        "Active" is the account's status, not only Django's ``is_active`` (which a pending
        account has too: its bank has not confirmed it yet).
        """
        return self._staff_signed_in(request) and (
            not settings.STAFF_REQUIRE_STRONG_FACTOR
            or factors.passed_strong_factor(request.session)
        )

    def get_urls(self) -> list[URLResolver | URLPattern]:
        """Django's admin pages, and the dashboard (``admin:dashboard``) among them."""
        dashboard = path("dashboard/", self.admin_view(dashboard_view.dashboard), name="dashboard")
        return [dashboard, *super().get_urls()]

    def index(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """Django's index, with a link to the dashboard for those who may see it."""
        context = {
            "show_dashboard": dashboard_view.may_see_dashboard(request.user),
            **(extra_context or {}),
        }
        return super().index(request, context)

    def _staff_signed_in(self, request: HttpRequest) -> bool:
        return (
            super().has_permission(request)
            and request.user.status == AccountStatus.ACTIVE
            and factors.passed_second_factor(request.session)
        )

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """Check nothing: send GET and POST alike to the portal's sign-in, keeping ``next``;
        a staff member who lacks only the strong factor goes to the security page instead.

        A ``next`` that is not a page of this site is replaced by the admin's index, so a
        link to ``/admin/login/`` cannot make the sign-in forward anyone elsewhere.
        """
        if self._staff_signed_in(request) and not self.has_permission(request):
            # Signed in, but with the SMS code alone: a passkey or an app is what is missing.
            messages.warning(
                request,
                _(
                    "To use the staff pages, add a passkey or an authenticator app, then sign "
                    "in with it."
                ),
            )
            return redirect("security:page")
        index = reverse("admin:index", current_app=self.name)
        wanted = request.GET.get(REDIRECT_FIELD_NAME) or request.POST.get(REDIRECT_FIELD_NAME)
        return redirect_to_login(safe_next_url(request, wanted) or index)

    def password_change(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """The portal's change-password page: one set of rules, one record, one notice."""
        return HttpResponseRedirect(reverse("accounts:change_password"))

    def password_change_done(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
