"""A blind person's journeys (issue 14 item 11): registration and sign-in by keyboard, heard.

The test does what a screen-reader user does and checks what she would hear:

- focus moves only by Tab and Shift+Tab; links and buttons are pressed with Enter, checkboxes
  with Space, radios chosen with the arrow keys, text typed into the focused field (no click,
  no ``fill``);
- controls are found through the accessibility tree by role and accessible name (the labels
  come from the forms' own fields, so a reworded label cannot break the journey), and on every
  page each control has a non-empty name and is reached by Tab;
- a step sent with mistakes moves focus to the error summary, whose text lists each mistake,
  and each of its links moves focus to a field marked invalid whose description carries the
  message;
- the captcha is heard: its "Listen" button is reached by keyboard and pressed, the recording
  it plays is ``audio/*`` of a real length for that very calculation, and the answer field
  takes focus when it ends. The test cannot hear, so it reads the answer from the server's
  ``CaptchaStore``, as the other tests of the captcha do, and types it.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils import translation
from playwright.sync_api import Locator, Page, expect

from accounts.forms import CodeForm, captcha_field
from accounts.registration.forms import AccountForm, IdentityForm
from accounts.signin.forms import SignInForm
from tests.e2e.journeys import Shoot, expect_account_created, expect_step, register, t
from tests.e2e.live_server import Server
from tests.e2e.people import Person

BAD_CHECKSUM = "1234567890"  # ten digits, but the Luhn check digit is wrong
WRONG_PASSWORD = "Wrong7Password"
CAPTCHA_AFTER_FAILURES = 3  # design.md §7: the captcha after 3 wrong passwords
MAX_PRESSES = 80
MIN_RECORDING_BYTES = 10_000
SOMETHING = re.compile(r"\S")
RECORDING = re.compile(r"/captcha/audio/[0-9a-f]{40}\.wav$")

# Every control, and anything else put in the tab order. A control must be reached by Tab
# even with tabindex="-1"; a container with tabindex="-1" (the error summary, <main>) is
# focused by a script or a link only, and is not listed.
FOCUSABLE = (
    "a[href], button, input:not([type=hidden]), select, textarea, summary, "
    "[tabindex]:not([tabindex='-1'])"
)
REACHABLE_JS = """(selector) => {
  // checkVisibility: not hidden, and not inside a closed <details> (content-visibility)
  const visible = (el) => !el.disabled
    && el.checkVisibility({visibilityProperty: true, contentVisibilityAuto: true});
  const reached = window.__reached;
  const describe = (el) => el.outerHTML.slice(0, 120);
  const missing = [];
  for (const el of document.body.querySelectorAll(selector)) {
    if (!visible(el)) continue;
    if (el.type === "radio") {  // Tab enters a group once; the arrows move inside it
      const group = el.form ? el.form.elements.namedItem(el.name) : [el];
      if (![...group].some((radio) => reached.includes(radio))) missing.push(describe(el));
    } else if (!reached.includes(el)) {
      missing.push(describe(el));
    }
  }
  return missing;
}"""


# --- What the person hears --------------------------------------------------------------------
def label(form_class: type[forms.Form], name: str, lang: str) -> str:
    """The label of ``form_class``'s field ``name`` in ``lang``: the name a reader must say."""
    with translation.override(lang):
        return str(form_class.base_fields[name].label)


def choice(form_class: type[forms.Form], name: str, value: str, lang: str) -> str:
    """The label of the choice ``value`` of ``form_class``'s field ``name``, in ``lang``."""
    with translation.override(lang):
        return str(dict(form_class.base_fields[name].choices)[value])


def captcha_label(lang: str) -> str:
    with translation.override(lang):
        return str(captcha_field().label)


def textbox(page: Page, name: str) -> Locator:
    return page.get_by_role("main").get_by_role("textbox", name=name, exact=True)


def has_focus(target: Locator) -> bool:
    """Whether one of the elements ``target`` matches has the focus right now (no waiting)."""
    return target.evaluate_all("(els) => els.includes(document.activeElement)")


def focused(page: Page) -> Locator:
    return page.locator(":focus")


def heard(page: Page) -> str:
    """What a screen reader reads of the focused element: its role, name, state and content."""
    return focused(page).aria_snapshot()


def expect_every_control_named_and_reachable(page: Page) -> None:
    """Every control of the page has an accessible name, and Tab reaches every one of them.

    Tab is pressed until focus comes back to a control it already visited (the whole cycle of
    the page, through the browser's own stop after the last control); focus is left there.
    """
    controls = page.locator(FOCUSABLE)
    for index in range(controls.count()):
        control = controls.nth(index)
        if control.is_visible():
            expect(control).to_have_accessible_name(SOMETHING)
    page.evaluate(
        """() => {
          if (!window.__reached) {
            document.addEventListener("focusin", (e) => window.__reached.push(e.target));
          }
          window.__reached = [];
        }"""
    )
    for _ in range(MAX_PRESSES):
        page.keyboard.press("Tab")
        if page.evaluate("() => new Set(window.__reached).size < window.__reached.length"):
            break
    else:
        raise AssertionError("Tab never came round to the first control again")
    assert page.evaluate(REACHABLE_JS, FOCUSABLE) == [], "controls Tab never reaches"


# --- What the person does ---------------------------------------------------------------------
def move_focus_to(page: Page, target: Locator) -> None:
    """Tab (Shift+Tab if ``target`` is above the focus) until ``target`` has the focus."""
    expect(target.first).to_be_visible()
    key = target.first.evaluate(
        """(el) => {
          const now = document.activeElement;
          if (!now || now === document.body) return "Tab";
          return now.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING
            ? "Tab" : "Shift+Tab";
        }"""
    )
    for _ in range(MAX_PRESSES):
        if has_focus(target):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{key} never reached {target}; focus is on {heard(page)}")


def press(page: Page, target: Locator, key: str = "Enter") -> None:
    """Reach ``target`` by keyboard and press ``key`` on it."""
    move_focus_to(page, target)
    page.keyboard.press(key)


def submit(page: Page, target: Locator) -> None:
    """Reach the button (or link) ``target`` by keyboard, press Enter, wait for the new page."""
    move_focus_to(page, target)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def type_into(page: Page, target: Locator, text: str) -> None:
    """Reach ``target`` by keyboard, select what it holds, and type ``text`` over it."""
    move_focus_to(page, target)
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type(text)
    expect(target).to_have_value(text)


def choose_radio(page: Page, group: Locator, option: Locator) -> None:
    """Tab into the radio group, then the arrow keys until ``option`` is checked."""
    move_focus_to(page, group.get_by_role("radio"))
    for _ in range(len(group.get_by_role("radio").all())):
        if option.is_checked():
            break
        page.keyboard.press("ArrowDown")
    expect(option).to_be_checked()
    expect(option).to_be_focused()


def mistyped(code: str) -> str:
    """``code`` with every digit one higher: wrong, and still six digits."""
    return "".join(str((int(digit) + 1) % 10) for digit in code)


def captcha_answer(server: Server, key: str) -> str:
    """The answer to the calculation ``key``, read from the server's ``CaptchaStore``."""
    script = (
        "import sys\nfrom captcha.models import CaptchaStore\n"
        "print(CaptchaStore.objects.get(hashkey=sys.stdin.read().strip()).response)"
    )
    printed = server.manage("shell", "-c", script, input=key).stdout.split()
    assert printed and printed[-1].isdigit(), printed  # the answer is the last thing printed
    return printed[-1]


def listen_and_answer(page: Page, server: Server, lang: str) -> None:
    """Reach "Listen to the calculation" by keyboard, play it to the end, type the answer.

    The recording must be the one for the calculation on the page, ``audio/*`` of a real
    length; when it ends the answer field has the focus (its label is read next).
    """
    main = page.get_by_role("main")
    listen = main.get_by_role("button", name=t(lang, "Listen to the calculation"), exact=True)
    answer = textbox(page, captcha_label(lang))
    key = main.locator('input[type=hidden][name$="captcha_0"]').input_value()
    link = main.locator("a.captcha-audio")  # the control the button plays (a link without JS)
    assert link.get_attribute("href") == f"/captcha/audio/{key}.wav"
    move_focus_to(page, listen)
    with page.expect_response(RECORDING) as played:
        page.keyboard.press("Enter")
    assert played.value.url == server.url_for(link.get_attribute("href") or "")
    recording = page.request.get(played.value.url)
    assert recording.status == 200, recording.status
    assert recording.headers["content-type"].startswith("audio/"), recording.headers
    assert len(recording.body()) > MIN_RECORDING_BYTES, len(recording.body())
    expect(answer).to_be_focused(timeout=20_000)  # heard to the end
    page.keyboard.type(captcha_answer(server, key))


# --- Errors -----------------------------------------------------------------------------------
def expect_summary_focused(page: Page) -> Locator:
    """After a refused submit the focus is on the error summary, which lists the mistakes.

    Returns the summary: a heading and a list, read out when it takes the focus;
    :func:`follow_each_error` checks what each of its links says and does.
    """
    where = page.evaluate("() => [document.activeElement.id, document.activeElement.tagName]")
    assert where[0], f"after the refused submit focus is on <{where[1]}>, not on an error summary"
    summary = page.locator(f"#{where[0]}")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_accessible_name(SOMETHING)
    expect(summary.get_by_role("listitem").first).to_have_text(SOMETHING)
    # Focused, it is read whole: no name of its own standing in for the errors (a summary
    # named by its heading is read as the heading alone by JAWS, govuk-frontend#2657), and
    # its live region is inside it, not the focused element (the same issue's race).
    expect(summary).to_have_accessible_name("")
    expect(summary).not_to_have_role("alert")
    alert = summary.get_by_role("alert")
    expect(alert).to_contain_text(summary.get_by_role("listitem").first.inner_text())
    return summary


def summary_message(link_name: str) -> str:
    """The message of a summary link: its text after the field's label, if it repeats it."""
    return link_name.rsplit(": ", 1)[-1].strip()


def follow_each_error(page: Page, summary: Locator, fix: dict[str, Any]) -> None:
    """Each summary link, pressed with Enter, puts focus on its invalid field, which is fixed.

    ``fix`` maps a field's ``name`` to the text to type into it or to a function doing the
    fix from the focused field; the person goes back up to the summary for the next link.
    """
    links = summary.get_by_role("link")
    count = links.count()
    invalid = page.locator("main [aria-invalid=true]:not([type=hidden])")
    names = {invalid.nth(i).get_attribute("name") for i in range(invalid.count())}
    assert count == len(names) > 0, (count, names, heard(page))
    # The accessibility tree reads a no-break space (between a number and its unit) as a space.
    spoken = summary.aria_snapshot().replace("\xa0", " ")
    for index in range(count):
        link = links.nth(index)
        message = summary_message(link.inner_text()).replace("\xa0", " ")
        assert message and message in spoken
        press(page, link)
        target = focused(page)
        name = target.get_attribute("name") or ""
        assert name in names, f"the link {message!r} moved focus to {heard(page)}"
        expect(target).to_have_attribute("aria-invalid", "true")
        described = (
            target
            if target.get_attribute("type") != "radio"
            else page.get_by_role("group").filter(has=target)
        )
        # The description keeps a no-break space where the summary's text was read with a space.
        words = re.escape(message).replace("\\ ", "[ \u00a0]")
        expect(described).to_have_accessible_description(re.compile(words))
        action = fix[name]
        if callable(action):
            action()
        else:
            page.keyboard.press("ControlOrMeta+A")
            page.keyboard.type(action)
            expect(target).to_have_value(action)


# --- The journeys -----------------------------------------------------------------------------
def test_a_blind_person_registers_by_keyboard(
    page: Page, server: Server, person: Person, lang: str, shoot: Shoot
) -> None:
    page.goto("/")
    expect_every_control_named_and_reachable(page)
    submit(page, page.get_by_role("link", name=t(lang, "Start now"), exact=True))

    # Identity: a mistyped ID number, and the mobile and email forgotten.
    expect_step(page, lang, "identity")
    expect_every_control_named_and_reachable(page)
    national_id = textbox(page, label(IdentityForm, "national_id", lang))
    type_into(page, national_id, BAD_CHECKSUM)
    next_button = page.get_by_role("button", name=t(lang, "Next"), exact=True)
    submit(page, next_button)
    expect_step(page, lang, "identity")
    summary = expect_summary_focused(page)
    follow_each_error(
        page,
        summary,
        {
            "identity-national_id": person.national_id,
            "identity-mobile": person.mobile,
            "identity-email": person.email,
        },
    )
    expect(textbox(page, label(IdentityForm, "mobile", lang))).to_have_value(person.mobile)
    submit(page, next_button)

    # Account: sent empty first, then every field reached from the summary.
    expect_step(page, lang, "account")
    expect_every_control_named_and_reachable(page)
    send = page.get_by_role("button", name=t(lang, "Send the code"), exact=True)
    submit(page, send)
    expect_step(page, lang, "account")
    summary = expect_summary_focused(page)
    shoot(page, "register-account-errors-summary-focused")
    expect_every_control_named_and_reachable(page)
    follow_each_error(
        page,
        summary,
        {
            "account-username": person.username,
            "account-password1": person.password,
            "account-password2": person.password,
            "account-captcha_1": lambda: listen_and_answer(page, server, lang),
            "account-accept_terms": lambda: page.keyboard.press("Space"),
        },
    )
    terms = page.get_by_role("checkbox", name=label(AccountForm, "accept_terms", lang))
    expect(terms).to_be_checked()
    # Messages in the other language: the arrow keys move the choice away from the page's.
    other = "en" if lang == "ar" else "ar"
    languages = page.get_by_role("group", name=label(AccountForm, "preferred_language", lang))
    option = choice(AccountForm, "preferred_language", other, lang)
    choose_radio(page, languages, languages.get_by_role("radio", name=option, exact=True))
    submit(page, send)

    # The code sent by SMS.
    expect_step(page, lang, "verify")
    expect_every_control_named_and_reachable(page)
    code = textbox(page, label(CodeForm, "code", lang))
    sent = server.latest_code(mobile=person.mobile, purpose="registration")
    type_into(page, code, mistyped(sent))
    verify = page.get_by_role("button", name=t(lang, "Verify and create my account"))
    submit(page, verify)
    expect_step(page, lang, "verify")
    follow_each_error(page, expect_summary_focused(page), {"verify-code": sent})
    submit(page, verify)

    expect_account_created(page, lang, person)
    expect_every_control_named_and_reachable(page)


def test_a_blind_person_signs_in_by_keyboard_past_the_captcha(
    page: Page, server: Server, person: Person, lang: str, shoot: Shoot
) -> None:
    register(page, server, person, lang)  # set-up: the journey above covers registering
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": lang, "url": server.url}])

    page.goto("/")
    main = page.get_by_role("main")
    submit(page, main.get_by_role("link", name=t(lang, "Sign in"), exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text(t(lang, "Sign in"))
    expect_every_control_named_and_reachable(page)
    identifier = textbox(page, label(SignInForm, "identifier", lang))
    password = textbox(page, label(SignInForm, "password", lang))
    sign_in = main.get_by_role("button", name=t(lang, "Sign in"), exact=True)

    # Three wrong passwords for this account: the page then asks for the captcha.
    for _ in range(CAPTCHA_AFTER_FAILURES):
        type_into(page, identifier, person.username)
        type_into(page, password, WRONG_PASSWORD)
        with page.expect_navigation():
            page.keyboard.press("Enter")  # sends the form from its password field
        expect_summary_focused(page)
        expect(password).to_have_value("")
    expect(textbox(page, captcha_label(lang))).to_be_visible()
    shoot(page, "sign-in-captcha-summary-focused")
    expect_every_control_named_and_reachable(page)

    # The right password, sent without noticing the captcha: the summary leads to it.
    type_into(page, password, person.password)
    submit(page, sign_in)
    summary = expect_summary_focused(page)
    follow_each_error(page, summary, {"captcha_1": lambda: listen_and_answer(page, server, lang)})
    # A refused form never gives the password back: it is typed again.
    before = server.sms_count()
    type_into(page, password, person.password)
    submit(page, sign_in)

    expect(page).to_have_url(re.compile(r"/login/verify/$"))
    expect_every_control_named_and_reachable(page)
    code = textbox(page, label(CodeForm, "code", lang))
    sent = server.latest_code(purpose="login", after=before)
    type_into(page, code, mistyped(sent))
    verify = page.get_by_role("button", name=t(lang, "Verify and sign in"), exact=True)
    submit(page, verify)
    follow_each_error(page, expect_summary_focused(page), {"code": sent})
    submit(page, verify)
    expect(page).to_have_url(re.compile(r"/status/$"))
    expect_every_control_named_and_reachable(page)
