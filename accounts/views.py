"""The portal's home page: where each journey starts."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache


@never_cache
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/home.html")
