"""Staff views of accounts (design.md §9).

Identity fields are read-only and the history is append-only, shown inline. Every status change
goes through ``accounts.lifecycle`` with a reason asked for on an intermediate page
(``staff.actions``). Searches are exact and normalised so that they hit an index, and large
lists are never counted in full (``staff.lists``). The activation app adds its "bank of
activation" filter to this list (accounts never imports activation).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from absher_portal.dates import format_date, format_datetime
from absher_portal.masking import mask_mobile
from accounts.event_sources import describe_source
from accounts.expiry import registration_expires_at
from accounts.models import AccountEvent, AccountStatus, User
from accounts.staff.actions import StaffActionsMixin
from accounts.staff.forms import AccountAdminForm
from accounts.staff.lists import (
    LargeListMixin,
    ReadOnlyAdminMixin,
    RegistrationDateFilter,
    SafeChangeListMixin,
    ltr_text,
)
from accounts.validators import normalize_saudi_mobile, to_ascii_digits, validate_national_id


def shown_datetime(value: object) -> str:
    """A date and time the way the person reads it (Hijri and Gregorian in Arabic), isolated."""
    if value is None:
        return "—"
    return format_html("<bdi>{}</bdi>", format_datetime(value))


class EventDisplayMixin:
    """How an event's time and reason show: the portal's dates, the reason isolated (a staff
    member's Latin or Arabic sentence keeps its full stop on its own side in either page)."""

    @admin.display(description=_("when"), ordering="created_at")
    def when(self, obj: AccountEvent) -> str:
        return shown_datetime(obj.created_at)

    @admin.display(description=_("reason"))
    def reason_display(self, obj: AccountEvent) -> str:
        return format_html("<bdi>{}</bdi>", obj.reason) if obj.reason else ""

    @admin.display(description=_("source"))
    def source_display(self, obj: AccountEvent) -> str:
        return describe_source(obj.source)


class AccountEventInline(EventDisplayMixin, ReadOnlyAdminMixin, admin.TabularInline):
    """An account's history: shown to whoever may see the account, changed by nobody."""

    model = AccountEvent
    fk_name = "account"
    fields = (
        "when",
        "kind",
        "from_status",
        "to_status",
        "source_display",
        "actor",
        "reason_display",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False


@admin.register(User)
class UserAdmin(StaffActionsMixin, LargeListMixin, admin.ModelAdmin):
    form = AccountAdminForm
    list_display = (
        "username",
        "masked_id",
        "id_kind",
        "status",
        "masked_mobile",
        "registered_on",
    )
    list_filter = (
        "status",
        "id_kind",
        ("created_at", RegistrationDateFilter),
    )
    # Only here so that the search box is shown: ``get_search_results`` does the searching.
    search_fields = ("=national_id", "=username", "=mobile")
    search_help_text = _(
        "Exact match: ID number, username (any letter case) or mobile number (05…, +966…)."
    )
    ordering = ("-created_at",)
    fieldsets = (
        (_("Identity"), {"fields": ("username", "national_id", "id_kind")}),
        (_("Contact"), {"fields": ("mobile_display", "email", "preferred_language")}),
        (
            _("Status"),
            {
                "fields": (
                    "status",
                    "status_changed",
                    "registered_at",
                    "activate_by",
                    "last_sign_in",
                )
            },
        ),
        (_("Staff"), {"fields": ("is_staff", "is_superuser", "groups")}),
    )
    readonly_fields = (
        "username",
        "national_id",
        "id_kind",
        "mobile_display",
        "status",
        "status_changed",
        "registered_at",
        "activate_by",
        "last_sign_in",
    )
    inlines = [AccountEventInline]

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> tuple[str, ...]:
        # Only a superuser may grant staff or superuser rights, or change group membership.
        if request.user.is_superuser:
            return self.readonly_fields
        return (*self.readonly_fields, "is_staff", "is_superuser", "groups")

    @admin.display(description=_("ID number"), ordering="national_id")
    def masked_id(self, obj: User) -> str:
        return ltr_text(obj.masked_national_id)

    @admin.display(description=_("mobile number"))
    def masked_mobile(self, obj: User) -> str:
        return ltr_text(mask_mobile(obj.mobile)) if obj.mobile else "—"

    @admin.display(description=_("mobile number"))
    def mobile_display(self, obj: User) -> str:
        # "+966…" left to right: in an Arabic page the "+" would otherwise land at the end.
        return ltr_text(obj.mobile) if obj.mobile else "—"

    # Dates a reviewer weighs, the way the person reads them (Hijri and Gregorian in Arabic).

    @admin.display(description=_("registered"), ordering="created_at")
    def registered_on(self, obj: User) -> str:
        # Free to wrap: the list is narrow beside the navigation and filters.
        return format_html("<bdi>{}</bdi>", format_date(obj.created_at))

    @admin.display(description=_("registered"))
    def registered_at(self, obj: User) -> str:
        return format_html("<bdi>{}</bdi>", format_datetime(obj.created_at, keep_together=True))

    @admin.display(description=_("status changed"))
    def status_changed(self, obj: User) -> str:
        return shown_datetime(obj.status_changed_at)

    @admin.display(description=_("last sign-in"))
    def last_sign_in(self, obj: User) -> str:
        return shown_datetime(obj.last_login)

    @admin.display(description=_("activate by"))
    def activate_by(self, obj: User) -> str:
        if obj.status != AccountStatus.PENDING:
            return "—"
        return format_html(
            "<bdi>{}</bdi>", format_date(registration_expires_at(obj), keep_together=True)
        )

    # --- Permissions --------------------------------------------------------------------------

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Accounts are created by registration (or createsuperuser for staff), never by hand.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Accounts are closed through their status; their rows stay for the history.
        return False

    # --- Search -------------------------------------------------------------------------------

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        """Find the account by exact ID number, mobile number or username, through an index.

        The query is normalised first (Arabic-Indic digits, ``05…``/``+966…``/``00966…``
        forms), so staff can paste what the person said; nothing is matched by substring.
        """
        term = to_ascii_digits(search_term).strip()
        if not term:
            return queryset, False
        try:
            return queryset.filter(national_id=validate_national_id(term)), False
        except ValidationError:
            pass
        try:
            return queryset.filter(mobile=normalize_saudi_mobile(term)), False
        except ValidationError:
            pass
        by_username = queryset.alias(username_lower=Lower("username"))
        return by_username.filter(username_lower=term.lower()), False


# Django's own group list gets the same guards against crafted input as the portal's lists.
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(SafeChangeListMixin, auth_admin.GroupAdmin):
    pass


@admin.register(AccountEvent)
class AccountEventAdmin(EventDisplayMixin, ReadOnlyAdminMixin, LargeListMixin, admin.ModelAdmin):
    """The history of all accounts, for browsing: nobody adds, changes or deletes events."""

    list_display = (
        "when",
        "account_display",
        "kind",
        "from_status",
        "to_status",
        "source_display",
        "actor",
    )
    list_filter = ("kind", "created_at")
    list_select_related = ("account", "actor")
    ordering = ("-created_at", "-id")
    fields = (
        "when",
        "account",
        "kind",
        "from_status",
        "to_status",
        "source_display",
        "actor",
        "reason_display",
        "request_id",
        "details",
    )
    readonly_fields = fields

    @admin.display(description=_("account"))
    def account_display(self, obj: AccountEvent) -> str:
        return ltr_text(obj.account.username)
