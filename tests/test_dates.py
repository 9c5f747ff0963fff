"""``absher_portal.dates``: GOV.UK dates in English, Hijri with Gregorian in Arabic (decision 151).

The Hijri dates below are the Umm al-Qura calendar's, checked against known days: 1 Shawwal
1446 (Eid al-Fitr) was 30 March 2025 and 1 Muharram 1446 was 7 July 2024.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.formats import date_format

from absher_portal.dates import format_date, format_datetime, format_time, machine_value

RIYADH = ZoneInfo("Asia/Riyadh")


@pytest.mark.parametrize(
    ("day", "english", "arabic"),
    [
        (date(2027, 1, 3), "3 January 2027", "25 رجب 1448 هـ (3 يناير 2027)"),
        (date(2025, 3, 30), "30 March 2025", "1 شوال 1446 هـ (30 مارس 2025)"),
        (date(2024, 7, 7), "7 July 2024", "1 محرم 1446 هـ (7 يوليو 2024)"),
        # The last day of a 29-day Hijri month, then the first of the next.
        (date(2026, 12, 9), "9 December 2026", "29 جمادى الآخرة 1448 هـ (9 ديسمبر 2026)"),
        (date(2026, 12, 10), "10 December 2026", "1 رجب 1448 هـ (10 ديسمبر 2026)"),
        # The Hijri year changes: 29 Dhu al-Hijjah 1447, then 1 Muharram 1448.
        (date(2026, 6, 15), "15 June 2026", "29 ذو الحجة 1447 هـ (15 يونيو 2026)"),
        (date(2026, 6, 16), "16 June 2026", "1 محرم 1448 هـ (16 يونيو 2026)"),
        # The Gregorian year changes inside a Hijri month.
        (date(2026, 12, 31), "31 December 2026", "22 رجب 1448 هـ (31 ديسمبر 2026)"),
        (date(2027, 1, 1), "1 January 2027", "23 رجب 1448 هـ (1 يناير 2027)"),
    ],
)
def test_a_date_in_each_language(day, english, arabic):
    assert format_date(day, language="en") == english
    assert format_date(day, language="ar") == arabic


@pytest.mark.parametrize("day", [date(2077, 11, 17), date(1924, 7, 31), date(1, 1, 1)])
def test_outside_the_umm_al_qura_tables_arabic_falls_back_to_the_gregorian_date(day):
    shown = format_date(day, language="ar")
    assert "هـ" not in shown
    assert shown.endswith(str(day.year))


def test_the_last_day_of_the_tables_still_has_its_hijri_date():
    assert format_date(date(2077, 11, 16), language="ar") == "30 ذو الحجة 1500 هـ (16 نوفمبر 2077)"


@pytest.mark.parametrize(
    ("moment", "english", "arabic"),
    [
        # 21:00 UTC is midnight in Riyadh: already the next day, and the next Hijri year.
        (
            datetime(2026, 6, 15, 21, 0, tzinfo=UTC),
            "midnight on 16 June 2026",
            "1 محرم 1448 هـ (16 يونيو 2026)، الساعة 12:00 ص",
        ),
        (
            datetime(2026, 6, 15, 20, 59, tzinfo=UTC),
            "11:59pm on 15 June 2026",
            "29 ذو الحجة 1447 هـ (15 يونيو 2026)، الساعة 11:59 م",
        ),
        # New Year's Eve in UTC is New Year's Day in Riyadh.
        (
            datetime(2026, 12, 31, 21, 30, tzinfo=UTC),
            "12:30am on 1 January 2027",
            "23 رجب 1448 هـ (1 يناير 2027)، الساعة 12:30 ص",
        ),
        (
            datetime(2027, 1, 3, 9, 0, tzinfo=UTC),
            "midday on 3 January 2027",
            "25 رجب 1448 هـ (3 يناير 2027)، الساعة 12:00 م",
        ),
        (
            datetime(2027, 1, 3, 17, 26, tzinfo=UTC),
            "8:26pm on 3 January 2027",
            "25 رجب 1448 هـ (3 يناير 2027)، الساعة 8:26 م",
        ),
        (
            datetime(2027, 1, 3, 12, 0, tzinfo=RIYADH),
            "midday on 3 January 2027",
            "25 رجب 1448 هـ (3 يناير 2027)، الساعة 12:00 م",
        ),
    ],
)
def test_a_moment_in_riyadh_time(moment, english, arabic):
    assert format_datetime(moment, language="en") == english
    assert format_datetime(moment, language="ar") == arabic


@pytest.mark.parametrize(
    ("hour", "minute", "english", "arabic"),
    [
        (0, 0, "midnight", "12:00 ص"),
        (0, 5, "12:05am", "12:05 ص"),
        (9, 0, "9am", "9:00 ص"),
        (11, 59, "11:59am", "11:59 ص"),
        (12, 0, "midday", "12:00 م"),
        (12, 1, "12:01pm", "12:01 م"),
        (15, 0, "3pm", "3:00 م"),
        (20, 26, "8:26pm", "8:26 م"),
    ],
)
def test_times_on_a_12_hour_clock(hour, minute, english, arabic):
    moment = datetime(2027, 1, 3, hour, minute, tzinfo=RIYADH)
    assert format_time(moment, language="en") == english
    assert format_time(moment, language="ar") == arabic


def test_the_active_language_is_used_and_left_as_it_was():
    moment = datetime(2027, 1, 3, 17, 26, tzinfo=UTC)
    with translation.override("ar"):
        assert format_date(moment) == "25 رجب 1448 هـ (3 يناير 2027)"
        assert format_date(moment, language="en") == "3 January 2027"
        assert translation.get_language() == "ar"


def test_a_language_without_hijri_dates_gets_the_gregorian_date():
    with translation.override("fr"):
        assert "هـ" not in format_date(date(2027, 1, 3))


def test_machine_values_are_riyadh_dates_and_moments():
    moment = datetime(2026, 6, 15, 21, 0, tzinfo=UTC)
    assert machine_value(moment) == "2026-06-16T00:00:00+03:00"
    assert machine_value(moment, with_time=False) == "2026-06-16"
    assert machine_value(date(2026, 6, 15)) == "2026-06-15"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", '<time datetime="2027-01-03"><bdi>3\xa0January\xa02027</bdi></time>'),
        (
            "ar",
            '<time datetime="2027-01-03">'
            "<bdi>25\xa0رجب 1448\xa0هـ (3\xa0يناير\xa02027)</bdi></time>",
        ),
    ],
)
def test_the_template_tag_isolates_the_date_in_a_time_element(language, expected):
    template = Template(
        '{% load portal_dates %}{% time_element when "date" %}|{{ none|person_date }}'
    )
    with translation.override(language):
        html = template.render(Context({"when": datetime(2027, 1, 3, 17, 26, tzinfo=UTC)}))
    assert html == f"{expected}|"


def test_pages_wrap_between_the_parts_of_a_moment_never_inside_one():
    """Each part stays whole; the Hijri date may wrap before its year (long month names)."""
    moment = datetime(2027, 1, 3, 17, 26, tzinfo=UTC)
    assert format_date(date(2026, 11, 25), language="ar", keep_together=True) == (
        "15\xa0جمادى\xa0الآخرة 1448\xa0هـ (25\xa0نوفمبر\xa02026)"
    )
    assert format_datetime(moment, language="ar", keep_together=True) == (
        "25\xa0رجب 1448\xa0هـ (3\xa0يناير\xa02027)، الساعة 8:26\xa0م"
    )
    assert format_datetime(moment, language="en", keep_together=True) == (
        "8:26pm on 3\xa0January\xa02027"
    )
    # SMS and email keep plain spaces: a no-break space would take English SMS out of GSM-7.
    assert "\xa0" not in format_datetime(moment, language="ar")


def test_the_admin_formats_read_in_each_languages_word_order():
    moment = datetime(2026, 12, 4, 20, 26, tzinfo=RIYADH)  # what the issue saw in Arabic
    with translation.override("ar"):
        assert date_format(moment, "DATETIME_FORMAT") == "4 ديسمبر 2026، 8:26 م"
    with translation.override("en"):
        assert date_format(moment, "DATETIME_FORMAT") == "4 December 2026, 8:26 PM"
