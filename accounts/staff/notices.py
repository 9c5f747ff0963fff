"""Staff view of the notices owed to people: read-only, newest first (design.md §9, §15).

Rows are written with the change that owes them and moved by ``send_notice``; nobody adds,
changes or deletes them by hand. "Taken by a worker, not known to be sent" is what the sweep
reports: those are never sent again, and the SMS deliveries list shows what is known.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Notice
from accounts.notices import STATE_FILTERS, NoticeState, state_of
from accounts.staff.lists import LargeListMixin, ReadOnlyAdminMixin


def describe_notice(notice: Notice | None) -> str:
    """One line for staff: the state, with its time and attempts."""
    if notice is None:
        return gettext("No notice")
    state = state_of(notice)
    label = str(state.label)
    when = {
        NoticeState.SENT: notice.sent_at,
        NoticeState.CLAIMED: notice.claimed_at,
        NoticeState.WAITING: notice.retry_at,
    }.get(state)
    parts = [label]
    if when is not None:
        parts.append(formats.date_format(when, "DATETIME_FORMAT"))
    parts.append(gettext("attempts: %(count)d") % {"count": notice.attempts})
    if notice.last_error and state != NoticeState.SENT:
        parts.append(notice.last_error)
    return " · ".join(parts)


class NoticeStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return list(NoticeState.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if condition := STATE_FILTERS.get(self.value() or ""):
            return queryset.filter(condition)
        return queryset


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdminMixin, LargeListMixin, admin.ModelAdmin):
    list_display = ("created_at", "kind", "account", "state", "attempts", "sent_at", "last_error")
    list_filter = (NoticeStateFilter, "kind")
    list_select_related = ("account",)
    ordering = ("-id",)  # newest first by the primary key: no sort of the whole table
    fields = (
        "kind",
        "account",
        "subject_id",
        "created_at",
        "state",
        "claimed_at",
        "sent_at",
        "attempts",
        "retry_at",
        "last_error",
    )
    readonly_fields = fields

    @admin.display(description=_("state"))
    def state(self, obj: Notice) -> str:
        return str(state_of(obj).label)
