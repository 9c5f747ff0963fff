"""The small scripts of static/js/portal.js, under the live server's strict CSP, both languages.

The live password checklist is held to the validators themselves: for every rule the page
lists, and for passwords built to break each one plus a seeded random mix, the tick the script
shows must equal the verdict of ``validate_password`` with the project's settings (run here,
in the test process). Also: captcha refresh, Arabic-Indic digits, the resend countdown, the
error summary's links, and what remains without JavaScript.
"""

from __future__ import annotations

import random
import re
import string
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from playwright.sync_api import Page, expect

from accounts.models import User
from tests.e2e.conftest import RESEND_COOLDOWN_SECONDS, Person, Server
from tests.e2e.journeys import field, fill_identity, t
from tests.people import CITIZEN_ID, MOBILE, PASSWORD, RULES_USERNAME


def broken_codes(password: str, username: str) -> set[str]:
    """The error codes ``validate_password`` gives (the server's verdict)."""
    try:
        validate_password(password, User(username=username))
    except ValidationError as error:
        return {item.code for item in error.error_list}
    return set()


def checklist(page: Page, selector: str = "[data-password-rules]") -> list[dict[str, Any]]:
    """The items of the checklist as the page shows them: kind, params, codes, state."""
    return page.eval_on_selector_all(
        f"{selector} li",
        """items => items.map(li => ({kind: li.dataset.check, params: JSON.parse(li.dataset.params),
            codes: li.dataset.codes.split(' ').filter(Boolean), state: li.dataset.state || null,
            text: li.textContent.trim()}))""",
    )


def breakers(checks: list[dict[str, Any]], username: str) -> list[str]:
    """Passwords that each break one rule, built from the parameters the page shows."""
    base = "Q7wE3rT9yU1iO5pA8sD2fG6hJ4kL0zXcVbNm"
    made = ["", "a", PASSWORD, base]
    for check in checks:
        params = check["params"]
        if check["kind"] == "charset":
            made += ["Tr7uMpet9Zq!", "Tr7u Mpet9Zq", "Tr7uMpet9Zqع", "Tr7uMpet9Zq٣"]
        elif check["kind"] == "length":
            made += [base[: params["min_length"] - 1], (base * 3)[: params["max_length"] + 1]]
            made += [base[: params["min_length"]], (base * 3)[: params["max_length"]]]
        elif check["kind"] == "contains":
            made.append(re.sub(params["pattern"], "", base))
        elif check["kind"] == "username_overlap":
            run = params["max_shared_run"]
            made += [base[:6] + username[: run + 1], base[:6] + username[:run]]
            made.append(base[:6] + username[1 : run + 2].upper())
        elif check["kind"] == "repeated_run":
            made += [base[:6] + "k" * params["run"], base[:6] + "kK" * (params["run"] // 2)]
            made.append(base[:6] + "k" * (params["run"] - 1))
        elif check["kind"] == "sequential_run":
            run = params["run"]
            made += [base[:6] + "bCdE"[:run], base[:6] + "9876"[:run], base[:6] + "yzab"]
            made += [base[:6] + "89ab", base[:6] + "abcb"]
        elif check["kind"] == "max_frequency":
            made.append("".join(f"k{c}" for c in base[: params["max_count"] + 1]))
            made.append("".join(f"k{c}" for c in base[: params["max_count"]]))
    rng = random.Random(7)  # seeded: the same passwords every run
    alphabet = string.ascii_letters + string.digits + "abcd1234 !ـعب٣😀"
    made += ["".join(rng.choices(alphabet, k=rng.randint(1, 20))) for _ in range(40)]
    return made


def assert_checklist_agrees(page: Page, password_input: str, username: str) -> None:
    """Type each password; every item's tick must equal the server's verdict for its codes."""
    checks = checklist(page)
    assert checks and {check["kind"] for check in checks} >= {"length", "contains", "charset"}
    disagreements = []
    for password in breakers(checks, username):
        page.locator(f'[name="{password_input}"]').fill(password)
        broken = broken_codes(password, username)
        for item in checklist(page):
            if item["kind"] == "server":
                assert item["state"] is None
                continue
            if not password:
                assert item["state"] is None, "an empty field ticks nothing"
                continue
            expected = "unmet" if broken & set(item["codes"]) else "met"
            if item["state"] != expected:
                disagreements.append(f"{password!r} {item['kind']} {item['params']}: {item}")
    assert not disagreements, "\n".join(disagreements)


def to_account_step(page: Page, person: Person) -> None:
    page.goto("/register/")
    fill_identity(page, person)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/register/account/$"))


# --- The live password checklist ----------------------------------------------------------------
def test_checklist_ticks_exactly_what_the_validators_enforce_while_registering(
    page: Page, person: Person
) -> None:
    to_account_step(page, person)
    field(page, "account-username").fill(RULES_USERNAME)
    assert_checklist_agrees(page, "account-password1", RULES_USERNAME)
    # The username is read as it is typed: change it and the overlap rule follows.
    field(page, "account-password1").fill("Zq7" + "omar2024")
    overlap = '[data-password-rules] li[data-check="username_overlap"]'
    expect(page.locator(overlap)).to_have_attribute("data-state", "met")
    field(page, "account-username").fill("omar2024x")
    expect(page.locator(overlap)).to_have_attribute("data-state", "unmet")


def test_checklist_on_the_reset_page_knows_the_username(
    page: Page, server: Server, person: Person
) -> None:
    server.manage(
        "shell",
        "-c",
        "from tests.factories import make_user; "
        f"make_user({person.username!r}, {person.national_id!r}, {person.mobile!r})",
    )
    page.goto("/password-reset/")
    field(page, "national_id").fill(person.national_id)
    field(page, "mobile").fill(person.mobile)
    page.locator("main form button[type=submit]").first.click()
    field(page, "code").fill(server.latest_code(mobile=person.mobile, purpose="reset"))
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/password-reset/new/$"))
    assert_checklist_agrees(page, "new_password1", person.username)
    expect(page.locator('input[name="username"]')).to_be_hidden()  # for password managers only


def test_checklist_speaks_once_typing_pauses_in_the_page_language(
    page: Page, person: Person, lang: str
) -> None:
    to_account_step(page, person)
    status = page.locator("[data-password-rules-status]")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_be_empty()  # nothing said before anyone types
    page.locator('[name="account-password1"]').press_sequentially("Tr7", delay=50)
    expect(status).to_be_empty()  # not while typing
    total = page.locator("[data-password-rules] li:not([data-check=server])").count()
    met = page.locator("[data-password-rules] li[data-state=met]").count()
    expected = t(lang, "Password rules met: %(met)s of %(total)s.") % {"met": met, "total": total}
    expect(status).to_have_text(expected)
    done = page.locator("[data-password-rules] li[data-state=met]").first
    expect(done).to_contain_text(t(lang, "Done:"))


def test_without_javascript_the_rules_are_a_plain_list_and_the_server_judges(
    new_page: Any, person: Person, lang: str
) -> None:
    page = new_page(javascript=False)
    to_account_step(page, person)
    rules = checklist(page)
    assert rules and all(rule["state"] is None for rule in rules)
    expect(page.locator(".captcha-refresh")).to_be_hidden()
    expect(page.locator("[data-password-rules-status]")).to_be_empty()
    field(page, "account-password1").fill("abc")
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator(".error-summary")).to_contain_text(
        t(lang, "Choose a password that meets every rule in the list.")
    )
    # The server's verdict on each rule, marked in the list itself (the rules stated once).
    upper = page.locator('[data-password-rules] li[data-codes="password_no_upper"]')
    expect(upper).to_have_attribute("data-state", "unmet")
    expect(upper).to_contain_text(t(lang, "Not yet:"))


# --- Captcha, digits, countdown, error summary ------------------------------------------------
def test_captcha_refresh_works_under_the_csp(page: Page, person: Person) -> None:
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Security Policy" in m.text else None)
    to_account_step(page, person)
    image, key = page.locator(".captcha img"), field(page, "account-captcha_0")
    before = (image.get_attribute("src"), key.input_value())
    field(page, "account-captcha_1").fill("12")
    page.locator(".captcha-refresh").click()
    expect(image).not_to_have_attribute("src", before[0])
    assert key.input_value() != before[1]
    expect(field(page, "account-captcha_1")).to_have_value("")
    expect(field(page, "account-captcha_1")).to_be_focused()
    expect(image).to_have_js_property("complete", True)  # the new picture loaded...
    expect(image).not_to_have_js_property("naturalWidth", 0)  # ...and is an image
    assert not blocked


def test_arabic_indic_digits_become_ascii_as_typed(page: Page) -> None:
    page.goto("/register/")
    field(page, "identity-national_id").press_sequentially("١٠٠٠٠۰۰۰۰٨")
    expect(field(page, "identity-national_id")).to_have_value(CITIZEN_ID)
    field(page, "identity-mobile").press_sequentially("٠٥٥١٢٣٤٥٦٧")
    expect(field(page, "identity-mobile")).to_have_value(MOBILE)


def test_resend_countdown_ticks_then_enables_the_button(
    page: Page, server: Server, person: Person, lang: str
) -> None:
    to_account_step(page, person)
    field(page, "account-username").fill(person.username)
    field(page, "account-password1").fill(PASSWORD)
    field(page, "account-password2").fill(PASSWORD)
    page.locator('[name="account-preferred_language"]').first.check()
    field(page, "account-captcha_1").fill("passed")
    field(page, "account-accept_terms").check()
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/register/verify/$"))
    resend = page.locator('button[name="resend"]')
    expect(resend).to_be_disabled()
    expect(page.locator(".countdown")).to_have_text(re.compile(r"^0:0[0-9]$"))
    expect(resend).to_be_enabled(timeout=(RESEND_COOLDOWN_SECONDS + 3) * 1000)
    expect(page.locator("#resend-status")).to_have_text(
        t(lang, "Did not receive the code? You can request a new one now.")
    )


def test_error_summary_takes_focus_and_its_links_focus_the_fields(page: Page) -> None:
    page.goto("/password-reset/")
    page.locator("main form button[type=submit]").first.click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    links = summary.locator("a")
    assert links.evaluate_all("a => a.map(x => x.hash)") == ["#id_national_id", "#id_mobile"]
    links.nth(1).click()
    expect(field(page, "mobile")).to_be_focused()
    for name in ("national_id", "mobile"):
        described = field(page, name).get_attribute("aria-describedby") or ""
        assert f"id_{name}_errors" in described.split()
        expect(page.locator(f"#id_{name}_errors")).to_be_visible()
