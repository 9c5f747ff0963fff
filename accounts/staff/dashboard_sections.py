"""The dashboard's sections: each figure as a chart, a table of the same numbers, and words.

A section is built from a selector's plain data (``accounts.staff.dashboard``,
``activation.dashboard``) in the active language: numbers in its locale format (Django's,
grouped), days in the portal's dates (Hijri first in Arabic), states and channels by their
translated names. Apps add their sections with ``register``: the activation app adds the bank
figures (accounts never imports activation), and each section names the permission that
shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import formats, translation
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from absher_portal.dates import format_date, machine_value
from accounts.staff import charts, dashboard
from accounts.states import AccountStatus


@dataclass(frozen=True)
class Section:
    """One figure of the dashboard, ready for the template."""

    key: str
    title: str
    caption: str
    headers: tuple[str, ...]  # the first heads the row headers' column
    # Escaped when shown unless safe; the first cell of each row is its row header.
    rows: list[tuple[str, ...]]
    chart: SafeString | None = None
    summary: str = ""
    axis: tuple[str, str] | None = None  # a time chart's oldest and newest day, in words
    top: str = ""  # what a time chart's top line stands for


@dataclass(frozen=True)
class Period:
    days: int
    today: date

    @property
    def first(self) -> date:
        return self.today - timedelta(days=self.days - 1)


SectionBuilder = Callable[[Period], Section]


@dataclass(order=True)
class _Registered:
    order: int
    permission: str = field(compare=False)
    build: SectionBuilder = field(compare=False)


_SECTIONS: dict[str, _Registered] = {}


def register(
    key: str, *, order: int, permission: str
) -> Callable[[SectionBuilder], SectionBuilder]:
    """Add a section to the dashboard, shown to staff holding ``permission``, by ``order``."""

    def decorator(build: SectionBuilder) -> SectionBuilder:
        _SECTIONS[key] = _Registered(order, permission, build)
        return build

    return decorator


def sections_for(user: object, period: Period) -> list[Section]:
    """The sections ``user`` may see, built for ``period``, in their order."""
    return [
        entry.build(period)
        for entry in sorted(_SECTIONS.values())
        if user.has_perm(entry.permission)
    ]


def rtl() -> bool:
    return translation.get_language_bidi()


def number(value: float, decimals: int | None = None) -> str:
    """A number in the active language's format: "12,345"; Django's Arabic groups no digits."""
    return formats.number_format(value, decimals, use_l10n=True, force_grouping=True)


def percent(rate: float) -> str:
    return _("%(rate)s%%") % {"rate": number(rate * 100, 1)}


def duration(value: timedelta) -> str:
    """A waiting time rounded to its natural unit: minutes, hours (under two days) or days."""
    minutes = round(value.total_seconds() / 60)
    if minutes < 60:
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    hours = round(minutes / 60)
    if hours < 48:
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    days = round(hours / 24)
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}


def day_cell(day: date) -> SafeString:
    """A day as the portal writes it (Hijri first in Arabic), in a ``<time>`` element."""
    return format_html(
        '<time datetime="{}"><bdi>{}</bdi></time>',
        machine_value(day, with_time=False),
        format_date(day, keep_together=True),
    )


def chart_name(title: str) -> str:
    """What a screen reader hears for a chart: its subject, and where its figures are."""
    return _("Chart: %(title)s. The table after it gives the same figures.") % {"title": title}


# --- The accounts' and the SMS sections -------------------------------------------------------


@register("registrations", order=10, permission="accounts.view_user")
def registrations_section(period: Period) -> Section:
    days = dashboard.registrations_per_day(period.days, today=period.today)
    title = _("Registrations per day")
    biggest = max((count for _day, count in days), default=0)
    return Section(
        key="registrations",
        title=title,
        caption=_("Accounts registered each day, last %(days)s days") % {"days": period.days},
        headers=(_("Day"), _("Registrations")),
        rows=[(day_cell(day), number(count)) for day, count in days],
        chart=charts.column_chart(
            [count for _day, count in days], name=chart_name(title), rtl=rtl()
        ),
        top=_("Highest: %(count)s") % {"count": number(biggest)},
        summary=_("%(count)s registrations in the period.")
        % {"count": number(sum(count for _day, count in days))},
        axis=(format_date(period.first), format_date(period.today)),
    )


@register("statuses", order=20, permission="accounts.view_user")
def statuses_section(period: Period) -> Section:
    counts = dashboard.accounts_by_status()
    names = dict(AccountStatus.choices)
    title = _("Accounts by status")
    bars = [
        charts.Bar(str(names[status]), count, number(count)) for status, count in counts.items()
    ]
    return Section(
        key="statuses",
        title=title,
        caption=_("All accounts by their status today"),
        headers=(_("Status"), _("Accounts")),
        rows=[(bar.label, bar.shown) for bar in bars],
        chart=charts.bar_chart(bars, name=chart_name(title), rtl=rtl()),
        summary=_("%(count)s accounts in all.") % {"count": number(sum(counts.values()))},
    )


@register("sms", order=50, permission="sms.view_smsdelivery")
def sms_section(period: Period) -> Section:
    outcomes = dashboard.sms_outcomes(period.days, today=period.today)
    title = _("SMS outcomes")
    rows = [
        (_("Taken by the provider"), outcomes.accepted),
        (_("Not delivered"), outcomes.failed),
        (_("Outcome unknown"), outcomes.unknown),
    ]
    bars = [charts.Bar(label, count, number(count)) for label, count in rows]
    rate = outcomes.failure_rate
    summary = (
        _("Failure rate: %(rate)s of %(count)s SMS not delivered.")
        % {"rate": percent(rate), "count": number(outcomes.total)}
        if rate is not None
        else _("No SMS was sent in the period.")
    )
    return Section(
        key="sms",
        title=title,
        caption=_("SMS sent in the last %(days)s days, by outcome") % {"days": period.days},
        headers=(_("Outcome"), _("SMS")),
        rows=[*((bar.label, bar.shown) for bar in bars), (_("All"), number(outcomes.total))],
        chart=charts.bar_chart(bars, name=chart_name(title), rtl=rtl()),
        summary=summary,
    )
