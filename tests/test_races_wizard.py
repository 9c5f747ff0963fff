"""Sixteen people finish the registration wizard at the same moment (design.md §6, §12; issue 6).

Each racer is a real browser-like session against the live server (``LiveClient``): it went
through the identity and account steps (getting ready is not the race: four sessions at a
time), received its own code by SMS, and then all sixteen final "Verify" posts are released
together by a barrier. Every request is
served in its own server thread on its own PostgreSQL connection, through the whole stack
(middleware, sessions in Redis and the database, the wizard's re-validation and ``finish()``).

What may legitimately happen is decided by the design: a registration completing after
another for the same ID number supersedes it (§6), and one completing after another with the
same mobile moves the number to itself (§4), so a race can have several "winners" in a row;
whoever overlapped a commit is refused with a translated message. Never a 5xx, never a
half-written account, never two accounts holding one ID, username or mobile.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import requests
from django.db import connection
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import translation

from accounts.error_messages import REGISTRATION_CONFLICTS
from accounts.models import HOLDING_STATUSES, AccountEvent, AccountStatus, OtpChallenge, User
from tests.race_helpers import (
    RACE_MARKS,
    THREADS,
    LiveClient,
    citizen_ids,
    mobiles,
    page_errors,
    race,
    statuses,
)
from tests.registration_driver import RegistrationDriver, step_url

pytestmark = RACE_MARKS

IDS = citizen_ids(THREADS)
MOBILES = mobiles(THREADS)
USERNAMES = [f"racer{n:02d}abc" for n in range(THREADS)]

#: Racers alternate languages: each refused one must be told why in its own.
LANGUAGES = ["en", "ar"]
COMPLETE_PATH = reverse("accounts:registration_complete")
Kind = AccountEvent.Kind


def conflict_text(code: str, language: str) -> str:
    with translation.override(language):
        return str(REGISTRATION_CONFLICTS[code])


@pytest.fixture(autouse=True)
def _room_for_sixteen(settings):
    """Limits sized for one person would refuse racers 6..16; cheap hashing keeps it quick."""
    settings.OTP_LIMIT_PER_MOBILE = settings.OTP_LIMIT_PER_ID = settings.OTP_LIMIT_PER_IP = 1000
    settings.REGISTRATION_CHECKS_PER_IP = 1000
    # The hasher reads its cost at call time; the password itself is not what is raced.
    settings.ARGON2_TIME_COST, settings.ARGON2_MEMORY_COST_KIB = 1, 1024
    # Plain HTTP to the live server: cookies must not be marked Secure.
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    settings.LANGUAGE_COOKIE_SECURE = False


@dataclass
class Racer:
    driver: RegistrationDriver
    code: str
    language: str

    def verify(self) -> requests.Response:
        return self.driver.verify_step(self.code)


#: One code is sent at a time while racers get ready, so the newest SMS is the sender's.
_SENDING = threading.Lock()


def racer_at_verify(
    origin: str, sms_outbox: list, *, national_id: str, mobile: str, username: str, number: int
) -> Racer:
    """A session that completed the identity and account steps and holds its SMS code."""
    language = LANGUAGES[number % len(LANGUAGES)]
    driver = RegistrationDriver(LiveClient(origin, language=language), sms_outbox)
    driver.identity = {"national_id": national_id, "mobile": mobile, "email": "r@example.sa"}
    driver.account = {**driver.account, "username": username}
    try:
        driver.identity_step()
        with _SENDING:
            at_verify = driver.account_step()
            code = driver.last_code()
    finally:
        connection.close()  # the captcha lookup used this helper thread's connection
    assert at_verify.url.endswith(step_url("verify")), page_errors(at_verify.text)
    return Racer(driver, code, language)


def racers_at_verify(origin: str, sms_outbox: list, **varying: list[str]) -> list[Racer]:
    """``THREADS`` racers at the verify step, the n-th with the n-th of each ``varying`` value.

    Getting ready is not the race: four at a time, to keep the suite quick.
    """

    def ready(number: int) -> Racer:
        values = {name: values[number] for name, values in varying.items()}
        return racer_at_verify(origin, sms_outbox, number=number, **values)

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(ready, range(THREADS)))


@dataclass
class Finish:
    racer: Racer
    page: requests.Response

    @property
    def errors(self) -> list[str]:
        return page_errors(self.page.text)


def finish_together(racers: list[Racer]) -> tuple[list[Finish], list[Finish]]:
    """Release every racer's verify post at once; return (winners, losers).

    Every answer, redirects included, is below 500 and ends on a page (200); a winner lands
    on "account created", a loser back in the wizard with at least one error shown.
    """
    responses = race([racer.verify for racer in racers])
    assert all(isinstance(r, requests.Response) for r in responses), responses
    finishes = [Finish(racer, page) for racer, page in zip(racers, responses, strict=True)]
    for finish in finishes:
        assert all(status < 500 for status in statuses(finish.page)), statuses(finish.page)
        assert finish.page.status_code == 200
    winners = [f for f in finishes if f.page.url.endswith(COMPLETE_PATH)]
    losers = [f for f in finishes if not f.page.url.endswith(COMPLETE_PATH)]
    assert winners, "nobody could register"
    assert all(loser.errors for loser in losers), "a refused racer was shown no error"
    return winners, losers


def assert_told(losers: list[Finish], code: str) -> None:
    """Each refused racer was shown the conflict ``code``'s message in its language."""
    for loser in losers:
        expected = conflict_text(code, loser.racer.language)
        assert all(text.endswith(expected) for text in loser.errors), loser.errors


def assert_codes_used_once_per_account(accounts: int) -> None:
    """Every racer's code was accepted, but only those that made an account were used up."""
    assert OtpChallenge.objects.count() == THREADS
    assert OtpChallenge.objects.filter(verified_at__isnull=False).count() == THREADS
    assert OtpChallenge.objects.filter(consumed_at__isnull=False).count() == accounts


def test_sixteen_wizards_for_one_id_leave_one_account_holding_it(
    live_server, sms_outbox, record_property
):
    racers = racers_at_verify(
        live_server.url,
        sms_outbox,
        national_id=[IDS[0]] * THREADS,
        mobile=MOBILES,
        username=USERNAMES,
    )

    winners, losers = finish_together(racers)
    record_property("accounts_created", len(winners))

    assert_told(losers, "concurrent_registration")
    # Only finished registrations exist; a later one superseded the earlier (§6).
    assert User.objects.count() == len(winners)
    holder = User.objects.get(national_id=IDS[0], status__in=HOLDING_STATUSES)
    assert holder.status == AccountStatus.PENDING
    superseded = User.objects.exclude(pk=holder.pk)
    assert all(a.status == AccountStatus.SUPERSEDED for a in superseded)
    for account in superseded:
        assert list(account.events.order_by("pk").values_list("kind", flat=True)) == [
            Kind.REGISTERED,
            Kind.SUPERSEDED,
        ]
    assert holder.events.get().kind == Kind.REGISTERED
    assert AccountEvent.objects.count() == 2 * len(winners) - 1
    assert_codes_used_once_per_account(len(winners))


def test_sixteen_wizards_for_one_username_give_it_to_exactly_one(
    live_server, sms_outbox, record_property
):
    racers = racers_at_verify(
        live_server.url,
        sms_outbox,
        national_id=IDS,
        mobile=MOBILES,
        # One username, in differing letter case: it is unique case-insensitively.
        username=["sameName2024", "SameNAME2024"] * (THREADS // 2),
    )

    winners, losers = finish_together(racers)
    record_property("accounts_created", len(winners))

    assert len(winners) == 1
    assert len(losers) == THREADS - 1
    # Refused by the service's re-check, by the constraint, or by formtools' re-validation
    # of the account step (then with the field's label in front).
    assert_told(losers, "username_taken")
    account = User.objects.get()
    assert User.objects.alias(lower=Lower("username")).filter(lower="samename2024").get() == account
    assert account.status == AccountStatus.PENDING
    assert account.events.get().kind == Kind.REGISTERED
    assert AccountEvent.objects.count() == 1
    assert_codes_used_once_per_account(1)


def test_sixteen_wizards_for_one_mobile_leave_it_on_one_account(
    live_server, sms_outbox, mailoutbox, record_property
):
    mobile = MOBILES[0]
    racers = racers_at_verify(
        live_server.url,
        sms_outbox,
        national_id=IDS,
        mobile=[mobile] * THREADS,
        username=USERNAMES,
    )

    winners, losers = finish_together(racers)
    record_property("accounts_created", len(winners))

    assert_told(losers, "concurrent_registration")
    accounts = list(User.objects.order_by("pk"))
    assert len(accounts) == len(winners)
    assert all(a.status == AccountStatus.PENDING for a in accounts)
    # The number is held by exactly one account: the last registration to finish.
    holder = User.objects.get(mobile=mobile, status__in=HOLDING_STATUSES)
    assert holder == accounts[-1]
    assert [a.mobile for a in accounts[:-1]] == [""] * (len(accounts) - 1)
    # Each move is recorded on both sides and they form one chain, oldest to holder (§4).
    moves = {}
    for event in AccountEvent.objects.filter(kind=Kind.MOBILE_RELEASED):
        received = AccountEvent.objects.get(
            kind=Kind.MOBILE_RECEIVED, account_id=event.details["to_account"]
        )
        assert received.details == {"from_account": event.account_id}
        moves[event.account_id] = received.account_id
    chain = [accounts[0].pk]
    while chain[-1] in moves:
        chain.append(moves[chain[-1]])
    assert chain == [a.pk for a in accounts]
    assert AccountEvent.objects.filter(kind=Kind.REGISTERED).count() == len(accounts)
    assert AccountEvent.objects.count() == len(accounts) + 2 * len(moves)
    # Every previous owner was told by email that the number moved.
    assert len(mailoutbox) == len(moves)
    assert_codes_used_once_per_account(len(accounts))


def test_one_session_posting_its_code_sixteen_times_at_once_registers_once(
    live_server, sms_outbox, record_property
):
    """A double (or sixteen-fold) click on "Verify": one account, no 5xx."""
    racer = racer_at_verify(
        live_server.url,
        sms_outbox,
        national_id=IDS[0],
        mobile=MOBILES[0],
        username=USERNAMES[0],
        number=0,
    )
    clones = []
    for _ in range(THREADS):
        client = LiveClient(live_server.url)
        client.cookies.update(racer.driver.client.cookies)
        clones.append(Racer(RegistrationDriver(client, sms_outbox), racer.code, racer.language))

    responses = race([clone.verify for clone in clones])

    assert all(isinstance(r, requests.Response) for r in responses), responses
    for response in responses:
        assert all(status < 500 for status in statuses(response)), statuses(response)
    record_property(
        "answers", Counter((r.url.removeprefix(live_server.url), r.status_code) for r in responses)
    )
    assert sum(r.url.endswith(COMPLETE_PATH) for r in responses) == 1
    account = User.objects.get()
    assert account.status == AccountStatus.PENDING
    assert account.events.get().kind == Kind.REGISTERED
    assert OtpChallenge.objects.get().consumed_at is not None
