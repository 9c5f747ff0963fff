"""List helpers for admin pages over tables that grow without bound."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest, HttpResponseBadRequest
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _


class EstimatedCountPaginator(Paginator):
    """Count a list exactly, except an unfiltered large table on PostgreSQL.

    ``COUNT(*)`` over millions of rows reads the whole table on every page view. For an
    unfiltered list the planner's estimate (``pg_class.reltuples``, kept fresh by autovacuum)
    is used once it reaches ``exact_below`` rows; filtered lists are counted exactly (they go
    through an index and their count is what staff asked for).
    """

    exact_below = 10_000

    @cached_property
    def count(self) -> int:
        estimate = self._estimate()
        if estimate is not None and estimate >= self.exact_below:
            return estimate
        return super().count

    def _estimate(self) -> int | None:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return None
        query = queryset.query
        if query.where or query.is_sliced or query.distinct or query.combinator:
            return None
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            return None
        table = connection.ops.quote_name(queryset.model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)", [table])
            row = cursor.fetchone()
        if row is None or row[0] is None or row[0] < 0:  # -1: never analysed
            return None
        return int(row[0])


#: The lookups Django's own list filters put in the query string (choices, booleans,
#: related objects, dates). Anything else (``__startswith``, ``__regex``...) would scan text.
FILTER_LOOKUPS = frozenset({"exact", "isnull", "gte", "lt", "id__exact"})


class ReadOnlyAdminMixin:
    """Records staff only read: account history, SMS deliveries, bank confirmations.

    They are evidence of what happened; nobody adds, edits or deletes them through the admin.
    (``obj`` is optional so the mixin fits inlines, whose ``has_add_permission`` takes it.)
    """

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class SafeChangeListMixin:
    """A change list that answers 400, never 500, to what no page of its own would send.

    - a NUL character in the query string: PostgreSQL text cannot hold one;
    - an action naming objects by values their primary key cannot take: Django filters
      ``pk__in`` with whatever was posted, and ``int("abc")`` raises ``ValueError``.
    """

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        if any("\x00" in value for _key, values in request.GET.lists() for value in values):
            return HttpResponseBadRequest()
        return super().changelist_view(request, extra_context)

    def response_action(self, request: HttpRequest, queryset: QuerySet):
        pk = self.model._meta.pk
        try:
            for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
                pk.get_prep_value(pk.to_python(value))
        except (ValidationError, ValueError, TypeError):
            return HttpResponseBadRequest()
        return super().response_action(request, queryset)


class LargeListMixin(SafeChangeListMixin):
    """List options for tables that grow without bound.

    No full counts and no facet counts; and the query string may only carry what the list's
    own filters put there, so a crafted URL cannot ask for a ``LIKE`` scan over millions of
    rows (or a lookup on a secret field).
    """

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        field, _sep, rest = lookup.partition(LOOKUP_SEP)
        filters = self.get_list_filter(request) if request is not None else self.list_filter
        parameters = {
            f.parameter_name
            for f in filters
            if isinstance(f, type) and issubclass(f, admin.SimpleListFilter)
        }
        fields = {f[0] if isinstance(f, tuple) else f for f in filters if not isinstance(f, type)}
        if lookup in parameters:
            return super().lookup_allowed(lookup, value, request)
        if field not in fields or (rest or "exact") not in FILTER_LOOKUPS:
            return False
        return super().lookup_allowed(lookup, value, request)


class RegistrationDateFilter(admin.DateFieldListFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.title = _("registration date")


def ltr_text(text: str) -> str:
    """Keep digits and bullets in their order inside right-to-left pages."""
    return format_html('<bdi dir="ltr">{}</bdi>', text)
