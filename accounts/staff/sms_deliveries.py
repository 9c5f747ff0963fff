"""Staff view of SMS deliveries: read-only, newest first, problems one click away.

Rows are written by ``send_sms`` and moved forward by the provider's status callbacks; nobody
adds, changes or deletes them by hand. Recipients are masked in the list (the detail page shows
the number, as the account page does). Searching is exact (a mobile number in any notation, or
the provider's message id) so it goes through an index.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from absher_portal.masking import mask_mobile
from accounts.staff.lists import LargeListMixin, ReadOnlyAdminMixin, ltr_text
from accounts.validators import normalize_saudi_mobile, to_ascii_digits
from sms.models import PROBLEM_STATUSES, UNKNOWN_STATUSES, SmsDelivery


class DeliveryProblemFilter(admin.SimpleListFilter):
    """ "Not delivered" (refused, failed, undelivered) and "Outcome unknown".

    Unknown: still being handed to the provider (a sender that died half-way stays so) or an
    answer that left it open (timeout, lost connection); a status callback may settle it.
    """

    title = _("delivery")
    parameter_name = "delivery"
    statuses = {"problem": PROBLEM_STATUSES, "unknown": UNKNOWN_STATUSES}

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [("problem", _("Not delivered")), ("unknown", _("Outcome unknown"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if statuses := self.statuses.get(self.value() or ""):
            return queryset.filter(status__in=statuses)
        return queryset


@admin.register(SmsDelivery)
class SmsDeliveryAdmin(ReadOnlyAdminMixin, LargeListMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "masked_recipient",
        "purpose",
        "status",
        "error_reason",
        "error_code",
        "backend",
    )
    list_filter = (DeliveryProblemFilter, "status", "purpose", "created_at")
    search_fields = ("=recipient", "=provider_message_id")
    search_help_text = _("Exact match: mobile number (05…, +966…) or the provider's message id.")
    ordering = ("-created_at", "-id")
    fields = (
        "created_at",
        "updated_at",
        "recipient",
        "purpose",
        "backend",
        "provider_message_id",
        "status",
        "error_reason",
        "error_code",
        "dedupe_key",
    )
    readonly_fields = fields

    @admin.display(description=_("recipient"), ordering="recipient")
    def masked_recipient(self, obj: SmsDelivery) -> str:
        return ltr_text(mask_mobile(obj.recipient))

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        """A mobile number in any notation, else a provider message id, matched exactly."""
        term = to_ascii_digits(search_term).strip()
        if not term:
            return queryset, False
        try:
            return queryset.filter(recipient=normalize_saudi_mobile(term)), False
        except ValidationError:
            return queryset.filter(provider_message_id=term[:64]), False
