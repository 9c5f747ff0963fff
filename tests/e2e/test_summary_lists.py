"""Label-value lists as a person sees them, in both languages, at 375 and 1280 px.

On the "account created", status and account pages, each value (username, masked ID and
mobile, email, dates) must sit inside its card and start where its label's column puts it:
beside the label on a wide screen, under it on a phone, on the start side in both directions.
Before issue 14 item 4, Arabic values sat at the far left of the card, up to 700 px from their
labels at 1280 px, and stuck out of the card at 375 px.
"""

from __future__ import annotations

from typing import Any

from tests.e2e.journeys import register, sign_in
from tests.e2e.people import new_person
from tests.e2e.screenshots import set_viewport

#: How far (px) a value's start may be from its label's column: the gap between the columns.
NEAR = 40
ACTIVE_PERSON = """
import sys
from accounts.models import User
username, national_id, mobile, email, password = sys.stdin.read().split()
User.objects.create_user(username, national_id, mobile, email, password, status="active")
"""

#: For each label-value pair of the page's lists: the card's, the label's and the value's
#: boxes (the value's as drawn: the box of its text, not of its column), and the direction.
MEASURE = """
() => [...document.querySelectorAll("main dl dt")].map(dt => {
  const dd = dt.nextElementSibling;
  const range = document.createRange();
  range.selectNodeContents(dd);
  const box = r => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom});
  return {
    label: dt.textContent.trim(),
    value: dd.textContent.trim(),
    rtl: getComputedStyle(dt).direction === "rtl",
    card: box(dt.closest(".card").getBoundingClientRect()),
    dt: box(dt.getBoundingClientRect()),
    text: box(range.getBoundingClientRect()),
  };
})
"""


def misplaced_values(page: Any) -> list[str]:
    """Every value outside its card, or whose start is far from its label's column."""
    found = []
    pairs = page.evaluate(MEASURE)
    assert pairs, "no label-value list on the page"
    for pair in pairs:
        card, dt, text, name = pair["card"], pair["dt"], pair["text"], pair["label"]
        if text["left"] < card["left"] - 0.5 or text["right"] > card["right"] + 0.5:
            found.append(f"{name}: {pair['value']!r} outside its card {card} at {text}")
        stacked = text["top"] >= dt["bottom"] - 1
        if pair["rtl"]:
            start = text["right"]
            distance = abs(start - dt["right"]) if stacked else dt["left"] - start
        else:
            start = text["left"]
            distance = abs(start - dt["left"]) if stacked else start - dt["right"]
        if not 0 <= distance <= NEAR:
            found.append(f"{name}: {pair['value']!r} starts {distance:.0f} px from its label")
    return found


def check_both_widths(page: Any) -> list[str]:
    found = []
    for width in ("phone", "desktop"):
        set_viewport(page, width)
        page.evaluate("document.fonts.ready")
        found += [f"{width}: {problem}" for problem in misplaced_values(page)]
    return found


def test_values_sit_inside_their_card_beside_or_under_their_label(new_page, server, lang, person):
    page = new_page()
    register(page, server, person, lang)
    problems = check_both_widths(page)  # the "account created" page

    # The pending person signs in: their status page.
    sign_in(page, server, person.username, person.password, lang)
    page.wait_for_url("**/status/")
    problems += check_both_widths(page)

    other = new_page()
    active = new_person()
    fields = (active.username, active.national_id, active.mobile, active.email, active.password)
    server.manage("shell", "-c", ACTIVE_PERSON, input=" ".join(fields))
    sign_in(other, server, active.username, active.password, lang)
    other.goto("/account/")
    problems += check_both_widths(other)
    assert problems == [], "\n".join(problems)
