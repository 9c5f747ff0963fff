"""Pages of the accounts app besides the wizard (``accounts.wizard``)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from accounts.models import User
from accounts.wizard import REGISTERED_SESSION_KEY


@never_cache
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/home.html")


@never_cache
def registration_complete(request: HttpRequest) -> HttpResponse:
    """The "account created — activate it at your bank" page, safe to refresh."""
    account_id = request.session.get(REGISTERED_SESSION_KEY)
    account = User.objects.filter(pk=account_id).first() if account_id else None
    if account is None:
        return redirect("accounts:register")
    context = {"account": account, "pending_ttl_days": settings.PENDING_TTL_DAYS}
    return render(request, "accounts/registration_complete.html", context)
