"""Type and layout as a person sees them, in both languages, at 375 and 1280 px.

The portal's own face draws the pages (not the device's fallback), the computed sizes meet the
minima of design.md "Type" (Arabic body 18 px and more, secondary text 15 px and more),
headings have their own leading, checkboxes and radios sit level with the first line of their
label on its start side, the step indicator keeps each step on one line, and a signed-in
person's header stays one row with "Sign out" unlike the language switch.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.journeys import button, fill_identity, sign_in, t
from tests.e2e.screenshots import set_viewport

FAMILY = "IBM Plex Sans Arabic"
#: (body, secondary) minima in px per language and viewport.
MINIMA = {
    ("ar", "phone"): (18, 15),
    ("ar", "desktop"): (18, 15),
    ("en", "phone"): (16, 15),
    ("en", "desktop"): (19, 15),
}
ACTIVE_PERSON = """
import sys
from accounts.models import User
username, national_id, mobile, email, password = sys.stdin.read().split()
User.objects.create_user(username, national_id, mobile, email, password, status="active")
"""


def font_size(page: Any, selector: str) -> float:
    return page.eval_on_selector(selector, "e => parseFloat(getComputedStyle(e).fontSize)")


def open_account_step(page: Any, lang: str, person: Any) -> None:
    page.goto("/register/")
    fill_identity(page, person)
    button(page, lang, "Next").click()
    expect(page.locator('[name="account-username"]')).to_be_visible()
    page.evaluate("document.fonts.ready")


def platform_fonts(page: Any, selector: str) -> set[str]:
    """The fonts Chromium really drew ``selector``'s text with (DevTools' "Rendered Fonts")."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return {font["familyName"] for font in fonts}


def test_the_portal_face_draws_the_page_in_both_scripts(page, lang, person):
    page.goto("/")
    page.evaluate("document.fonts.ready")
    sample = t(lang, "Register")
    checked = page.evaluate(
        '([family, text]) => document.fonts.check(`16px "${family}"`, text)', [FAMILY, sample]
    )
    assert checked, f"{FAMILY} is not loaded for {sample!r}"
    loaded = page.evaluate(
        "family => [...document.fonts].filter(f => f.family.replaceAll('\"', '') === family"
        " && f.status === 'loaded').map(f => f.weight)",
        FAMILY,
    )
    assert "400" in loaded and "700" in loaded  # the body and the headings
    # The h1 in the page's script, the switch's label in the other one: both in the face.
    assert platform_fonts(page, "h1") == {FAMILY}
    assert platform_fonts(page, ".language-switch button") == {FAMILY}
    assert "·" not in page.locator("main").inner_text()  # links separated by gaps, not dots


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_sizes_and_leading_meet_the_minima(page, lang, person, width):
    set_viewport(page, width)
    body, secondary = MINIMA[(lang, width)]
    page.goto("/register/")
    assert font_size(page, "main .lead") >= body  # the account step has no lead paragraph
    open_account_step(page, lang, person)
    assert font_size(page, "body") >= body
    assert font_size(page, "main input[type=text]") >= body
    for selector in (".hint", ".rule-note", ".steps li", ".site-footer"):
        assert font_size(page, selector) >= secondary, selector
    button(page, lang, "Send the code").click()  # empty: the error summary has an h2
    expect(page.locator(".error-summary h2")).to_be_visible()
    for heading in ("h1", "h2"):
        leading = page.eval_on_selector(
            heading,
            "e => { const s = getComputedStyle(e);"
            " return parseFloat(s.lineHeight) / parseFloat(s.fontSize); }",
        )
        assert 1.2 <= leading <= 1.4, f"{heading} line height {leading:.2f}"


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_boxes_sit_level_with_their_labels_first_line_on_the_start_side(page, lang, person, width):
    set_viewport(page, width)
    open_account_step(page, lang, person)
    for control in ('[name="account-accept_terms"]', '[name="account-preferred_language"]'):
        geometry = page.eval_on_selector(
            control,
            """box => {
              const text = box.closest("label").querySelector("span");
              const range = document.createRange();
              range.setStart(text.firstChild, 0);
              range.setEnd(text.firstChild, 1);
              const line = range.getClientRects()[0], b = box.getBoundingClientRect(),
                    t = text.getBoundingClientRect();
              return {box: [b.left, b.right, (b.top + b.bottom) / 2],
                      line: (line.top + line.bottom) / 2, text: [t.left, t.right],
                      rtl: getComputedStyle(box).direction === "rtl"};
            }""",
        )
        left, right, middle = geometry["box"]
        assert abs(middle - geometry["line"]) <= 3, (control, geometry)
        if geometry["rtl"]:
            assert left >= geometry["text"][1], (control, geometry)  # the box right of the text
        else:
            assert right <= geometry["text"][0], (control, geometry)


def test_the_step_indicator_keeps_each_step_on_one_line_at_375_px(page, lang, person):
    set_viewport(page, "phone")
    open_account_step(page, lang, person)
    lines = page.eval_on_selector_all(
        ".steps li",
        """items => items.map(li => {
          const s = getComputedStyle(li);
          const content = li.getBoundingClientRect().height - parseFloat(s.paddingTop)
            - parseFloat(s.borderTopWidth);
          return Math.round(content / parseFloat(s.lineHeight));
        })""",
    )
    assert lines == [1, 1, 1]
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_signed_in_header_is_one_row_and_sign_out_is_not_a_language_button(
    page, server, lang, person
):
    fields = (person.username, person.national_id, person.mobile, person.email, person.password)
    server.manage("shell", "-c", ACTIVE_PERSON, input=" ".join(fields))
    sign_in(page, server, person.username, person.password, lang)
    page.goto("/account/")
    set_viewport(page, "phone")
    row = page.eval_on_selector(
        ".header-row",
        "row => [...row.children].map(c => c.getBoundingClientRect())"
        ".map(r => [Math.round(r.top), Math.round(r.bottom)])",
    )
    tops = {top for top, _ in row}
    assert max(tops) - min(tops) <= 8, f"the header wraps: {row}"
    sign_out = page.get_by_role("button", name=t(lang, "Sign out"), exact=True)
    switch = page.locator(".language-switch button")
    look = (
        "e => { const s = getComputedStyle(e);"
        " return [s.borderTopStyle, s.backgroundColor, s.color]; }"
    )
    assert sign_out.evaluate(look) != switch.evaluate(look)
    gaps = page.eval_on_selector_all(
        "main .card",
        "cards => cards.slice(1).map((c, i) => c.getBoundingClientRect().top"
        " - cards[i].getBoundingClientRect().bottom)",
    )
    assert gaps and min(gaps) >= 16, f"cards touch: {gaps}"
