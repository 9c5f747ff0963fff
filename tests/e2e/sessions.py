"""Steps of the browser tests of signed-in sessions and the confirm page (security app)."""

from __future__ import annotations

from typing import Any

from tests.e2e.live_server import Server
from tests.e2e.people import Person, new_person
from tests.e2e.screenshots import PHONE, device_scale_factor

#: What a phone's Chrome says it is: the second browser of the journeys.
ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"
)

STALE_SESSION_SCRIPT = """
import time
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from accounts import factors
from accounts.models import User
user = User.objects.get(username={username!r})
session = import_module(settings.SESSION_ENGINE).SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
ten_minutes_ago = int(time.time()) - 600
session[factors.FACTORS_KEY] = {{
    "account": str(user.pk),
    "passed": {{"password": ten_minutes_ago, "sms": ten_minutes_ago}},
}}
session.create()
print(session.session_key)
"""


def make_active_account(server: Server) -> Person:
    """An active account (the people's password) made in the server's database."""
    person = new_person()
    server.manage(
        "shell",
        "-c",
        "from tests.factories import make_user; "
        f"make_user({person.username!r}, {person.national_id!r}, {person.mobile!r})",
    )
    return person


def use_stale_session(page: Any, server: Server, person: Person) -> None:
    """Give ``page`` a session of ``person`` that signed in ten minutes ago (password and SMS),
    made in the server's store: too old to add or remove a way to sign in without confirming."""
    key = server.manage("shell", "-c", STALE_SESSION_SCRIPT.format(username=person.username))
    page.context.add_cookies(
        [{"name": "sessionid", "value": key.stdout.split()[-1], "url": server.url}]
    )


def phone_context(browser: Any, server: Server, lang: str) -> Any:
    """A second browser: Chrome on an Android phone (its own cookies), in ``lang``."""
    context = browser.new_context(
        viewport=PHONE,
        user_agent=ANDROID_CHROME,
        base_url=server.url,
        device_scale_factor=device_scale_factor(),
    )
    context.add_cookies([{"name": "django_language", "value": lang, "url": server.url}])
    return context
