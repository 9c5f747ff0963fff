"""A seeded fuzzer for the portal's HTTP endpoints, and the ledger that judges its answers.

``Fuzzer`` draws hostile values (any Unicode, controls and NUL, direction marks, Arabic and
Persian digits, look-alikes, very long strings, and now and then a valid value so that
deeper checks run) and sends them as forms: fields missing, duplicated, unknown, encoded as
multipart or URL-encoded. Every answer goes through ``Ledger.record``, which counts the cases
and keeps those that answered 5xx. A fixed seed makes every run send the same requests.

Also the endpoints (``FORMS``) and the fixtures the fuzz modules share (``fuzzer``, ``ledger``,
``accounts``), loaded with ``pytest_plugins = ["tests.fuzzing"]``. The modules import from here
before pytest loads it as a plugin, so pytest cannot rewrite its asserts (they carry their
own messages): PYTEST_DONT_REWRITE.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AccountEvent, AccountStatus, OtpChallenge, OtpPurpose, User
from accounts.validators import normalize_saudi_mobile, validate_national_id
from activation.models import ActivationEvent
from tests.factories import make_user
from tests.strategies import SEPARATORS, TRICKY_CHARACTERS

SEED = 20260601
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE", "PROPFIND"]
URLENCODED = "application/x-www-form-urlencoded"

#: Values that pass some rules, so that random forms sometimes get past the first checks.
PLAUSIBLE = [
    "",
    " ",
    "1000000008",
    "١٠٥٨٥٢٩٩٤٠",
    "3000000000",
    "0551234567",
    "+966 55 123 4567",
    "۰۵۵۱۲۳۴۵۶۷",
    "person@example.sa",
    "ahmed2024x",
    "Tr7uMpet9Zq",
    "123456",
    "٦٥٤٣٢١",
    "ar",
    "en",
    "on",
    "identity",
    "account",
    "verify",
    "done",
    "/account/",
    "//evil.example/",
    "javascript:alert(1)",
]
#: Valid values by the end of a field's name, so that whole forms sometimes pass their
#: checks and the fuzz reaches what lies behind them (lookups, lock-outs, decoy challenges).
VALID_FOR = {
    "national_id": ["1058529940", "۱۰۵۸۵۲۹۹۴۰", "2000000006", "1000000008", "3000000000"],
    "mobile": ["0561234567", "+966 56 123 4567", "٠٥٧١٢٣٤٥٦٧", "0551234567"],
    "email": ["person@example.sa", "Person@EXAMPLE.SA"],
    "identifier": ["nora2024x", "NORA2024X", "١٠٥٨٥٢٩٩٤٠", "Pend2024x"],
    "username": ["nora2024x", "Staff2024x", "ahmed2024x"],
    "password": ["Tr7uMpet9Zq", "Wr0ngPassw9x"],
    "password1": ["Tr7uMpet9Zq", "Ab3dEf7hJk"],
    "password2": ["Tr7uMpet9Zq", "Ab3dEf7hJk"],
    "code": ["123456", "٦٥٤٣٢١", "000000"],
    "language": ["ar", "en"],
    "accept_terms": ["on"],
}
#: Unicode blocks worth drawing from: ASCII, Latin-1, Arabic, Hebrew, CJK, symbols, emoji.
BLOCKS = [(0x20, 0x7E), (0x80, 0x24F), (0x590, 0x6FF), (0x4E00, 0x4FFF), (0x2000, 0x206F)]


class Fuzzer:
    """Draws values and whole forms from one seeded generator."""

    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)

    def char(self) -> str:
        roll = self.rng.random()
        if roll < 0.35:
            return self.rng.choice(TRICKY_CHARACTERS + SEPARATORS)
        if roll < 0.9:
            low, high = self.rng.choice(BLOCKS)
            return chr(self.rng.randint(low, high))
        point = self.rng.randint(0x80, 0x10FFFF)
        return chr(point) if not 0xD800 <= point <= 0xDFFF else "\ufffd"

    def value(self, name: str = "") -> str:
        """A value for the field ``name``: valid for it a third of the time, else hostile."""
        suffix = name.rsplit("-", 1)[-1].removeprefix("new_").removeprefix("old_")
        valid = VALID_FOR.get(suffix) or VALID_FOR.get(suffix.removeprefix("preferred_"))
        if valid and self.rng.random() < 0.35:
            return self.rng.choice(valid)
        roll = self.rng.random()
        if roll < 0.25:
            return self.rng.choice(PLAUSIBLE)
        if roll < 0.35:  # a plausible value with junk around it
            return self.text(3) + self.rng.choice(PLAUSIBLE) + self.text(3)
        if roll < 0.4:
            return self.text(4) * self.rng.randint(500, 5_000)  # long: up to ~20,000 chars
        return self.text(self.rng.randint(0, 40))

    def text(self, size: int) -> str:
        return "".join(self.char() for _ in range(size))

    def form(self, fields: list[str]) -> dict[str, list[str]]:
        """Each field missing, given once or given twice; sometimes an unknown field too."""
        data: dict[str, list[str]] = {}
        for name in fields:
            roll = self.rng.random()
            if roll < 0.15:
                continue
            count = 2 if roll > 0.85 else 1
            data[name] = [self.value(name) for _ in range(count)]
        if self.rng.random() < 0.2:
            data[self.text(self.rng.randint(1, 12))] = [self.value()]
        return data

    def headers(self) -> dict[str, str]:
        """Sometimes a hostile language header or cookie, and a random client address."""
        extra = {"REMOTE_ADDR": f"198.51.{self.rng.randint(0, 255)}.{self.rng.randint(1, 254)}"}
        if self.rng.random() < 0.15:
            extra["HTTP_ACCEPT_LANGUAGE"] = self.header_text()
        return extra

    def header_text(self) -> str:
        """Header values travel as latin-1 in WSGI: any byte but the line breaks."""
        return "".join(
            chr(self.rng.choice([*range(0x20, 0x7F), *range(0xA0, 0x100)])) for _ in range(12)
        )

    def post(
        self, client: Client, path: str, fields: list[str], solved: dict[str, str] | None = None
    ) -> Any:
        """Post a random form, URL-encoded or multipart; ``solved`` fields (a captcha answer)
        replace the random ones half of the time."""
        data = self.form(fields)
        if solved and self.rng.random() < 0.5:
            data |= {name: [value] for name, value in solved.items()}
        if self.rng.random() < 0.5:
            body = urlencode(data, doseq=True)
            return client.post(path, body, content_type=URLENCODED, **self.headers())
        return client.post(path, data, **self.headers())


@dataclass
class Ledger:
    """Every case sent and its status; the 5xx ones kept to be shown."""

    cases: int = 0
    server_errors: list[str] = field(default_factory=list)

    def record(self, response: Any, description: str) -> Any:
        self.record_status(response.status_code, description)
        return response

    def record_status(self, status: int, description: str) -> None:
        self.cases += 1
        if status >= 500:
            self.server_errors.append(f"{status} {description[:300]!r}")

    def send(self, client: Client, method: str, path: str, **kwargs: Any) -> Any:
        response = client.generic(method, path, **kwargs)
        return self.record(response, f"{method} {path} {kwargs}")


def row_counts() -> dict[str, int]:
    """Rows that only a completed action may add."""
    return {
        "users": User.objects.count(),
        "account_events": AccountEvent.objects.count(),
        "activation_events": ActivationEvent.objects.count(),
        "challenges": OtpChallenge.objects.count(),
    }


def accounts_state() -> dict[int, tuple[Any, ...]]:
    """Each account's status, password hash and identity (ID number, username, mobile)."""
    rows = User.objects.values_list("pk", "status", "password", "national_id", "username", "mobile")
    return {pk: rest for pk, *rest in rows}


def client() -> Client:
    """A test client that answers 500 (as a server would) instead of raising."""
    return Client(raise_request_exception=False)


WIZARD_BUTTONS = ["registration_wizard-current_step", "wizard_goto_step", "resend", "restart"]


def step(name: str) -> str:
    return reverse("accounts:register_step", kwargs={"step": name})


#: Each form endpoint and the fields it reads (buttons included).
FORMS: dict[str, list[str]] = {
    reverse("accounts:home"): [],
    reverse("healthz"): [],
    reverse("metrics"): [],
    reverse("accounts:register"): WIZARD_BUTTONS,
    step("identity"): ["identity-national_id", "identity-mobile", "identity-email"],
    step("account"): [
        "account-username",
        "account-password1",
        "account-password2",
        "account-preferred_language",
        "account-captcha_0",
        "account-captcha_1",
        "account-accept_terms",
    ],
    step("verify"): ["verify-code"],
    step("done"): [],
    reverse("accounts:registration_complete"): [],
    reverse("accounts:login"): ["identifier", "password", "captcha_0", "captcha_1", "next"],
    reverse("accounts:login_verify"): ["code", "resend", "sms_instead"],
    reverse("authenticator:login_app"): ["code"],
    reverse("authenticator:login_recovery"): ["code"],
    reverse("accounts:status"): [],
    reverse("accounts:account"): ["preferred_language"],
    reverse("accounts:change_password"): ["old_password", "new_password1", "new_password2"],
    reverse("security:page"): [],
    reverse("security:confirm"): ["password", "code", "next"],
    reverse("authenticator:setup"): ["code"],
    reverse("authenticator:remove"): [],
    reverse("authenticator:first_codes"): [],
    reverse("authenticator:new_codes"): ["form_token"],
    reverse("authenticator:download"): ["code"],
    reverse("accounts:password_reset"): ["national_id", "mobile"],
    reverse("accounts:password_reset_verify"): ["code", "resend"],
    reverse("accounts:password_reset_new"): ["new_password1", "new_password2"],
    reverse("accounts:password_reset_done"): [],
    reverse("set_language"): ["language", "next"],
    reverse("captcha-refresh"): [],
    reverse("captcha-image", kwargs={"key": "0f" * 20}): [],
    reverse("captcha-image-2x", kwargs={"key": "٤٥abc"}): [],
    reverse("captcha-audio", kwargs={"key": "abc"}): [],
    **{
        reverse(f"pages:{name}"): []
        for name in ("terms", "privacy", "accessibility", "help", "contact")
    },
    reverse("admin:login"): ["username", "password", "next"],
    reverse("admin:index"): [],
    reverse("activation:bank_activation"): ["event_id", "national_id", "mobile", "channel"],
    reverse("activation:bank_openapi"): [],
    # Signed by Twilio: unsigned junk is refused (tests/test_twilio_status_callback.py).
    reverse("sms:twilio_status_callback"): ["MessageSid", "MessageStatus", "ErrorCode"],
    # Passkeys: JSON bodies in real use, anything here (tests/test_passkeys_*.py for the rest).
    reverse("passkeys:add_options"): [],
    reverse("passkeys:add"): ["credential"],
    reverse("passkeys:rename", args=[1]): ["name"],
    reverse("passkeys:remove", args=[1]): [],
    reverse("passkeys:sign_in_options"): [],
    reverse("passkeys:sign_in"): ["credential", "next"],
    reverse("security:confirm_step", args=["sms"]): ["code", "resend", "switch"],
    reverse("security:end_session", args=["6f1c1c1e-0000-4000-8000-000000000000"]): [],
    reverse("security:end_other_sessions"): [],
    reverse("accounts:logout"): [],  # last: it ends the session of a signed-in client
}
WIZARD_STEPS = [step(name) for name in ("identity", "account", "verify")]


@pytest.fixture
def fuzzer() -> Fuzzer:
    return Fuzzer()


@pytest.fixture
def ledger(caplog) -> Iterator[Ledger]:
    """Counts the cases; at the end, no 5xx and no error logged (a 500 logs one)."""
    caplog.set_level(logging.WARNING)
    ledger = Ledger()
    yield ledger
    print(f"\n{ledger.cases} fuzz cases")
    assert ledger.server_errors == [], f"5xx answers: {ledger.server_errors[:5]}"
    # django.security logs its refusals (400s: disallowed lookups, too many fields) as errors.
    errors = [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.ERROR and not r.name.startswith("django.security")
    ]
    assert errors == [], f"errors logged: {errors[:5]}"


@dataclass
class Accounts:
    active: User
    pending: User
    staff: User


def make_accounts() -> Accounts:
    return Accounts(
        active=make_user("Nora2024x", "1058529940", "0561234567"),
        pending=make_user("Pend2024x", "2000000006", "0571234567", status=AccountStatus.PENDING),
        staff=make_user("Staff2024x", "1000000016", "0591234567", is_staff=True, is_superuser=True),
    )


@pytest.fixture
def accounts(db) -> Iterator[Accounts]:
    """An active, a pending and a staff account, and the check that nothing is half-written.

    No account appears; ID numbers, usernames and mobiles never change; a password or a
    status changes only together with its event (a fuzzed form may complete a password
    change or reset, or a staff action, when it happens to be valid); no activation event
    appears (no request is signed); every challenge row is well-formed.
    """
    made = make_accounts()
    before, counts = accounts_state(), row_counts()
    old_events = list(AccountEvent.objects.values_list("pk", flat=True))
    yield made
    now = row_counts()
    assert now["users"] == counts["users"], "an account appeared"
    assert now["activation_events"] == counts["activation_events"], "an activation appeared"
    new_events = AccountEvent.objects.exclude(pk__in=old_events).order_by("created_at", "pk")
    for pk, (status, password, *identity) in accounts_state().items():
        old_status, old_password, *old_identity = before[pk]
        events = [event for event in new_events if event.account_id == pk]
        assert identity == old_identity, f"identity of account {pk} changed"
        changed_password = any(e.kind == AccountEvent.Kind.PASSWORD_CHANGED for e in events)
        assert (password != old_password) == changed_password, f"password of {pk} vs events"
        status_changes = [event.to_status for event in events if event.to_status]
        expected = status_changes[-1] if status_changes else old_status
        assert status == expected, f"status of account {pk} vs its events"
    assert_challenges_well_formed()


def assert_challenges_well_formed() -> None:
    """A challenge row exists only for a valid mobile and ID, with a code set and sent."""
    for challenge in OtpChallenge.objects.all():
        details = f"challenge {challenge.pk}"
        assert challenge.purpose in OtpPurpose.values, details
        assert normalize_saudi_mobile(challenge.mobile) == challenge.mobile, details
        if challenge.national_id:
            assert validate_national_id(challenge.national_id) == challenge.national_id, details
        assert challenge.code_hmac and challenge.sent_at and challenge.expires_at, details
        assert challenge.sends >= 1, details
