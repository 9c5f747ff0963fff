"""Recovery codes (authenticator/recovery_codes.py, design.md §19): ten single-use codes, stored
as keyed hashes, shown once (in the response that made them, never stored or put in the
session), downloaded without being stored, made anew on request (the old ones die), and counted
on the security page. Every set made, and every code used, is recorded and told by SMS."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts.models import AccountEvent
from authenticator import recovery_codes
from authenticator.models import RecoveryCode
from security.recent import RECENT_SECONDS, confirm_url
from tests.authenticator_helpers import make_codes, set_up_app
from tests.factories import make_user, sign_in_as
from tests.people import CITIZEN_ID, MOBILE

pytestmark = pytest.mark.django_db

FIRST = reverse("authenticator:first_codes")
NEW = reverse("authenticator:new_codes")
DOWNLOAD = reverse("authenticator:download")
SECURITY = reverse("security:page")
SHOWN = re.compile(r"^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$")


@pytest.fixture
def account():
    return make_user("Ahmed2024", CITIZEN_ID, MOBILE, preferred_language="en")


@pytest.fixture
def signed_in(client, account):
    client.cookies["django_language"] = "en"
    return sign_in_as(client, account)


def events(account, kind: str) -> list[AccountEvent]:
    return list(AccountEvent.objects.filter(account=account, kind=kind).order_by("pk"))


def session_text(client) -> str:
    return repr(dict(client.session.items()))


def new_codes_page(client):
    """Open "Make new recovery codes" and send its form, as a person does."""
    token = client.get(NEW).context["form_token"]
    return client.post(NEW, {"form_token": token})


# --- the codes --------------------------------------------------------------------------------
def test_ten_distinct_codes_of_fifty_bits_shown_in_two_groups_of_five(account):
    codes = make_codes(account)
    assert len(codes) == len(set(codes)) == 10
    assert all(SHOWN.match(code) for code in codes)
    assert len(recovery_codes.ALPHABET) == 32 and recovery_codes.CODE_LENGTH * 5 == 50
    assert not set("ilou") & set(recovery_codes.ALPHABET)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("3K7M2-9QX4Z", "3k7m29qx4z"),
        (" 3k7m2 9qx4z ", "3k7m29qx4z"),
        ("٣k٧m٢-٩qx٤z", "3k7m29qx4z"),
        ("Ok1m2-9qxLz", "0k1m29qx1z"),  # o, i and l read as 0, 1 and 1
        ("3k7m2‐9qx4z", "3k7m29qx4z"),  # a Unicode hyphen
    ],
)
def test_a_code_may_be_typed_any_way_it_can_be_read(typed, meant):
    assert recovery_codes.normalize(typed) == meant


@pytest.mark.parametrize("typed", ["", "3k7m2-9qx4", "3k7m2-9qx4zz", "3k7m2-9qx4u", "3k7m2_9qx4z"])
def test_anything_else_is_not_a_code(typed):
    assert recovery_codes.normalize(typed) is None


def test_a_code_works_once(account):
    codes = make_codes(account)
    assert recovery_codes.recovery_code_use(user=account, typed=codes[3]) == 9
    assert recovery_codes.recovery_code_use(user=account, typed=codes[3]) is None
    assert recovery_codes.recovery_code_use(user=account, typed=codes[3].upper()) is None
    assert recovery_codes.remaining(account) == 9
    [used] = events(account, "recovery_code_used")
    assert used.details == {"remaining": 9} and used.source == "signin"


def test_a_code_works_only_for_its_own_account(account):
    other = make_user("Sara2024", "1058529940", "0561234567")
    codes = make_codes(account)
    make_codes(other)
    assert recovery_codes.recovery_code_use(user=other, typed=codes[0]) is None
    assert recovery_codes.remaining(account) == 10


def test_new_codes_kill_the_old_ones_and_are_told(
    account, django_capture_on_commit_callbacks, sms_outbox
):
    old = make_codes(account)
    with django_capture_on_commit_callbacks(execute=True):
        new = recovery_codes.recovery_codes_make(user=account)
    assert not set(old) & set(new)
    assert recovery_codes.recovery_code_use(user=account, typed=old[0]) is None
    assert recovery_codes.recovery_code_use(user=account, typed=new[0]) == 9
    assert RecoveryCode.objects.filter(user=account).count() == 10
    first, second = events(account, "recovery_codes_new")
    assert first.details == {"count": 10, "first": True}
    assert second.details == {"count": 10, "first": False}
    assert "the old ones no longer work" in sms_outbox[-1]["body"]


# --- first codes ------------------------------------------------------------------------------
def test_first_codes_are_made_once_then_the_page_offers_new_ones(signed_in, account):
    set_up_app(account)
    RecoveryCode.objects.all().delete()  # an app set up before recovery codes existed
    response = signed_in.get(FIRST)
    assert response.status_code == HTTPStatus.OK
    codes = response.context["codes"]
    assert len(codes) == 10 and all(code in response.content.decode() for code in codes)
    again = signed_in.get(FIRST)  # a reload: no new codes, and the old ones are not shown
    assert again.status_code == HTTPStatus.OK
    assert "codes" not in again.context and again.context["remaining"] == 10
    assert not any(code in again.content.decode() for code in codes)
    assert f'action="{NEW}"' in again.content.decode()
    assert len(events(account, "recovery_codes_new")) == 1


def test_first_codes_are_only_for_someone_with_a_passkey_or_an_app(signed_in, account):
    response = signed_in.get(FIRST)
    assert response.status_code == HTTPStatus.FOUND and response.url == SECURITY
    assert not RecoveryCode.objects.exists()


def test_first_codes_need_a_recent_sign_in(frozen, signed_in, account):
    set_up_app(account)
    frozen.shift(RECENT_SECONDS + 1)
    response = signed_in.get(FIRST)
    assert response.url == confirm_url(FIRST)


# --- making new codes from the security page ---------------------------------------------------
def test_new_codes_are_asked_for_then_shown_once_and_never_kept_in_the_session(signed_in, account):
    old = make_codes(account)
    response = signed_in.get(NEW)
    assert response.status_code == HTTPStatus.OK and response.context["remaining"] == 10
    assert (
        recovery_codes.remaining(account) == 10 and len(events(account, "recovery_codes_new")) == 1
    )
    response = signed_in.post(NEW, {"form_token": response.context["form_token"]})
    codes = response.context["codes"]
    html = response.content.decode()
    assert all(code in html for code in codes) and not set(codes) & set(old)
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    )
    assert not any(code in session_text(signed_in) for code in codes)
    assert not any(recovery_codes.normalize(code) in session_text(signed_in) for code in codes)


def test_sending_the_form_again_does_not_replace_the_codes_just_shown(signed_in, account):
    make_codes(account)
    token = signed_in.get(NEW).context["form_token"]
    shown = signed_in.post(NEW, {"form_token": token}).context["codes"]
    again = signed_in.post(NEW, {"form_token": token})  # the browser's "resend the form?"
    assert again.status_code == HTTPStatus.FOUND and again.url == NEW
    assert recovery_codes.recovery_code_use(user=account, typed=shown[0]) == 9
    assert len(events(account, "recovery_codes_new")) == 2


def test_new_codes_need_a_recent_sign_in(frozen, signed_in, account):
    old = make_codes(account)
    token = signed_in.get(NEW).context["form_token"]
    frozen.shift(RECENT_SECONDS + 1)
    assert signed_in.get(NEW).url == confirm_url(NEW)
    assert signed_in.post(NEW, {"form_token": token}).url == confirm_url(SECURITY)
    assert recovery_codes.recovery_code_use(user=account, typed=old[0]) == 9


# --- download and print ---------------------------------------------------------------------------
def test_the_codes_shown_download_as_a_text_file(signed_in, account):
    codes = new_codes_page(signed_in).context["codes"]
    response = signed_in.post(DOWNLOAD, {"code": codes})
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="recovery-codes.txt"'
    text = response.content.decode()
    assert text.splitlines()[0] == "Absher portal: recovery codes for Ahmed2024"
    assert [line for line in text.splitlines() if SHOWN.match(line)] == codes


def test_only_the_accounts_unused_codes_can_be_downloaded(signed_in, account):
    codes = new_codes_page(signed_in).context["codes"]
    for posted in ([], codes[:9], [*codes[:9], "3k7m2-9qx4z"], [*codes, codes[0]], ["<b>"] * 10):
        response = signed_in.post(DOWNLOAD, {"code": posted})
        assert response.status_code == HTTPStatus.FOUND and response.url == SECURITY
    recovery_codes.recovery_code_use(user=account, typed=codes[0])
    assert signed_in.post(DOWNLOAD, {"code": codes}).status_code == HTTPStatus.FOUND
    assert signed_in.post(DOWNLOAD, {"code": codes[1:]}).status_code == HTTPStatus.OK


def test_the_codes_page_has_download_and_print(signed_in, account):
    html = new_codes_page(signed_in).content.decode()
    assert f'action="{DOWNLOAD}"' in html
    assert re.search(r"<button[^>]*data-print hidden>", html)  # shown by the script
    assert re.search(r'<script src="/static/js/recovery-codes\.js" defer>', html)


# --- the security page --------------------------------------------------------------------------
def test_the_security_page_says_how_many_codes_remain(signed_in, account):
    set_up_app(account)
    codes = recovery_codes.first_recovery_codes(user=account)
    assert "You have 10 unused recovery codes." in signed_in.get(SECURITY).content.decode()
    recovery_codes.recovery_code_use(user=account, typed=codes[0])
    assert "You have 9 unused recovery codes." in signed_in.get(SECURITY).content.decode()
    for code in codes[1:9]:
        recovery_codes.recovery_code_use(user=account, typed=code)
    assert "You have 1 unused recovery code." in signed_in.get(SECURITY).content.decode()


def test_the_security_page_offers_first_codes_to_someone_with_an_app_and_none(signed_in, account):
    html = signed_in.get(SECURITY).content.decode()
    assert f'href="{FIRST}"' not in html and "you get 10 recovery codes" in html
    set_up_app(account)
    html = signed_in.get(SECURITY).content.decode()
    assert f'href="{FIRST}"' in html
