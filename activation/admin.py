"""Staff views of banks, their keys and channels, and the confirmations banks sent (design.md §9).

Banks and channels are edited here. A key's PEM is entered once, when the key is added, and
is read-only afterwards; revoking a key is done with ``manage.py revoke_bank_key``, which also
records when. Activation events are evidence: browsable, never changed.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import Notice, User, mask_national_id
from accounts.staff.admin import UserAdmin as AccountsUserAdmin
from accounts.staff.lists import (
    LargeListMixin,
    ReadOnlyAdminMixin,
    SafeChangeListMixin,
    ltr_text,
)
from accounts.staff.notices import describe_notice

# The bank figures join the staff dashboard when the admin loads.
from activation import dashboard_sections  # noqa: F401
from activation.keys import KeyFormatError, load_public_key, public_key_pem
from activation.models import (
    ActivationChannel,
    ActivationEvent,
    ActivationOutcome,
    Bank,
    BankKey,
)
from activation.staff_resend import ResendActivationSmsMixin


class BankKeyForm(forms.ModelForm):
    class Meta:
        model = BankKey
        fields = ("key_id", "public_key_pem", "is_active")
        widgets = {"public_key_pem": forms.Textarea(attrs={"rows": 4, "cols": 64})}

    def clean_public_key_pem(self) -> str:
        """Accept an Ed25519 public key in PEM only, stored in its canonical form."""
        try:
            key = load_public_key(self.cleaned_data["public_key_pem"].strip())
        except KeyFormatError as exc:
            raise ValidationError(
                _("Enter an Ed25519 public key in PEM format (BEGIN PUBLIC KEY)."),
                code="key_format",
            ) from exc
        return public_key_pem(key)


class BankKeyInline(admin.TabularInline):
    """A bank's keys: new ones may be added; existing ones are shown, never edited here."""

    model = BankKey
    form = BankKeyForm
    fields = ("key_id", "public_key_pem", "is_active", "created_at", "revoked_at")
    readonly_fields = ("created_at", "revoked_at")
    extra = 0
    can_delete = False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Existing rows are shown read-only; a key is replaced, not edited.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Bank)
class BankAdmin(SafeChangeListMixin, admin.ModelAdmin):
    list_display = ("code", "name_en", "name_ar", "is_active", "created_at")
    list_filter = ("is_active",)
    fields = ("code", "name_en", "name_ar", "is_active", "created_at")
    inlines = [BankKeyInline]

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> tuple[str, ...]:
        # The code names the bank in event sources (``bank:anb``) and in the bank client.
        return ("code", "created_at") if obj is not None else ("created_at",)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # A bank that should no longer be used is made inactive; its history stays.
        return False


@admin.register(ActivationChannel)
class ActivationChannelAdmin(SafeChangeListMixin, admin.ModelAdmin):
    list_display = ("name_en", "name_ar", "bank", "kind", "position", "is_active")
    list_editable = ("position", "is_active")
    list_filter = ("bank", "kind", "is_active")
    list_select_related = ("bank",)
    fields = (
        "bank",
        "kind",
        "name_en",
        "name_ar",
        "steps_en",
        "steps_ar",
        "phone_number",
        "position",
        "is_active",
    )
    ordering = ("bank__code", "position", "id")


@admin.register(ActivationEvent)
class ActivationEventAdmin(ReadOnlyAdminMixin, LargeListMixin, admin.ModelAdmin):
    """The confirmations banks sent, with the answers they got: read-only for everyone."""

    list_display = (
        "received_at",
        "bank",
        "event_id",
        "masked_id",
        "channel",
        "outcome",
        "response_status",
        "account",
    )
    list_filter = ("outcome", "bank", "channel", "received_at")
    list_select_related = ("bank", "account")
    ordering = ("-received_at", "-id")
    fields = (
        "bank",
        "key",
        "event_id",
        "national_id",
        "mobile",
        "channel",
        "confirmed_at",
        "account",
        "outcome",
        "response_status",
        "response_body",
        "fingerprint",
        "received_at",
        "sms_notice",
    )
    readonly_fields = fields

    @admin.display(description=_("ID number"), ordering="national_id")
    def masked_id(self, obj: ActivationEvent) -> str:
        return ltr_text(mask_national_id(obj.national_id))

    @admin.display(description=_("activation SMS"))
    def sms_notice(self, obj: ActivationEvent) -> str:
        notice = Notice.objects.filter(kind=Notice.Kind.ACTIVATED, subject_id=obj.pk).first()
        return describe_notice(notice)


class ActivatedByBankFilter(admin.SimpleListFilter):
    """Accounts activated by a confirmation from the chosen bank."""

    title = _("bank of activation")
    parameter_name = "activated_by"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [(bank.code, bank.name) for bank in Bank.objects.order_by("code")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if not self.value():
            return queryset
        # EXISTS rather than a join: an account is listed once, whatever its events.
        activated = ActivationEvent.objects.filter(
            account=OuterRef("pk"),
            bank__code=self.value(),
            outcome=ActivationOutcome.ACTIVATED,
        )
        return queryset.filter(Exists(activated))


# The accounts list gains this app's filter; the accounts app itself knows nothing of banks.
admin.site.unregister(User)


@admin.register(User)
class UserAdmin(ResendActivationSmsMixin, AccountsUserAdmin):
    actions = (*AccountsUserAdmin.actions, "resend_activation_sms")
    list_filter = (
        *AccountsUserAdmin.list_filter[:2],
        ActivatedByBankFilter,
        *AccountsUserAdmin.list_filter[2:],
    )
