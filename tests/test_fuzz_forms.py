"""Every form endpoint, fuzzed: no input gives a 5xx, and no failed request leaves rows behind.

Random Unicode values; missing, duplicated and unknown fields; tampered wizard fields
(``registration_wizard-current_step``, ``wizard_goto_step``); valid values now and then, so
that forms get past their first checks — anonymously and signed in, at every step of every
multi-step flow, and in every admin page. The client never raises
(``raise_request_exception=False``), so a crash shows as a 500; the log must hold no error
either. Rows are checked by the ``accounts`` fixture (``tests.fuzzing``): nothing appears or
changes without its event. Broken requests (methods, encodings, sizes): ``test_fuzz_requests``.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve, reverse

from accounts.models import AccountStatus
from tests.factories import code_from_sms, sign_in_as
from tests.fuzzing import (
    FORMS,
    WIZARD_BUTTONS,
    WIZARD_STEPS,
    Fuzzer,
    Ledger,
    client,
    step,
)
from tests.people import PASSWORD
from tests.registration_driver import RegistrationDriver

pytest_plugins = ["tests.fuzzing"]
pytestmark = pytest.mark.django_db

#: Random forms per endpoint and state: enough to reach every check, bounded in time.
CASES = 24


def fuzz_forms(
    ledger: Ledger,
    fuzzer: Fuzzer,
    client: Client,
    paths: list[str],
    cases: int,
    solve: Callable[[str], dict[str, str]] | None = None,
) -> None:
    """Random posts (and random query strings on GETs) to each path; ``solve(path)`` gives
    the answer of the captcha the page shows, so that posts get past it half of the time."""
    for path in paths:
        fields = FORMS[path]
        for _ in range(cases):
            fields_now = fields + [b for b in WIZARD_BUTTONS if fuzzer.rng.random() < 0.1]
            solved = solve(path) if solve else None
            response = fuzzer.post(client, path, fields_now, solved)
            ledger.record(response, f"POST {path}")
        for _ in range(cases // 4):
            query = fuzzer.form(fields)
            ledger.record(client.get(path, query, **fuzzer.headers()), f"GET {path} {query}")


# --- Random forms, in every state of every flow ---------------------------------------------


def test_random_forms_anonymously_to_every_endpoint(ledger, fuzzer, accounts):
    fuzz_forms(ledger, fuzzer, client(), list(FORMS), CASES)


def test_random_forms_to_the_wizard_at_each_step(ledger, fuzzer, accounts, sms_outbox):
    for last_done in ("identity", "account"):
        browser = client()
        driver = RegistrationDriver(browser, sms_outbox)
        driver.identity_step()
        if last_done == "account":
            assert driver.account_step().status_code == 302
        fuzz_forms(ledger, fuzzer, browser, WIZARD_STEPS, CASES, solve=solved_captcha(driver))


def solved_captcha(driver: RegistrationDriver) -> Callable[[str], dict[str, str]]:
    """The account step's captcha, solved: the fuzz then reaches the sending of the code."""

    def solve(path: str) -> dict[str, str]:
        if path != step("account"):
            return {}
        page = driver.client.get(path)
        if page.status_code != 200:
            return {}
        key, answer = driver.captcha_answer(page.content.decode())
        return {"account-captcha_0": key, "account-captcha_1": answer}

    return solve


def test_random_forms_to_the_sign_in_code_step(ledger, fuzzer, accounts, sms_outbox):
    browser = client()
    credentials = {"identifier": accounts.active.username, "password": PASSWORD}
    response = browser.post(reverse("accounts:login"), credentials)
    assert response.status_code == 302
    fuzz_forms(ledger, fuzzer, browser, [reverse("accounts:login_verify")], CASES * 2)


def test_random_forms_to_each_password_reset_step(ledger, fuzzer, accounts, sms_outbox):
    verify, new = reverse("accounts:password_reset_verify"), reverse("accounts:password_reset_new")
    for last_done in ("start", "verify"):
        browser = client()
        start = {"national_id": accounts.active.national_id, "mobile": accounts.active.mobile}
        assert browser.post(reverse("accounts:password_reset"), start).status_code == 302
        if last_done == "verify":
            code = code_from_sms(sms_outbox[-1])
            assert browser.post(verify, {"code": code}).status_code == 302
        fuzz_forms(ledger, fuzzer, browser, [verify, new], CASES)


@pytest.mark.parametrize("status", [AccountStatus.ACTIVE, AccountStatus.PENDING])
def test_random_forms_signed_in_to_every_endpoint(ledger, fuzzer, accounts, status):
    browser = client()
    sign_in_as(browser, accounts.active if status == AccountStatus.ACTIVE else accounts.pending)
    fuzz_forms(ledger, fuzzer, browser, list(FORMS), CASES // 2)


def admin_pages() -> list[tuple[str, str, str, list[str]]]:
    """(list, add, change of pk 1, form fields) of every model registered in the admin."""
    pages = []
    for model, model_admin in admin.site._registry.items():
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        fields = [f.name for f in model._meta.concrete_fields]
        filters = [
            f if isinstance(f, str) else getattr(f, "parameter_name", "") or ""
            for f in model_admin.list_filter
        ]
        fields += [f"{f}__exact" for f in filters if isinstance(f, str)] + ["q", "o", "p", "e"]
        pages.append(
            (
                reverse(f"{name}_changelist"),
                reverse(f"{name}_add"),
                reverse(f"{name}_change", args=[1]),
                fields,
            )
        )
    return pages


def test_random_lists_actions_and_forms_of_every_admin_page(ledger, fuzzer, accounts):
    staff = client()
    sign_in_as(staff, accounts.staff)
    for changelist, add, change, fields in admin_pages():
        for _ in range(CASES // 2):
            query = fuzzer.form(fields)
            ledger.record(staff.get(changelist, query), f"GET {changelist} {query}")
        for _ in range(CASES // 2):
            action = fuzzer.rng.choice(["delete_selected", "approve_accounts", fuzzer.value()])
            data = {"action": [action], "_selected_action": [fuzzer.value(), fuzzer.value()]}
            data |= fuzzer.form(["reason", "post", "index"])
            if fuzzer.rng.random() < 0.1:
                data["select_across"] = [fuzzer.value()]
            ledger.record(staff.post(changelist, data), f"POST {changelist} {data}")
        for path in (add, change, change.replace("/1/", f"/{fuzzer.text(6)}/")):
            for _ in range(CASES // 4):
                ledger.record(fuzzer.post(staff, path, fields), f"POST {path}")
    for _ in range(CASES):
        ledger.record(
            fuzzer.post(client(), reverse("admin:login"), ["username", "password", "next"]),
            "admin login (sends to /login/)",
        )


# --- Bugs the fuzz found, kept as plain tests -------------------------------------------------


@pytest.mark.parametrize("name", ["accounts_user", "activation_activationchannel", "auth_group"])
def test_admin_action_on_objects_named_by_junk_is_a_bad_request(accounts, name):
    """Django filters ``pk__in`` with the posted values: ``int("abc")`` was a 500."""
    staff = client()
    sign_in_as(staff, accounts.staff)
    action = "approve_accounts" if name == "accounts_user" else "delete_selected"
    data = {"action": action, "_selected_action": ["1", "abc"], "index": "0"}

    response = staff.post(reverse(f"admin:{name}_changelist"), data)

    assert response.status_code == 400


def test_every_url_of_the_portal_is_fuzzed():
    """A new endpoint must be added to ``FORMS`` (the admin's are found by ``admin_pages``)."""
    names = set()

    def collect(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                collect(pattern.url_patterns, pattern.namespace or namespace)
            elif pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    collect(get_resolver().url_patterns)
    fuzzed = {resolve(unquote(path)).view_name for path in FORMS} | {"accounts:register_step"}
    unfuzzed = {n for n in names - fuzzed if not n.startswith("admin:")}

    assert unfuzzed == set()
