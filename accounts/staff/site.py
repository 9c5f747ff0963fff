"""The admin site of the portal: Django's, entered only through the portal's sign-in (design.md §9).

Django's admin has its own login form, which checks a password and nothing else: no code, no
lockout, no captcha. Here that form is gone. ``/admin/login/`` sends people to the portal's
sign-in (``accounts:login``) with the page they wanted, and the admin opens only for a staff
session that passed a second factor (``accounts.factors``): one signed in at ``/login/`` with
the SMS code, under the same throttles, lockout and captcha as everyone. The admin's own
password change goes to the portal's, which applies the password rules, records the change
and tells the person (``accounts.passwords``).

``PortalAdminConfig`` (in ``INSTALLED_APPS`` instead of ``django.contrib.admin``) makes this the
default site, so ``admin.site`` and every ``@admin.register`` keep working.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from accounts import factors
from accounts.access import safe_next_url
from accounts.models import AccountStatus


class PortalAdminSite(admin.AdminSite):
    """Django's admin site, open to staff sessions that completed the portal's sign-in."""

    def has_permission(self, request: HttpRequest) -> bool:
        """Active staff, signed in with a second factor (not merely a session naming them).

        "Active" is the account's status, not only Django's ``is_active`` (which a pending
        account has too: its bank has not confirmed it yet).
        """
        return (
            super().has_permission(request)
            and request.user.status == AccountStatus.ACTIVE
            and factors.passed_second_factor(request.session)
        )

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """Check nothing: send GET and POST alike to the portal's sign-in, keeping ``next``.

        A ``next`` that is not a page of this site is replaced by the admin's index, so a
        link to ``/admin/login/`` cannot make the sign-in forward anyone elsewhere.
        """
        index = reverse("admin:index", current_app=self.name)
        wanted = request.GET.get(REDIRECT_FIELD_NAME) or request.POST.get(REDIRECT_FIELD_NAME)
        return redirect_to_login(safe_next_url(request, wanted) or index)

    def password_change(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """The portal's change-password page: one set of rules, one record, one notice."""
        return HttpResponseRedirect(reverse("accounts:change_password"))

    def password_change_done(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
