"""Every lookup the app makes on a growing table goes through an index (issue 6, item 7).

The tables get a few thousand rows and fresh statistics (``ANALYZE``); then the app's own
code runs (selectors, services, the admin search), its SQL is captured and put through
PostgreSQL's ``EXPLAIN``. A plan must name the expected index and read no table whole.

Lookups and the indexes that serve them (the planner picks one of the set):

============================================  ===============================================
lookup (where)                                index
============================================  ===============================================
sign-in by ID number (selectors)              ID: user_national_id_held_uniq (partial unique,
                                              holders only) or accounts_user_national_id_…
sign-in by username, any case (manager)       username: user_username_ci_held_uniq (partial)
                                              or user_username_lower_idx, both on lower()
ID already registered? (selectors)            ID
username taken? (selectors)                   username
registration lock: ID or username or mobile   ID, username and mobile OR-ed (BitmapOr)
password reset: ID and mobile (reset)         ID or mobile
bank activation: account by ID (services)     ID
bank activation: replay by bank and event id  activation_event_uniq
notices sweep: never sent, due, stale        notice_unsent_idx (partial)
admin search: exact ID / mobile / username    accounts_user_national_id_… / …_mobile_… /
                                              user_username_lower_idx (all rows, any status)
expiry sweep: pending, created before         user_status_created_idx
status page: an account's events (views)      accounts_accountevent_account_id_…
reset SMS failure: the challenge just made    accounts_otpchallenge_user_id_… or
                                              accounts_ot_mobile_6a6ab7_idx (mobile, created)
============================================  ===============================================

Lookups by primary key (sessions, challenges by id, tasks by id) are left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import selectors
from accounts.expiry import pending_accounts_due
from accounts.models import AccountEvent, Notice, OtpChallenge, OtpPurpose, User
from accounts.notices import queue_missed_notices, report_stale_notices
from accounts.profile.views import _recent_events
from accounts.recovery.services import matching_account
from accounts.registration.services import _lock_holders
from activation.models import ActivationEvent, ActivationOutcome, Bank, BankKey
from activation.services import Confirmation, _decide, activation_confirm
from tests.factories import sign_in_as
from tests.people import MOBILE_E164, PASSWORD, STAFF_MOBILE

USERS = 4000
USER_TABLE = "accounts_user"
EVENT_TABLE = "accounts_accountevent"
OTP_TABLE = "accounts_otpchallenge"
ACTIVATION_TABLE = "activation_activationevent"
NOTICE_TABLE = "accounts_notice"
PROBE = 1234  # the row the lookups look for: an active account

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="EXPLAIN plans are PostgreSQL's (set DATABASE_URL=postgres://...)",
    ),
]


def luhn_id(first: str, number: int) -> str:
    """A valid 10-digit ID number: ``first``, eight digits of ``number``, a Luhn check digit."""
    body = f"{first}{number:08d}"
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char)
        if position % 2 == 0:  # doubled: the check digit will sit to their right
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return body + str((10 - total % 10) % 10)


def mobile_of(n: int) -> str:
    return f"+9665{50000000 + n:08d}"


#: Row n gets STATUSES[n % 10]: mostly active, as in production.
STATUSES = ("pending", "superseded", "expired", "suspended", *["active"] * 6)


def _populate() -> dict[str, object]:
    now = timezone.now()
    password = make_password(PASSWORD)
    users = User.objects.bulk_create(
        User(
            username=f"user{n:05d}abc",
            national_id=luhn_id("1", n),
            id_kind="citizen",
            mobile="" if n % 10 == 1 else mobile_of(n),
            email=f"user{n}@example.sa",
            password=password,
            status=STATUSES[n % 10],
            created_at=now - timedelta(hours=3 * n),
        )
        for n in range(USERS)
    )
    AccountEvent.objects.bulk_create(
        AccountEvent(
            account=user,
            kind=AccountEvent.Kind.REGISTERED if k == 0 else AccountEvent.Kind.PASSWORD_CHANGED,
            source="test",
            created_at=user.created_at + timedelta(days=k),
        )
        for user in users
        for k in range(3)
    )
    OtpChallenge.objects.bulk_create(
        OtpChallenge(
            purpose=(OtpPurpose.REGISTRATION, OtpPurpose.LOGIN, OtpPurpose.RESET)[k],
            mobile=mobile_of(n),
            national_id=user.national_id,
            user=user if k else None,
            created_at=now - timedelta(minutes=7 * n + k),
        )
        for n, user in enumerate(users)
        for k in range(3)
    )
    bank = Bank.objects.create(code="idxbank", name_en="Index Bank", name_ar="بنك الفهرس")
    key = BankKey.objects.create(bank=bank, key_id="idxbank-2026", public_key_pem="(unused)")
    events = ActivationEvent.objects.bulk_create(
        ActivationEvent(
            bank=bank,
            key=key,
            event_id=f"evt-{n}",
            fingerprint="0" * 64,
            national_id=user.national_id,
            mobile=mobile_of(n),
            channel="online",
            confirmed_at=now - timedelta(hours=n),
            account=user,
            outcome=ActivationOutcome.ACTIVATED,
            response_status=200,
            response_body={"status": "activated"},
            received_at=now if n < 5 else now - timedelta(hours=n),
        )
        for n, user in enumerate(users)
    )
    Notice.objects.bulk_create(
        Notice(
            kind=Notice.Kind.ACTIVATED,
            account_id=event.account_id,
            subject_id=event.pk,
            created_at=event.received_at,
            # A few were received a moment ago and wait for their SMS.
            claimed_at=None if n < 5 else event.received_at,
            sent_at=None if n < 5 else event.received_at,
            attempts=0 if n < 5 else 1,
        )
        for n, event in enumerate(events)
    )
    with connection.cursor() as cursor:
        for table in (USER_TABLE, EVENT_TABLE, OTP_TABLE, ACTIVATION_TABLE, NOTICE_TABLE):
            cursor.execute(f"ANALYZE {table}")
    return {"user": users[PROBE], "bank": bank, "key": key}


@pytest.fixture(scope="module")
def data(django_db_setup, django_db_blocker) -> Iterator[dict[str, object]]:
    """The rows, written once for the module inside a transaction that is rolled back."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _populate()
        transaction.set_rollback(True)


# --- plans ----------------------------------------------------------------------------------
def statement(sql: str) -> str:
    """The query itself: ``iterator()`` runs it through a server-side cursor (``DECLARE``)."""
    if sql.startswith("DECLARE "):
        return sql.split(" FOR ", 1)[1]
    return sql


def reads(sql: str, table: str) -> bool:
    verb = sql.lstrip().split(" ", 1)[0].upper()
    return verb in {"SELECT", "UPDATE", "DELETE"} and f'"{table}"' in sql


def plans_of(run: Callable[[], object], table: str) -> list[str]:
    """EXPLAIN each statement on ``table`` that ``run`` makes, as PostgreSQL would run it."""
    with CaptureQueriesContext(connection) as captured:
        run()
    statements = [
        sql for q in captured.captured_queries if reads(sql := statement(q["sql"]), table)
    ]
    assert statements, f"no statement on {table}"
    explained = []
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(f"EXPLAIN {sql}")
            explained.append("\n".join(row[0] for row in cursor.fetchall()))
    return explained


def indexes_used(plan: str, table: str) -> set[str]:
    return set(
        re.findall(rf"(?:Index Scan|Index Only Scan)(?: Backward)? using (\w+) on {table}\b", plan)
    ) | set(re.findall(r"Bitmap Index Scan on (\w+)", plan))


def column_indexes(table: str, *columns: str) -> set[str]:
    """The names of the indexes whose columns are exactly ``columns``."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {
        name
        for name, info in constraints.items()
        if info["index"] and info["columns"] == list(columns)
    }


def assert_indexed(run: Callable[[], object], table: str, expected: set[str]) -> None:
    """Every statement of ``run`` on ``table`` uses one of ``expected`` and scans no table."""
    for plan in plans_of(run, table):
        assert "Seq Scan" not in plan, plan
        assert indexes_used(plan, table) & expected, plan


# --- accounts_user ----------------------------------------------------------------------------
#: Holders' unique ID number and mobile (partial), and the plain indexes of ``db_index``.
HELD = {"national_id": "user_national_id_held_uniq", "mobile": "user_mobile_held_uniq"}
USERNAME = {"user_username_ci_held_uniq", "user_username_lower_idx"}


def national_id_indexes() -> set[str]:
    return column_indexes(USER_TABLE, "national_id")


def mobile_indexes() -> set[str]:
    return column_indexes(USER_TABLE, "mobile")


def test_sign_in_by_id_number_uses_the_national_id_index(data):
    user = data["user"]
    assert_indexed(
        lambda: selectors.find_account_by_identifier(user.national_id),
        USER_TABLE,
        national_id_indexes(),
    )


def test_sign_in_by_username_in_any_case_uses_the_lower_username_index(data):
    user = data["user"]
    found = selectors.find_account_by_identifier(user.username.upper())
    assert found == user
    assert_indexed(
        lambda: selectors.find_account_by_identifier(user.username.upper()), USER_TABLE, USERNAME
    )


def test_registration_checks_use_the_id_and_username_indexes(data):
    user = data["user"]
    assert_indexed(
        lambda: selectors.national_id_has_registered_account(user.national_id),
        USER_TABLE,
        national_id_indexes(),
    )
    assert_indexed(
        lambda: selectors.username_taken(user.username, national_id=luhn_id("1", 99_999)),
        USER_TABLE,
        USERNAME,
    )


def test_registration_lock_combines_the_id_username_and_mobile_indexes(data):
    user = data["user"]

    def lock() -> None:
        with transaction.atomic():
            _lock_holders(national_id=user.national_id, username="newcomer1", mobile=user.mobile)

    (plan,) = plans_of(lock, USER_TABLE)
    assert "Seq Scan" not in plan, plan
    used = indexes_used(plan, USER_TABLE)
    assert used & national_id_indexes() and used & USERNAME and used & mobile_indexes(), plan


def test_password_reset_match_uses_an_id_index(data):
    user = data["user"]
    assert_indexed(
        lambda: matching_account(national_id=user.national_id, mobile=user.mobile),
        USER_TABLE,
        national_id_indexes() | mobile_indexes(),
    )


def test_bank_activation_finds_the_account_by_the_national_id_index(data):
    user = data["user"]
    confirmation = Confirmation(
        event_id="new-event",
        national_id=user.national_id,
        mobile=user.mobile,
        channel="online",
        confirmed_at=timezone.now(),
    )

    def decide() -> None:
        with transaction.atomic():
            _decide(confirmation)

    assert_indexed(decide, USER_TABLE, national_id_indexes())


#: Staff search every row, whatever its status: only the indexes without a condition serve.
ADMIN_SEARCH = {
    "national_id": lambda: national_id_indexes() - {HELD["national_id"]},
    "mobile": lambda: mobile_indexes() - {HELD["mobile"]},
    "username": lambda: {"user_username_lower_idx"},
}


@pytest.mark.parametrize("field", sorted(ADMIN_SEARCH))
def test_admin_exact_search_uses_an_index(data, client, field):
    staff = User.objects.create_superuser(
        "staffer01x", luhn_id("2", 1), STAFF_MOBILE, "staff@example.sa", PASSWORD
    )
    sign_in_as(client, staff)
    user = data["user"]
    typed = {
        "national_id": user.national_id,
        "mobile": "0" + user.mobile.removeprefix("+966"),  # as the person says it
        "username": user.username.upper(),
    }[field]

    def search() -> None:
        response = client.get(reverse("admin:accounts_user_changelist"), {"q": typed})
        assert response.status_code == 200
        assert user.username in response.content.decode()

    plans = plans_of(search, USER_TABLE)
    for plan in plans:
        assert "Seq Scan" not in plan, plan
    expected = ADMIN_SEARCH[field]()
    assert any(indexes_used(plan, USER_TABLE) & expected for plan in plans), plans


def test_expiry_sweep_uses_the_status_and_created_index(data):
    assert_indexed(pending_accounts_due, USER_TABLE, {"user_status_created_idx"})


# --- events and challenges ------------------------------------------------------------------
def test_status_page_reads_an_accounts_events_by_index(data):
    user = data["user"]
    assert_indexed(
        lambda: _recent_events(user), EVENT_TABLE, column_indexes(EVENT_TABLE, "account_id")
    )


def test_reset_challenge_lookup_after_a_failed_sms_uses_the_user_index(data):
    user = data["user"]
    assert_indexed(
        # The query of reset.PasswordResetStartView when the code's SMS could not be sent.
        lambda: (
            OtpChallenge.objects.filter(
                purpose=OtpPurpose.RESET, user_id=user.pk, mobile=user.mobile
            )
            .order_by("-created_at")
            .first()
        ),
        OTP_TABLE,
        column_indexes(OTP_TABLE, "user_id") | column_indexes(OTP_TABLE, "mobile", "created_at"),
    )


# --- activation events ----------------------------------------------------------------------
def test_bank_event_replay_is_found_by_the_bank_and_event_id_constraint(data):
    user = data["user"]
    replay = Confirmation(
        event_id=f"evt-{PROBE}",
        national_id=user.national_id,
        mobile=user.mobile,
        channel="online",
        confirmed_at=timezone.now(),
    )
    assert_indexed(
        lambda: activation_confirm(key=data["key"], confirmation=replay),
        ACTIVATION_TABLE,
        {"activation_event_uniq"},
    )


# --- notices --------------------------------------------------------------------------------
def test_missed_notices_sweep_uses_the_unsent_index(data):
    assert_indexed(queue_missed_notices, NOTICE_TABLE, {"notice_unsent_idx"})


def test_stale_notice_claims_use_the_unsent_index(data):
    from sms.models import SmsDelivery

    SmsDelivery.objects.bulk_create(
        SmsDelivery(
            recipient=MOBILE_E164,
            purpose="activation",
            backend="twilio",
            status="delivered",
            dedupe_key=f"notice:{n}:1",
        )
        for n in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE sms_smsdelivery")
    assert_indexed(
        lambda: report_stale_notices(older_than_seconds=900), NOTICE_TABLE, {"notice_unsent_idx"}
    )
