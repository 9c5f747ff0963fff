"""The password rules each new-password page renders for the live checklist are the rules the
validators enforce: same parameters, same codes, same words, in both languages.

Each test reads the rules from a page as the browser gets them (the ``data-*`` attributes of
the list) and then asks ``validate_password`` about passwords on both sides of every boundary
those parameters describe. A checklist parameter that drifted from its validator fails here;
tests/e2e/test_progressive_enhancement.py holds the script's verdicts to the same validators.
"""

from __future__ import annotations

import json
import re
import string
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from accounts.password_validation import password_rules
from tests.factories import make_user, sign_in_as
from tests.people import CITIZEN_ID, MOBILE, PASSWORD, RULES_USERNAME
from tests.registration_driver import RegistrationDriver, step_url

pytestmark = pytest.mark.django_db

# Distinct letters and digits in an order without sequences; passes every rule from 8 to 36.
BASE = "Q7wE3rT9yU1iO5pA8sD2fG6hJ4kL0zXcVbNm"
STRICTER = [
    {"NAME": "accounts.password_validation.AllowedCharactersValidator"},
    {
        "NAME": "accounts.password_validation.LengthValidator",
        "OPTIONS": {"min_length": 10, "max_length": 20},
    },
    {"NAME": "accounts.password_validation.CharacterClassesValidator"},
    {
        "NAME": "accounts.password_validation.UsernameOverlapValidator",
        "OPTIONS": {"max_shared_run": 3},
    },
    {"NAME": "accounts.password_validation.RepeatedRunValidator", "OPTIONS": {"run": 3}},
    {"NAME": "accounts.password_validation.SequentialRunValidator", "OPTIONS": {"run": 3}},
    {
        "NAME": "accounts.password_validation.CharacterFrequencyValidator",
        "OPTIONS": {"max_count": 2},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]


class _ChecklistParser(HTMLParser):
    """Collect the items of ``[data-password-rules]`` lists: attributes and text."""

    def __init__(self) -> None:
        super().__init__()
        self.lists: list[dict[str, str]] = []
        self.items: list[dict[str, Any]] = []
        self._item: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "ul" and "data-password-rules" in attributes:
            self.lists.append(attributes)
        elif tag == "li" and "data-check" in attributes:
            self._item = {
                "kind": attributes["data-check"],
                "params": json.loads(attributes["data-params"]),
                "codes": attributes["data-codes"].split(),
                "state": attributes.get("data-state", ""),
                "text": "",
            }
            self.items.append(self._item)

    def handle_endtag(self, tag: str) -> None:
        if tag == "li":
            self._item = None

    def handle_data(self, data: str) -> None:
        if self._item is not None:
            self._item["text"] += data


def rendered_checklist(html: str) -> _ChecklistParser:
    parser = _ChecklistParser()
    parser.feed(html)
    assert len(parser.lists) == 1, "one checklist on the page"
    return parser


def codes(password: str, username: str = RULES_USERNAME) -> set[str]:
    try:
        validate_password(password, User(username=username))
    except ValidationError as error:
        return {item.code for item in error.error_list}
    return set()


def boundary_cases(item: dict[str, Any], username: str) -> list[tuple[str, bool]]:
    """(password, breaks this item) pairs on both sides of the item's parameters."""
    params, kind = item["params"], item["kind"]
    if kind == "charset":
        allowed = re.compile(params["allowed"])
        return [(BASE[:10] + char, not allowed.fullmatch(char)) for char in string.printable]
    if kind == "length":
        low, high = params["min_length"], params["max_length"]
        text = (BASE * 3).replace("Q", "")  # long, still without patterns
        return [
            (text[: low - 1], True),
            (text[:low], False),
            (text[:high], False),
            (text[: high + 1], True),
        ]
    if kind == "contains":
        stripped = re.sub(params["pattern"], "", BASE)[:12]
        return [(stripped, True), (BASE[:12], False)]
    if kind == "username_overlap":
        run = params["max_shared_run"]
        return [(BASE[:8] + username[: run + 1], True), (BASE[:8] + username[:run], False)]
    if kind == "repeated_run":
        run = params["run"]
        return [(BASE[:8] + "k" * run, True), (BASE[:8] + "k" * (run - 1), False)]
    if kind == "sequential_run":
        run = params["run"]
        return [(BASE[:8] + "bcdefg"[:run], True), (BASE[:8] + "bcdefg"[: run - 1], False)]
    if kind == "max_frequency":
        most = params["max_count"]
        return [("k".join(BASE[: most + 2]), True), ("k".join(BASE[: most + 1]), False)]
    raise AssertionError(f"unknown checklist kind {kind!r}")


def account_step_html(client, sms_outbox) -> str:
    RegistrationDriver(client, sms_outbox).identity_step()
    return client.get(step_url("account")).content.decode()


@pytest.mark.parametrize("validators", ["configured", "stricter"])
def test_every_rendered_rule_is_enforced_with_the_rendered_parameters(
    client, sms_outbox, settings, validators
):
    if validators == "stricter":
        settings.AUTH_PASSWORD_VALIDATORS = STRICTER
    checklist = rendered_checklist(account_step_html(client, sms_outbox))
    kinds = [item["kind"] for item in checklist.items]
    assert kinds.count("contains") == 3 and kinds[-1] == "server"
    for item in checklist.items:
        if item["kind"] == "server":
            assert item["codes"] == []
            continue
        for password, breaks in boundary_cases(item, RULES_USERNAME):
            raised = codes(password) & set(item["codes"])
            assert bool(raised) == breaks, (item, password, codes(password))


def test_stricter_settings_change_what_the_page_renders(client, sms_outbox, settings):
    settings.AUTH_PASSWORD_VALIDATORS = STRICTER
    params = {
        item["kind"]: item["params"]
        for item in rendered_checklist(account_step_html(client, sms_outbox)).items
    }
    assert params["length"] == {"min_length": 10, "max_length": 20}
    assert params["repeated_run"] == params["sequential_run"] == {"run": 3}
    assert params["max_frequency"] == {"max_count": 2}


def test_every_error_code_a_validator_raises_has_a_rendered_rule(client, sms_outbox):
    rendered = {
        code
        for item in rendered_checklist(account_step_html(client, sms_outbox)).items
        for code in item["codes"]
    }
    hostile = ["", "aaaa", "x" * 80, "ahmed1990abcd", "كلمة", "1111111111", "password"]
    raised = set().union(*(codes(password) for password in hostile))
    assert raised - {"password_too_common"} <= rendered
    assert "password_too_common" in raised  # the one only the server can check


@pytest.mark.parametrize("language", ["ar", "en"])
def test_rendered_rules_speak_the_validators_words_in_the_page_language(
    client, sms_outbox, language
):
    client.cookies["django_language"] = language
    items = rendered_checklist(account_step_html(client, sms_outbox)).items
    with translation.override(language):
        expected = [check["label"] for rule in password_rules() for check in rule["checks"]]
        no_upper = codes(BASE.lower()[:12])
        with pytest.raises(ValidationError) as error:
            validate_password(BASE.lower()[:12], User(username=RULES_USERNAME))
    assert [item["text"].split(" (")[0].strip() for item in items] == [
        text.split(" (")[0] for text in expected
    ]
    upper = next(item for item in items if item["codes"] == ["password_no_upper"])
    assert no_upper == {"password_no_upper"}
    # The checklist states the rule briefly; the validator's own message stays the long form.
    with translation.override(language):
        assert upper["text"].strip() == translation.gettext("An uppercase letter (A-Z)")
    assert error.value.messages[0] != upper["text"].strip()


def test_registration_reads_the_username_from_the_form(client, sms_outbox):
    html = account_step_html(client, sms_outbox)
    checklist = rendered_checklist(html)
    assert checklist.lists[0]["data-username-field"] == "account-username"
    assert 'name="account-username"' in html
    overlap = next(i for i in checklist.items if i["kind"] == "username_overlap")
    assert "username" not in overlap["params"]


def test_password_change_and_reset_pages_carry_the_known_username(client, sms_outbox):
    user = make_user("ahmed2024", CITIZEN_ID, MOBILE)
    sign_in_as(client, user)
    change = rendered_checklist(client.get(reverse("accounts:change_password")).content.decode())
    overlap = next(i for i in change.items if i["kind"] == "username_overlap")
    assert overlap["params"] == {"max_shared_run": 4, "username": "ahmed2024"}
    assert "data-username-field" not in change.lists[0]

    client.logout()
    client.post(reverse("accounts:password_reset"), {"national_id": CITIZEN_ID, "mobile": MOBILE})
    code = re.search(r"#([0-9]{6})", sms_outbox[-1]["body"]).group(1)
    client.post(reverse("accounts:password_reset_verify"), {"code": code})
    reset = rendered_checklist(client.get(reverse("accounts:password_reset_new")).content.decode())
    overlap = next(i for i in reset.items if i["kind"] == "username_overlap")
    assert overlap["params"]["username"] == "ahmed2024"


def test_the_checklist_is_the_hint_the_password_input_points_to(client, sms_outbox):
    html = account_step_html(client, sms_outbox)
    hint = re.search(
        r'<div class="hint" id="id_account-password1_helptext">(.*?)</div>', html, re.S
    )
    assert hint and "data-password-rules" in hint.group(1)
    assert re.search(r'<input[^>]*aria-describedby="id_account-password1_helptext"', html)
    assert 'aria-live="polite"' in hint.group(1)


def test_a_rejected_password_is_said_once_and_its_rules_marked_by_the_server(client, sms_outbox):
    """After a server rejection the rules are not listed again as errors: the field says once
    to meet them, and the checklist (the field comes back empty) keeps a mark on every rule,
    from the server's own verdict, before any script runs."""
    client.cookies["django_language"] = "en"
    driver = RegistrationDriver(client, sms_outbox)
    driver.identity_step()
    response = driver.account_step(password1="weakpass", password2="weakpass")
    html = response.content.decode()
    errors = re.search(r'<p class="field-errors" id="id_account-password1_errors">(.*?)</p>', html)
    assert errors and "Choose a password that meets every rule in the list." in errors.group(1)
    for message in ("Your password must contain an uppercase letter.", "too common"):
        assert message not in html
    checklist = rendered_checklist(html)
    assert "data-server-result" in checklist.lists[0]
    states = {
        item["kind"] + ":" + " ".join(item["codes"]): item["state"] for item in checklist.items
    }
    assert states["contains:password_no_upper"] == "unmet"
    assert states["contains:password_no_digit"] == "unmet"
    assert states["contains:password_no_lower"] == "met"
    assert states["length:password_too_short password_too_long"] == "met"
    assert states["server:"] == "met"  # "weakpass" is not on the common list
    unmet = [item["text"] for item in checklist.items if item["state"] == "unmet"]
    assert all(text.startswith("Not yet:") for text in unmet)
    assert PASSWORD not in html


def test_a_common_password_is_marked_on_the_one_rule_only_the_server_checks(client):
    user = make_user("ahmed2024", CITIZEN_ID, MOBILE)
    sign_in_as(client, user)
    response = client.post(
        reverse("accounts:change_password"),
        {"old_password": PASSWORD, "new_password1": "Password1", "new_password2": "Password1"},
    )
    states = {
        item["kind"]: item["state"] for item in rendered_checklist(response.content.decode()).items
    }
    assert response.context["form"].password_failures == ["password_too_common"]
    assert states["server"] == "unmet"
    assert {state for kind, state in states.items() if kind != "server"} == {"met"}


def test_an_unchecked_password_leaves_the_rules_unmarked(client, sms_outbox):
    driver = RegistrationDriver(client, sms_outbox)
    driver.identity_step()
    page = rendered_checklist(driver.account_step(password1="", password2="").content.decode())
    assert "data-server-result" not in page.lists[0]
    assert {item["state"] for item in page.items} == {""}
