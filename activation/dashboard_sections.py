"""The bank figures of the staff dashboard (``accounts.staff.dashboard_sections``).

Imported by ``activation.admin``, so the sections join the dashboard when the admin loads.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.staff import charts
from accounts.staff.dashboard_sections import (
    Period,
    Section,
    chart_name,
    duration,
    number,
    register,
    rtl,
)
from activation import dashboard
from activation.models import ChannelKind


@register("activations", order=30, permission="activation.view_activationevent")
def activations_section(period: Period) -> Section:
    found = dashboard.activations_by_bank_and_channel(period.days, today=period.today)
    channels = dict(ChannelKind.choices)
    title = _("Activations by bank and channel")
    rows = [
        (row.bank.name, str(channels.get(row.channel, row.channel)), row.count) for row in found
    ]
    bars = [
        charts.Bar(
            _("%(bank)s: %(channel)s") % {"bank": bank, "channel": channel}, count, number(count)
        )
        for bank, channel, count in rows
    ]
    total = sum(count for _bank, _channel, count in rows)
    return Section(
        key="activations",
        title=title,
        caption=_("Accounts activated by a bank in the last %(days)s days, by channel")
        % {"days": period.days},
        headers=(_("Bank"), _("Channel"), _("Activations")),
        rows=[(bank, channel, number(count)) for bank, channel, count in rows],
        chart=charts.bar_chart(bars, name=chart_name(title), rtl=rtl()) if bars else None,
        summary=_("%(count)s accounts activated by a bank in the period.")
        % {"count": number(total)},
    )


@register("time_to_activation", order=40, permission="activation.view_activationevent")
def time_to_activation_section(period: Period) -> Section:
    found = dashboard.time_to_activation(period.days, today=period.today)
    median = duration(found.median) if found.median is not None else "—"
    return Section(
        key="time_to_activation",
        title=_("Time from registration to activation"),
        caption=_("Median time from registration to bank activation, last %(days)s days")
        % {"days": period.days},
        headers=(_("Figure"), _("Value")),
        rows=[(_("Median"), median), (_("Activations counted"), number(found.count))],
        summary=_("Half of the accounts activated in the period waited %(median)s or less.")
        % {"median": median}
        if found.median is not None
        else _("No account was activated by a bank in the period."),
    )
