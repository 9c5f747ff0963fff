"""Dates and times as people read them, in the active language (design.md §10, decision 151).

English follows the GOV.UK style guide: "3 January 2027", "8:26pm", "3pm", "midday",
"midnight", and "8:26pm on 3 January 2027". Arabic gives the Umm al-Qura Hijri date, which
Saudi services show first, with the Gregorian date beside it: «25 رجب 1448 هـ (3 يناير 2027)»,
and times on a 12-hour clock with ص/م: «…، الساعة 8:26 م». Digits are ASCII in both
languages, as everywhere else in the portal (typed numbers, codes, the WebOTP line).

Every time is shown in ``TIME_ZONE`` (Asia/Riyadh), so a moment just after midnight in Riyadh
is already the next day, whatever UTC says. The Hijri date comes from ``hijridate`` (the Umm
al-Qura tables, 1343 to 1500 AH: 1 August 1924 to 16 November 2077); a date outside that
range is shown in Gregorian only rather than failing. Every pattern is a translatable string,
so the word order and the ص/م belong to the catalogue, not to this code.

Templates use ``accounts/templatetags/portal_dates.py``; SMS and email texts call these
functions under the recipient's language; the admin's own columns read Django's formats from
``absher_portal.formats`` (FORMAT_MODULE_PATH) and its date columns for reviewers use these.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from django.utils import formats, timezone, translation
from django.utils.translation import pgettext
from hijridate import Gregorian

#: Languages whose readers get the Hijri date first, with the Gregorian beside it.
HIJRI_LANGUAGES = frozenset({"ar"})
#: The languages ``hijridate`` names months in; others fall back to English names.
HIJRI_MONTH_LANGUAGES = frozenset({"ar", "en", "bn", "tr"})
NO_BREAK_SPACE = "\u00a0"


def _glue(text: str, keep_together: bool) -> str:
    """``text`` with no-break spaces, for a page: a narrow column may wrap between the Hijri
    date, the Gregorian date and the time, never inside one («1448 / هـ»). Plain text (SMS,
    email) keeps ordinary spaces: a no-break space would push an English SMS out of GSM-7."""
    return text.replace(" ", NO_BREAK_SPACE) if keep_together else text


def _glue_hijri(text: str, year: int, keep_together: bool) -> str:
    """Like ``_glue``, but the Hijri date may still wrap before its year: «25 جمادى الآخرة» and
    «1448 هـ» each stay whole, and the longest month names fit a phone's value column."""
    glued = _glue(text, keep_together)
    return glued.replace(f"{NO_BREAK_SPACE}{year}", f" {year}") if keep_together else glued


@contextmanager
def _language(language: str | None) -> Iterator[None]:
    """Speak ``language`` inside the block; ``None`` keeps the active one.

    (``translation.override(None)`` would switch translations off, hence this.)
    """
    if language is None:
        yield
        return
    with translation.override(language):
        yield


def local(value: date | datetime) -> date | datetime:
    """``value`` on Riyadh's clock: an aware datetime converted, a naive one or a date as is."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def _calendar_date(value: date | datetime) -> date:
    value = local(value)
    return value.date() if isinstance(value, datetime) else value


def hijri_date(value: date | datetime, *, keep_together: bool = False) -> str | None:
    """The Umm al-Qura Hijri date of ``value`` in the active language, or None out of range."""
    day = _calendar_date(value)
    try:
        hijri = Gregorian.fromdate(day).to_hijri()
    except OverflowError:
        return None
    language = translation.get_language() or "en"
    month = hijri.month_name(language if language in HIJRI_MONTH_LANGUAGES else "en")
    text = pgettext("Hijri date", "%(day)d %(month)s %(year)d AH") % {
        "day": hijri.day,
        "month": month,
        "year": hijri.year,
    }
    return _glue_hijri(text, hijri.year, keep_together)


def gregorian_date(value: date | datetime) -> str:
    """The Gregorian date of ``value``, day first, month in words, no comma: "3 January 2027"."""
    return formats.date_format(_calendar_date(value), "j F Y")


def format_date(
    value: date | datetime, *, language: str | None = None, keep_together: bool = False
) -> str:
    """The date of ``value`` for a person: Gregorian in English, Hijri and Gregorian in Arabic.

    ``keep_together`` joins the words of each date with no-break spaces (pages).
    """
    with _language(language):
        gregorian = _glue(gregorian_date(value), keep_together)
        if (translation.get_language() or "") not in HIJRI_LANGUAGES:
            return gregorian
        hijri = hijri_date(value, keep_together=keep_together)
        if hijri is None:
            return gregorian
        return pgettext(
            "Hijri date with the Gregorian date beside it", "%(hijri)s (%(gregorian)s)"
        ) % {
            "hijri": hijri,
            "gregorian": gregorian,
        }


def format_time(
    value: datetime, *, language: str | None = None, keep_together: bool = False
) -> str:
    """The time of ``value`` on a 12-hour clock: "8:26pm", "3pm", "midday"; «8:26 م» in Arabic."""
    with _language(language):
        return _glue(_time_of_day(local(value)), keep_together)


def _time_of_day(moment: datetime) -> str:
    """The time of day in the active language (midday and midnight by name, as GOV.UK)."""
    if (moment.hour, moment.minute) == (0, 0):
        return pgettext("time of day", "midnight")
    if (moment.hour, moment.minute) == (12, 0):
        return pgettext("time of day", "midday")
    hour = moment.hour % 12 or 12
    period = (
        pgettext("time of day, before midday", "am")
        if moment.hour < 12
        else pgettext("time of day, after midday", "pm")
    )
    if moment.minute == 0:
        return pgettext("time of day on the hour", "%(hour)d%(period)s") % {
            "hour": hour,
            "period": period,
        }
    return pgettext("time of day", "%(hour)d:%(minute)02d%(period)s") % {
        "hour": hour,
        "minute": moment.minute,
        "period": period,
    }


def format_datetime(
    value: datetime, *, language: str | None = None, keep_together: bool = False
) -> str:
    """A moment for a person: "8:26pm on 3 January 2027"; the date first in Arabic."""
    with _language(language):
        return pgettext("a moment: its time and its date", "%(time)s on %(date)s") % {
            "time": format_time(value, keep_together=keep_together),
            "date": format_date(value, keep_together=keep_together),
        }


def machine_value(value: date | datetime, *, with_time: bool = True) -> str:
    """The ``<time datetime>`` attribute: the moment in Riyadh time, or its date alone."""
    value = local(value)
    if isinstance(value, datetime) and with_time:
        return value.isoformat(timespec="seconds")
    return _calendar_date(value).isoformat()
