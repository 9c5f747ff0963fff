"""Staff views of accounts. Identity fields are read-only; history is append-only."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import AccountEvent, User


class AccountEventInline(admin.TabularInline):
    model = AccountEvent
    fk_name = "account"
    fields = ("created_at", "kind", "from_status", "to_status", "source", "actor", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("username", "masked_id", "id_kind", "status", "created_at")
    list_filter = ("status", "id_kind", "created_at")
    search_fields = ("=username", "=national_id", "=mobile")
    show_full_result_count = False
    ordering = ("-created_at",)
    fieldsets = (
        (_("Identity"), {"fields": ("username", "national_id", "id_kind")}),
        (_("Contact"), {"fields": ("mobile", "email", "preferred_language")}),
        (_("Status"), {"fields": ("status", "status_changed_at", "created_at", "last_login")}),
        (_("Staff"), {"fields": ("is_staff", "is_superuser", "groups")}),
    )
    readonly_fields = (
        "username",
        "national_id",
        "id_kind",
        "mobile",
        "status",
        "status_changed_at",
        "created_at",
        "last_login",
    )
    inlines = [AccountEventInline]

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> tuple[str, ...]:
        # Only a superuser may grant staff or superuser rights, or change group membership.
        if request.user.is_superuser:
            return self.readonly_fields
        return (*self.readonly_fields, "is_staff", "is_superuser", "groups")

    @admin.display(description=_("ID number"), ordering="national_id")
    def masked_id(self, obj: User) -> str:
        return obj.masked_national_id

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Accounts are created by registration (or createsuperuser for staff), never by hand.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
