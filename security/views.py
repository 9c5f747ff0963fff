"""The security page (``/account/security/``): the ways this person signs in, and where."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.access import signed_in_active
from security.sections import page_sections


@signed_in_active
def security_page(request: HttpRequest) -> HttpResponse:
    """Every section of the page (``security.sections``), for the signed-in person."""
    return render(request, "security/page.html", {"sections": page_sections(request)})
