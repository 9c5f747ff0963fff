"""Hypothesis strategies for the portal's rules (design.md §4), shared by the property tests.

Valid values are built from the rules as DESIGN states them (not from the code under test):
an ID number is a kind digit, eight digits and a Luhn check digit; a mobile is a Saudi
mobile prefix and seven digits, written in any usual notation; a username starts with an
English letter. ``in_digit_forms`` rewrites ASCII digits as Arabic-Indic or Persian ones.
"""

from __future__ import annotations

import string

import phonenumbers
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

#: One settings object for every property test: reproducible (derandomized, no example
#: database written to the tree) and bounded so each module stays well under 30 s.
PROPERTIES = settings(
    max_examples=150,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"
PERSIAN = "۰۱۲۳۴۵۶۷۸۹"
DIGIT_FORMS = {"ascii": string.digits, "arabic": ARABIC_INDIC, "persian": PERSIAN}

#: What people and their keyboards put around digits: spaces (incl. no-break and thin ones),
#: dashes and the direction marks of right-to-left text. The rules drop all of them.
SEPARATORS = [" ", "  ", "-", "\u00a0", "\u2009", "\t", "\u200e", "\u200f", "\u202a", "\u202c"]

#: Characters that break naive code: NUL and other controls, direction marks and isolates,
#: look-alike digits (fullwidth, superscript, Devanagari), combining marks, BOM, emoji.
TRICKY_CHARACTERS = [
    "\x00",
    "\x01",
    "\x1b",
    "\x7f",
    "\n",
    "\r",
    "\u200b",
    "\u200d",
    "\u200e",
    "\u200f",
    "\u202e",
    "\u2066",
    "\u2069",
    "\u061c",
    "\ufeff",
    "\u0301",
    "０",
    "９",
    "²",
    "५",
    "İ",
    "ß",
    "\u212a",  # KELVIN SIGN: lower-cases to an ASCII "k"
    "😀",
    "+",
    "@",
    "%",
    "\\",
    "'",
    '"',
    *ARABIC_INDIC,
    *PERSIAN,
    *string.digits,
]

#: Any Unicode text (surrogates excluded: they cannot reach a view as UTF-8).
any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=80)
#: Text weighted towards the characters above.
tricky_text = st.text(
    st.one_of(st.sampled_from(TRICKY_CHARACTERS), st.characters(exclude_categories=["Cs"])),
    max_size=40,
)
#: Very long text (up to 200,000 characters): a short piece repeated.
long_text = st.builds(
    lambda piece, times: piece * times,
    st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=8),
    st.integers(min_value=1_000, max_value=25_000),
)
unicode_input = st.one_of(any_text, tricky_text, long_text)


def luhn_check_digit(payload: str) -> str:
    """The digit that makes ``payload + digit`` pass the Luhn mod-10 check."""
    total = 0
    for index, char in enumerate(reversed(payload)):
        number = int(char) * (2 if index % 2 == 0 else 1)
        total += number - 9 if number > 9 else number
    return str((10 - total % 10) % 10)


@st.composite
def in_digit_forms(draw: st.DrawFn, ascii_value: str) -> str:
    """``ascii_value`` with each digit written in a drawn script (ASCII, Arabic-Indic, Persian)."""
    scripts = st.sampled_from(sorted(DIGIT_FORMS))
    return "".join(
        DIGIT_FORMS[draw(scripts)][int(char)] if char.isdigit() else char for char in ascii_value
    )


@st.composite
def with_separators(draw: st.DrawFn, value: str) -> str:
    """``value`` with separators drawn between (and around) some of its characters."""
    pieces = []
    for char in value:
        if draw(st.integers(0, 3)) == 0:
            pieces.append(draw(st.sampled_from(SEPARATORS)))
        pieces.append(char)
    if draw(st.booleans()):
        pieces.append(draw(st.sampled_from(SEPARATORS)))
    return "".join(pieces)


eight_digits = st.text(string.digits, min_size=8, max_size=8)

#: Citizen (1) and resident (2) numbers with a correct Luhn check digit, in ASCII.
checksummed_ids = st.builds(
    lambda kind, body: kind + body + luhn_check_digit(kind + body),
    st.sampled_from("12"),
    eight_digits,
)
#: Border numbers: 3 and nine digits, no checksum.
border_numbers = st.builds(lambda body: "3" + body, st.text(string.digits, min_size=9, max_size=9))
valid_ids = st.one_of(checksummed_ids, border_numbers)

#: Saudi mobile prefixes (STC, Mobily, Zain, Virgin, Lebara); the national number is 9 digits.
MOBILE_PREFIXES = ["50", "53", "54", "55", "56", "57", "58", "59"]


def is_assigned_mobile(national: str) -> bool:
    """Whether phonenumbers, which design.md §4 makes the rule, knows ``national`` as a Saudi
    mobile: a few blocks inside the mobile prefixes are unassigned (05799…, for one)."""
    number = phonenumbers.parse("0" + national, "SA")
    return (
        phonenumbers.is_valid_number_for_region(number, "SA")
        and phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE
    )


national_mobiles = st.builds(
    lambda prefix, rest: prefix + rest,
    st.sampled_from(MOBILE_PREFIXES),
    st.text(string.digits, min_size=7, max_size=7),
).filter(is_assigned_mobile)
MOBILE_NOTATIONS = ["0{}", "{}", "+966{}", "00966{}", "966{}"]

ALNUM = string.ascii_letters + string.digits


@st.composite
def valid_usernames(draw: st.DrawFn) -> str:
    """A username by design.md §4: an English letter, then letters and digits, 8-30 characters,
    with at least one lowercase letter and one digit."""
    first = draw(st.sampled_from(string.ascii_letters))
    required = [draw(st.sampled_from(string.ascii_lowercase)), draw(st.sampled_from(string.digits))]
    rest = list(draw(st.text(ALNUM, min_size=5, max_size=27)))
    return first + "".join(draw(st.permutations(required + rest)))
