"""A recent sign-in, for the changes that add or remove a way to sign in (design.md §19).

Whoever sits at an unlocked, signed-in browser must not be able to add their own passkey or
app to someone else's account, nor remove the owner's: such a change needs both kinds of proof
passed in the last five minutes. A session without them is sent to the confirm page
(``security:confirm``), which asks again and comes back.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts import factors

#: How long a sign-in (or a confirmation) counts as recent, in seconds.
RECENT_SECONDS = 5 * 60

View = Callable[..., HttpResponse]


def signed_in_recently(request: HttpRequest) -> bool:
    """Whether this session proved two kinds of thing in the last five minutes."""
    return factors.recently_passed_second_factor(request.session, within_seconds=RECENT_SECONDS)


def confirm_url(next_url: str) -> str:
    """The confirm page, coming back to ``next_url`` (a path of this site) afterwards."""
    return f"{reverse('security:confirm')}?{urlencode({'next': next_url})}"


def recent_sign_in_required(view: View) -> View:
    """Run ``view`` only for a recent sign-in; otherwise send the person to confirm it's them.

    Put it inside ``signed_in_active``. A request for JSON (the passkey ceremony's
    ``fetch``) gets a 403 naming the confirm page instead of a redirect it cannot follow.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if signed_in_recently(request):
            return view(request, *args, **kwargs)
        back = request.get_full_path() if request.method == "GET" else reverse("security:page")
        if "application/json" in request.headers.get("Accept", ""):
            return JsonResponse({"error": "reauthenticate", "next": confirm_url(back)}, status=403)
        return redirect(confirm_url(back))

    return wrapper
