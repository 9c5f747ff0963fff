"""What the simulated clients do, one ``FastHttpUser`` per scenario (bench/run.py picks one).

Every iteration is a new person: a new cookie jar and its own ``X-Forwarded-For`` address
(the bench server trusts one proxy on loopback), so the portal's per-IP limits apply per
simulated person as they would in production, not to the one load-tool address.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import time
from pathlib import Path

import gevent
from locust import FastHttpUser, constant, task

from accounts.seed_numbers import BENCH_ID_BASE, national_id_for

PASSWORD = "Tr7uMpet9Zq"
_sequence = itertools.count(int(os.environ.get("BENCH_SEQ_BASE", "0")))
_addresses = itertools.count(1)
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_CAPTCHA = re.compile(r'name="account-captcha_0" value="([0-9a-f]+)"')
_CODE = re.compile(r"#([0-9]{6})\s*$")


def new_address() -> dict[str, str]:
    """An ``X-Forwarded-For`` header for a new simulated person (10.0.0.0/8)."""
    n = next(_addresses)
    return {"X-Forwarded-For": f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"}


class SmsFile:
    """The portal's ``file`` SMS backend, read as it grows: the latest code for each number."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.offset = self.path.stat().st_size if self.path.exists() else 0
        self.codes: dict[str, str] = {}

    def _read(self) -> None:
        if not self.path.exists():
            return
        with self.path.open("rb") as fh:
            fh.seek(self.offset)
            data = fh.read()
        end = data.rfind(b"\n") + 1  # a line being written stays for the next read
        self.offset += end
        for line in data[:end].splitlines():
            record = json.loads(line)
            match = _CODE.search(record["body"])
            if match:
                self.codes[record["to"]] = match.group(1)

    def wait_code(self, mobile: str, timeout: float = 20.0) -> str | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._read()
            if mobile in self.codes:
                return self.codes.pop(mobile)
            gevent.sleep(0.02)
        return None


SMS = SmsFile(os.environ.get("SMS_FILE_PATH", "sms.jsonl"))


def bank_requests() -> list[dict]:
    path = os.environ.get("BENCH_BANK_FILE")
    return json.loads(Path(path).read_text()) if path else []


class BenchUser(FastHttpUser):
    abstract = True
    wait_time = constant(0)

    def fresh_person(self) -> dict[str, str]:
        self.client.cookiejar.clear()
        return new_address()

    def form_post(self, path: str, page: str, data: dict, headers: dict, name: str):
        token = _CSRF.search(page)
        data = {**data, "csrfmiddlewaretoken": token.group(1) if token else ""}
        return self.client.post(
            path, data=data, headers=headers, name=name, catch_response=True, allow_redirects=False
        )

    def follow(self, response, expected: str, headers: dict, name: str) -> str | None:
        """The page the POST redirected to, or ``None`` (a failure) when it went elsewhere."""
        location = response.headers.get("Location", "") if response.status_code == 302 else ""
        if expected not in location:
            response.failure(f"{response.status_code}, not redirected to {expected}")
            return None
        response.success()
        if not expected.endswith("/"):
            return ""
        return self.client.get(location, headers=headers, name=name).text


class OkUser(BenchUser):
    """Reference (a): the portal's middleware stack and a view returning "ok"."""

    @task
    def ok(self) -> None:
        self.client.get("/bench/ok", name="ref: ok view")


class SessionUser(BenchUser):
    """Reference (b): the same stack with one session write per request."""

    @task
    def session(self) -> None:
        self.client.get("/bench/session", name="ref: session write")


class IdentityPageUser(BenchUser):
    """A non-hashing wizard step: GET the identity step (form, session write, CSRF)."""

    @task
    def identity_page(self) -> None:
        self.client.get("/register/identity/", headers=self.fresh_person(), name="GET identity")


class IdentityPostUser(BenchUser):
    """The identity step's lookups: POST a new ID and mobile (uniqueness checks on accounts)."""

    @task
    def identity_post(self) -> None:
        headers = self.fresh_person()
        n = next(_sequence)
        page = self.client.get("/register/identity/", headers=headers, name="GET identity").text
        identity = {
            "identity-national_id": national_id_for(BENCH_ID_BASE + n),
            "identity-mobile": f"056{n % 10_000_000:07d}",
            "identity-email": f"bench{n}@example.sa",
            "registration_wizard-current_step": "identity",
        }
        with self.form_post("/register/identity/", page, identity, headers, "POST identity") as r:
            self.follow(r, "/register/account", headers, "GET account")


class RegisterUser(BenchUser):
    """A full registration: the three steps, the code read from the SMS file."""

    @task
    def register(self) -> None:
        started = time.perf_counter()
        headers = self.fresh_person()
        n = next(_sequence)
        mobile = f"056{n % 10_000_000:07d}"
        page = self.client.get("/register/identity/", headers=headers, name="GET identity").text
        identity = {
            "identity-national_id": national_id_for(BENCH_ID_BASE + n),
            "identity-mobile": mobile,
            "identity-email": f"bench{n}@example.sa",
            "registration_wizard-current_step": "identity",
        }
        with self.form_post("/register/identity/", page, identity, headers, "POST identity") as r:
            page = self.follow(r, "/register/account/", headers, "GET account")
        if page is None:
            return self.fire("registration", started, "identity step not accepted")
        captcha = _CAPTCHA.search(page)
        account = {
            "account-username": f"bench{n:08d}",
            "account-password1": PASSWORD,
            "account-password2": PASSWORD,
            "account-preferred_language": "en",
            "account-accept_terms": "on",
            "account-captcha_0": captcha.group(1) if captcha else "",
            "account-captcha_1": "PASSED",
            "registration_wizard-current_step": "account",
        }
        with self.form_post("/register/account/", page, account, headers, "POST account") as r:
            page = self.follow(r, "/register/verify/", headers, "GET verify")
        if page is None:
            return self.fire("registration", started, "account step not accepted")
        code = SMS.wait_code("+966" + mobile[1:])
        if code is None:
            return self.fire("registration", started, "no SMS code within 20 s")
        verify = {"verify-code": code, "registration_wizard-current_step": "verify"}
        with self.form_post("/register/verify/", page, verify, headers, "POST verify") as r:
            if self.follow(r, "/register/complete", headers, "") is None:
                return self.fire("registration", started, "code not accepted")
        self.fire("registration", started, None)

    def fire(self, name: str, started: float, error: str | None) -> None:
        self.environment.events.request.fire(
            request_type="FLOW",
            name=name,
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=RuntimeError(error) if error else None,
            context={},
        )


class BankUser(BenchUser):
    """The bank API: pre-signed confirmations (RFC 9421, Ed25519), one per pending account."""

    requests = bank_requests()
    position = itertools.count()

    @task
    def confirm(self) -> None:
        index = next(self.position)
        if index >= len(self.requests):  # every pending account confirmed once: stop the run
            self.environment.runner.quit()
            return
        item = self.requests[index]
        with self.client.post(
            "/api/bank/v1/activations",
            data=item["body"].encode(),
            headers=item["headers"],
            name="POST bank activation",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")


class AllauthSignupUser(BenchUser):
    """The peer: django-allauth's sign-up form, username + email + password."""

    @task
    def signup(self) -> None:
        headers = self.fresh_person()
        n = next(_sequence)
        page = self.client.get("/accounts/signup/", headers=headers, name="peer: GET signup").text
        data = {
            "username": f"peer{n:08d}",
            "email": f"peer{n}@example.sa",
            "password1": PASSWORD,
            "password2": PASSWORD,
        }
        with self.form_post("/accounts/signup/", page, data, headers, "peer: signup") as r:
            self.follow(r, "/done", headers, "")
