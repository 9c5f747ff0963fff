"""Passkeys raced on PostgreSQL (design.md §12): sixteen answers at once, one connection each.

A passkey's counter is compared and saved under a row lock, so copies answering at once with
the same counter sign in once; a user handle is made once however many pages ask for it; the
same new credential sent twice at once is kept once.
"""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.test import Client

from accounts.models import AccountEvent
from passkeys.models import Passkey, UserHandle
from tests.factories import make_user, sign_in_as
from tests.passkey_helpers import (
    ORIGIN,
    RP_ID,
    account_with_passkey,
    add_options,
    post_json,
    sign_in_options,
)
from tests.people import CITIZEN_ID, MOBILE
from tests.race_helpers import RACE_MARKS, THREADS, race
from tests.webauthn_authenticator import SoftAuthenticator

pytestmark = [*RACE_MARKS, pytest.mark.usefixtures("public_origin")]


def test_copies_answering_at_once_with_the_same_counter_sign_in_once(settings):
    settings.LOGIN_LOCKOUT_FAILURES = THREADS * 2  # the lockout is not what is tested here
    account, authenticator = account_with_passkey("sara2024", CITIZEN_ID, MOBILE)
    browsers = [Client() for _ in range(THREADS)]
    answers = [authenticator.get(sign_in_options(b), counter=5) for b in browsers]

    outcomes = race(
        [
            lambda b=b, a=a: post_json(b, "passkeys:sign_in", {"credential": a}).status_code
            for b, a in zip(browsers, answers, strict=True)
        ]
    )

    assert sorted(outcomes) == [HTTPStatus.OK] + [HTTPStatus.BAD_REQUEST] * (THREADS - 1)
    assert Passkey.objects.get(owner=account).sign_count == 5
    refused = AccountEvent.objects.filter(account=account, kind=AccountEvent.Kind.PASSKEY_REFUSED)
    assert refused.count() == THREADS - 1


def test_a_user_handle_is_made_once_for_pages_asking_at_once():
    account = make_user("sara2024", CITIZEN_ID, MOBILE)
    browsers = [sign_in_as(Client(), account) for _ in range(THREADS)]

    handles = race([lambda b=b: add_options(b)["user"]["id"] for b in browsers])

    assert len(set(handles)) == 1
    assert UserHandle.objects.count() == 1


def test_one_new_passkey_sent_sixteen_times_at_once_is_kept_once():
    account = make_user("sara2024", CITIZEN_ID, MOBILE)
    authenticator = SoftAuthenticator(rp_id=RP_ID, origin=ORIGIN)
    browsers = [sign_in_as(Client(), account) for _ in range(THREADS)]
    answers = [authenticator.create(add_options(b)) for b in browsers]

    outcomes = race(
        [
            lambda b=b, a=a: post_json(b, "passkeys:add", {"credential": a}).status_code
            for b, a in zip(browsers, answers, strict=True)
        ]
    )

    assert sorted(outcomes) == [HTTPStatus.OK] + [HTTPStatus.BAD_REQUEST] * (THREADS - 1)
    assert Passkey.objects.filter(owner=account).count() == 1
    added = AccountEvent.objects.filter(account=account, kind=AccountEvent.Kind.PASSKEY_ADDED)
    assert added.count() == 1
