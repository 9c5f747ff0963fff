"""Dates in templates, through ``absher_portal.dates`` (design.md §10).

``{% time_element value "date" %}`` writes ``<time datetime="…"><bdi>…</bdi></time>``: the
machine-readable value for browsers and assistive technology, and the text isolated so that
an Arabic date inside an English sentence, or digits inside an Arabic one, keep their order;
each date and the time are held together by no-break spaces, so a narrow column wraps only
between them.
The filters give the text alone, for plain-text templates (email).
"""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from absher_portal import dates

register = template.Library()

#: What ``time_element`` may show: the date, the moment, or the time of day.
KINDS = {
    "date": dates.format_date,
    "datetime": dates.format_datetime,
    "time": dates.format_time,
}


@register.filter
def person_date(value: date | datetime | None) -> str:
    """``3 January 2027``, or Hijri and Gregorian in Arabic; empty for no value."""
    return dates.format_date(value) if value else ""


@register.filter
def person_datetime(value: datetime | None) -> str:
    """``8:26pm on 3 January 2027``, or its Arabic form; empty for no value."""
    return dates.format_datetime(value) if value else ""


@register.filter
def person_time(value: datetime | None) -> str:
    """``8:26pm``, or ``8:26 م``; empty for no value."""
    return dates.format_time(value) if value else ""


@register.simple_tag
def time_element(value: date | datetime | None, kind: str = "date") -> SafeString | str:
    """A ``<time>`` element for ``value`` shown as ``kind`` ("date", "datetime" or "time")."""
    if not value:
        return ""
    return format_html(
        '<time datetime="{}"><bdi>{}</bdi></time>',
        dates.machine_value(value, with_time=kind != "date"),
        KINDS[kind](value, keep_together=True),
    )
