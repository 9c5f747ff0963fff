"""The message catalogues in ``locale/``: complete Arabic, safe placeholders, compiled ``.mo``.

Read with polib, so a broken catalogue fails here with the msgid at fault rather than as a
``KeyError`` or an English string somewhere in the portal. No database is needed.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from accounts.validators import NationalIdValidator

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
LANGUAGES = ("ar", "en")
ARABIC_NPLURALS = 6

#: A printf-style conversion as Python's ``%`` operator reads it (``%%`` is filtered out).
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa%]")
HTML_TAG = re.compile(r"<[^>]+>")
ARABIC_LETTER = re.compile(r"[\u0600-\u06FF]")


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def load_po(language: str) -> polib.POFile:
    return polib.pofile(str(po_path(language)))


def active_entries(po: polib.POFile) -> list[polib.POEntry]:
    return [entry for entry in po if not entry.obsolete]


def key(entry: polib.POEntry | polib.MOEntry) -> tuple[str | None, str]:
    return entry.msgctxt, entry.msgid


def translations(entry: polib.POEntry | polib.MOEntry) -> list[str]:
    """The msgstr, or every plural form in form order."""
    if entry.msgid_plural:
        return [entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def placeholders(text: str) -> set[str]:
    return {match for match in PLACEHOLDER.findall(text) if match != "%%"}


def describe(entry: polib.POEntry) -> str:
    where = " ".join(f"{path}:{line}" if line else path for path, line in entry.occurrences)
    return f"{entry.msgid!r} ({where})"


def compiled_map(entries) -> dict[tuple[str | None, str], tuple[str, ...]]:
    return {key(entry): tuple(translations(entry)) for entry in entries if entry.msgid}


@pytest.fixture(scope="module")
def arabic() -> polib.POFile:
    return load_po("ar")


# --- Headers ----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_header_names_its_language_is_utf8_and_not_fuzzy(language):
    po = load_po(language)
    assert not po.metadata_is_fuzzy
    assert po.metadata["Language"] == language
    assert po.metadata["Content-Type"] == "text/plain; charset=UTF-8"


def test_arabic_header_declares_six_plural_forms(arabic):
    plural_forms = arabic.metadata["Plural-Forms"]
    assert f"nplurals={ARABIC_NPLURALS};" in plural_forms.replace(" ", "")


# --- Completeness -----------------------------------------------------------------------------


def test_every_arabic_entry_is_translated_with_every_plural_form(arabic):
    untranslated = []
    for entry in active_entries(arabic):
        forms = translations(entry)
        expected_forms = ARABIC_NPLURALS if entry.msgid_plural else 1
        if len(forms) != expected_forms or not all(form.strip() for form in forms):
            untranslated.append(describe(entry))
    assert not untranslated, "untranslated Arabic entries:\n" + "\n".join(untranslated)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_catalogue_entry_is_fuzzy(language):
    fuzzy = [describe(entry) for entry in active_entries(load_po(language)) if entry.fuzzy]
    assert not fuzzy, f"fuzzy {language} entries:\n" + "\n".join(fuzzy)


def test_arabic_catalogue_holds_the_same_msgids_as_the_english_one(arabic):
    """Both come from one ``makemessages`` run: a msgid missing in Arabic is never translated."""
    english = {key(entry) for entry in active_entries(load_po("en"))}
    assert {key(entry) for entry in active_entries(arabic)} == english


def test_no_arabic_entry_is_obsolete_while_its_msgid_is_still_extracted(arabic):
    """An ``#~`` entry whose msgid is still in the code would leave that string in English."""
    extracted = {key(entry) for entry in active_entries(load_po("en"))}
    still_used = [describe(entry) for entry in arabic if entry.obsolete and key(entry) in extracted]
    assert not still_used, "obsolete Arabic entries still in use:\n" + "\n".join(still_used)


# --- Placeholders and markup ------------------------------------------------------------------


def test_every_arabic_translation_keeps_the_python_format_placeholders(arabic):
    mismatches = []
    for entry in active_entries(arabic):
        expected = placeholders(entry.msgid) | placeholders(entry.msgid_plural or "")
        if "python-format" not in entry.flags and not expected:
            continue
        for index, form in enumerate(translations(entry)):
            if placeholders(form) != expected:
                mismatches.append(
                    f"{describe(entry)} form {index}: "
                    f"{sorted(placeholders(form))} != {sorted(expected)}"
                )
    assert not mismatches, "placeholder mismatches:\n" + "\n".join(mismatches)


def test_every_arabic_translation_keeps_the_html_tags_of_its_msgid(arabic):
    missing = []
    for entry in active_entries(arabic):
        tags = Counter(HTML_TAG.findall(entry.msgid))
        if not tags:
            continue
        for index, form in enumerate(translations(entry)):
            if lost := tags - Counter(HTML_TAG.findall(form)):
                missing.append(f"{describe(entry)} form {index}: missing {sorted(lost)}")
    assert not missing, "HTML tags lost in translation:\n" + "\n".join(missing)


#: A left-to-right isolate (U+2066 ... U+2069), and a range of digits ("0-9", "2026-01-31").
ISOLATE = re.compile("\u2066[^\u2069]*\u2069")
DIGIT_RANGE = re.compile(r"\d+\s*[-–]\s*\d+")


def test_every_arabic_digit_range_reads_from_its_first_number(arabic):
    """In an Arabic sentence digits take the direction around them, so «رقم (0-9)» shows as
    «(9-0)»; wrapped in a left-to-right isolate it shows as written."""
    bare = [
        f"{describe(entry)}: {form!r}"
        for entry in active_entries(arabic)
        for form in translations(entry)
        if DIGIT_RANGE.search(ISOLATE.sub("", form))
    ]
    assert not bare, "digit ranges without an isolate:\n" + "\n".join(bare)


#: A number placeholder followed by an ordinary space and an Arabic word (its unit).
NUMBER_THEN_WORD = re.compile(
    r"%\((minutes|seconds|days|hours|count|counter)\)[sd] [\u0600-\u06ff]"
)


def test_every_arabic_number_stays_on_the_line_of_its_unit(arabic):
    """«5» at a line's end and «دقائق» on the next reads as two things: the number and its
    unit are joined by a no-break space."""
    split = [
        f"{describe(entry)}: {form!r}"
        for entry in active_entries(arabic)
        for form in translations(entry)
        if NUMBER_THEN_WORD.search(form)
    ]
    assert not split, "numbers that may leave their unit:\n" + "\n".join(split)


def test_placeholder_check_catches_a_dropped_or_renamed_placeholder():
    """Guard the regex the two tests above rely on."""
    assert placeholders("Step %(current)s of %(total)s, %d%% done") == {
        "%(current)s",
        "%(total)s",
        "%d",
    }
    assert placeholders("الخطوة %(current)s من %(totl)s") != placeholders(
        "Step %(current)s of %(total)s"
    )


# --- Compiled catalogues ----------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_committed_mo_file_matches_its_po_file(language):
    """``msgfmt`` keeps translated, non-fuzzy entries: anything else means a missed compile."""
    po = load_po(language)
    mo_path = po_path(language).with_suffix(".mo")
    assert mo_path.is_file(), f"{mo_path} is missing: run compilemessages"
    mo = polib.mofile(str(mo_path))
    expected = compiled_map(
        entry for entry in active_entries(po) if entry.translated() and not entry.fuzzy
    )
    compiled = compiled_map(mo)
    stale = sorted(
        repr(msgid)
        for msgctxt, msgid in expected.keys() | compiled.keys()
        if expected.get((msgctxt, msgid)) != compiled.get((msgctxt, msgid))
    )
    assert not stale, f"{mo_path} is stale, run compilemessages; differing:\n" + "\n".join(stale)
    assert mo.metadata.get("Plural-Forms") == po.metadata.get("Plural-Forms")


# --- What Django serves -----------------------------------------------------------------------


# Msgids are passed through variables so that ``makemessages`` does not extract this file.
USERNAME, MOBILE_NUMBER = "Username", "Mobile number"


def test_arabic_is_served_for_a_form_label():
    with translation.override("ar"):
        assert translation.gettext(USERNAME) == "اسم المستخدم"
        assert translation.gettext(MOBILE_NUMBER) == "رقم الجوال"


def test_english_falls_back_to_the_msgid():
    with translation.override("en"):
        assert translation.gettext(USERNAME) == "Username"


def test_id_checksum_error_is_raised_in_arabic(arabic):
    with translation.override("en"):
        msgid = str(NationalIdValidator.messages["id_checksum"])
    expected = arabic.find(msgid).msgstr
    with translation.override("ar"):
        message = str(NationalIdValidator.messages["id_checksum"])
        with pytest.raises(ValidationError) as exc:
            NationalIdValidator()("1000000009")  # 1000000008 is the valid checksum
        raised = exc.value.messages
    assert exc.value.code == "id_checksum"
    assert message == expected
    assert ARABIC_LETTER.search(message)
    assert raised == [message]


@pytest.mark.parametrize(
    ("count", "form"),
    [(0, 0), (1, 1), (2, 2), (3, 3), (10, 3), (11, 4), (99, 4), (100, 5), (102, 5), (103, 3)],
)
def test_arabic_plural_form_follows_the_count(arabic, count, form):
    singular = "The code is not correct. You have %(remaining)d more try."
    plural = "The code is not correct. You have %(remaining)d more tries."
    with translation.override("ar"):
        text = translation.ngettext(singular, plural, count) % {"remaining": count}
    assert text == arabic.find(singular).msgstr_plural[form] % {"remaining": count}
