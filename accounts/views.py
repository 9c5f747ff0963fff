"""The portal's home page: where each journey starts."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache


@never_cache
def home(request: HttpRequest) -> HttpResponse:
    """The start page: who can register, what they need (the banks, from the database, through
    the activation app's template tag), how long it takes and what happens after (design.md §6).

    The days to activate are the setting that expires pending accounts, so the page cannot
    promise more than the portal keeps.
    """
    return render(request, "accounts/home.html", {"pending_ttl_days": settings.PENDING_TTL_DAYS})
