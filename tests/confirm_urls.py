"""The portal's addresses plus one page guarded by a recent sign-in, for the confirm tests
(the passkey and app pages that use the guard belong to other apps)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from absher_portal.urls import urlpatterns as portal_urlpatterns
from accounts.access import signed_in_active
from security.recent import recent_sign_in_required


@signed_in_active
@recent_sign_in_required
def guarded(request: HttpRequest) -> HttpResponse:
    return HttpResponse("A change to the ways to sign in.")


urlpatterns = [*portal_urlpatterns, path("test/guarded/", guarded, name="guarded")]

handler400 = "absher_portal.errors.bad_request"
handler403 = "absher_portal.errors.permission_denied"
handler404 = "absher_portal.errors.page_not_found"
handler500 = "absher_portal.errors.server_error"
