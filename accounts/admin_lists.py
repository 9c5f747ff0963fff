"""List helpers for admin pages over tables that grow without bound."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
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


class LargeListMixin:
    """List options for tables that grow without bound: no full counts, no facet counts."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER


class RegistrationDateFilter(admin.DateFieldListFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.title = _("registration date")


def ltr_text(text: str) -> str:
    """Keep digits and bullets in their order inside right-to-left pages."""
    return format_html('<bdi dir="ltr">{}</bdi>', text)
