"""Staff views of accounts (DESIGN §9).

Identity fields are read-only and the history is append-only, shown inline. Every status change
goes through ``accounts.lifecycle`` with a reason asked for on an intermediate page. Searches
are exact and normalised so that they hit an index, and large lists are never counted in full.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.db.models.functions import Lower
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.functional import Promise, cached_property
from django.utils.html import format_html
from django.utils.text import get_text_list
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy

from accounts import lifecycle
from accounts.admin_forms import StaffReasonForm
from accounts.models import AccountEvent, AccountStatus, User, mask_mobile
from accounts.validators import normalize_saudi_mobile, to_ascii_digits, validate_national_id
from activation.models import ActivationEvent, ActivationOutcome, Bank

#: One reason covers at most this many accounts (a page of the list, by default).
MAX_ACCOUNTS_PER_ACTION = 100


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


class RegistrationDateFilter(admin.DateFieldListFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.title = _("registration date")


@dataclass(frozen=True)
class StaffAction:
    """A staff status change offered as an admin action, and the words that go with it."""

    name: str
    service: Callable[..., AccountEvent]
    to_status: str
    kind: str
    title: str | Promise
    intro: str | Promise
    button: str | Promise
    done: str | Promise  # ``ngettext_lazy`` keyed on ``count``

    def allows(self, account: User) -> bool:
        return self.kind in lifecycle.TRANSITIONS.get((account.status, self.to_status), ())


Kind = AccountEvent.Kind

APPROVE = StaffAction(
    name="approve_accounts",
    service=lifecycle.account_approve,
    to_status=AccountStatus.ACTIVE,
    kind=Kind.APPROVED,
    title=_("Approve accounts"),
    intro=_("These pending accounts will become active without a bank confirmation."),
    button=_("Approve"),
    done=ngettext_lazy("%(count)d account approved.", "%(count)d accounts approved.", "count"),
)
REJECT = StaffAction(
    name="reject_accounts",
    service=lifecycle.account_reject,
    to_status=AccountStatus.EXPIRED,
    kind=Kind.REJECTED,
    title=_("Reject accounts"),
    intro=_(
        "These pending accounts will be closed and can no longer be activated. "
        "The person may register again."
    ),
    button=_("Reject"),
    done=ngettext_lazy("%(count)d account rejected.", "%(count)d accounts rejected.", "count"),
)
SUSPEND = StaffAction(
    name="suspend_accounts",
    service=lifecycle.account_suspend,
    to_status=AccountStatus.SUSPENDED,
    kind=Kind.SUSPENDED,
    title=_("Suspend accounts"),
    intro=_("These active accounts will be suspended: their owners can no longer sign in."),
    button=_("Suspend"),
    done=ngettext_lazy("%(count)d account suspended.", "%(count)d accounts suspended.", "count"),
)
REINSTATE = StaffAction(
    name="reinstate_accounts",
    service=lifecycle.account_reinstate,
    to_status=AccountStatus.ACTIVE,
    kind=Kind.REINSTATED,
    title=_("Reinstate accounts"),
    intro=_("These suspended accounts will become active again."),
    button=_("Reinstate"),
    done=ngettext_lazy("%(count)d account reinstated.", "%(count)d accounts reinstated.", "count"),
)


def ltr_text(text: str) -> str:
    """Keep digits and bullets in their order inside right-to-left pages."""
    return format_html('<bdi dir="ltr">{}</bdi>', text)


class AccountEventInline(admin.TabularInline):
    """An account's history: shown to whoever may see the account, changed by nobody."""

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

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(LargeListMixin, admin.ModelAdmin):
    list_display = (
        "username",
        "masked_id",
        "id_kind",
        "status",
        "masked_mobile",
        "created_at",
    )
    list_filter = (
        "status",
        "id_kind",
        ActivatedByBankFilter,
        ("created_at", RegistrationDateFilter),
    )
    # Only here so that the search box is shown: ``get_search_results`` does the searching.
    search_fields = ("=national_id", "=username", "=mobile")
    search_help_text = _(
        "Exact match: ID number, username (any letter case) or mobile number (05…, +966…)."
    )
    ordering = ("-created_at",)
    actions = ("approve_accounts", "reject_accounts", "suspend_accounts", "reinstate_accounts")
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

    #: Query-string filters staff may use: those of ``list_filter``, nothing that scans text
    #: (``?national_id__startswith=``) or reads secrets (``?password__startswith=``).
    filterable_fields = frozenset({"status", "id_kind", "created_at"})

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

    # --- Permissions --------------------------------------------------------------------------

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Accounts are created by registration (or createsuperuser for staff), never by hand.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Accounts are closed through their status; their rows stay for the history.
        return False

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.approve_account")

    def has_reject_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.reject_account")

    def has_suspend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.suspend_account")

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        field = lookup.split(LOOKUP_SEP, 1)[0]
        if field not in self.filterable_fields and lookup != ActivatedByBankFilter.parameter_name:
            return False
        return super().lookup_allowed(lookup, value, request)

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

    # --- Staff actions ------------------------------------------------------------------------

    @admin.action(permissions=["approve"], description=_("Approve selected pending accounts"))
    def approve_accounts(self, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
        return self._staff_action(request, queryset, APPROVE)

    @admin.action(permissions=["reject"], description=_("Reject selected pending accounts"))
    def reject_accounts(self, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
        return self._staff_action(request, queryset, REJECT)

    @admin.action(permissions=["suspend"], description=_("Suspend selected active accounts"))
    def suspend_accounts(self, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
        return self._staff_action(request, queryset, SUSPEND)

    @admin.action(permissions=["suspend"], description=_("Reinstate selected suspended accounts"))
    def reinstate_accounts(
        self, request: HttpRequest, queryset: QuerySet
    ) -> TemplateResponse | None:
        return self._staff_action(request, queryset, REINSTATE)

    def _staff_action(
        self, request: HttpRequest, queryset: QuerySet, action: StaffAction
    ) -> TemplateResponse | None:
        """Ask for a reason (Django's intermediate-page pattern), then apply the change."""
        accounts = list(queryset[: MAX_ACCOUNTS_PER_ACTION + 1])
        if len(accounts) > MAX_ACCOUNTS_PER_ACTION:
            message = ngettext(
                "Select at most %(limit)d account at a time.",
                "Select at most %(limit)d accounts at a time.",
                MAX_ACCOUNTS_PER_ACTION,
            ) % {"limit": MAX_ACCOUNTS_PER_ACTION}
            self.message_user(request, message, messages.ERROR)
            return None
        form = StaffReasonForm(request.POST if "post" in request.POST else None)
        if not form.is_valid():
            return self._reason_page(request, accounts, action, form)
        self._apply(request, accounts, action, form.cleaned_data["reason"])
        return None

    def _apply(
        self, request: HttpRequest, accounts: list[User], action: StaffAction, reason: str
    ) -> None:
        """Change each account on its own: one refused account does not undo the others."""
        changed, skipped, own = 0, [], False
        for account in accounts:
            if account.pk == request.user.pk:
                own = True
                continue
            try:
                action.service(account=account, actor=request.user, reason=reason)
            except lifecycle.TransitionNotAllowed:
                skipped.append(account.username)
            else:
                changed += 1
        if changed:
            self.message_user(request, action.done % {"count": changed}, messages.SUCCESS)
        if skipped:
            message = ngettext(
                "%(count)d account was skipped because its status does not allow this: "
                "%(accounts)s.",
                "%(count)d accounts were skipped because their status does not allow this: "
                "%(accounts)s.",
                len(skipped),
            ) % {"count": len(skipped), "accounts": get_text_list(skipped, _("and"))}
            self.message_user(request, message, messages.WARNING)
        if own:
            self.message_user(
                request,
                _("Your own account was skipped: another staff member must change its status."),
                messages.WARNING,
            )

    def _reason_page(
        self,
        request: HttpRequest,
        accounts: list[User],
        action: StaffAction,
        form: StaffReasonForm,
    ) -> TemplateResponse:
        opts = self.model._meta
        rows = [
            {
                "account": account,
                "masked_id": account.masked_national_id,
                "allowed": action.allows(account) and account.pk != request.user.pk,
            }
            for account in accounts
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": action.title,
            "opts": opts,
            "app_label": opts.app_label,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "rows": rows,
            "skipped_count": sum(1 for row in rows if not row["allowed"]),
            "form": form,
            "media": self.media + form.media,
            "cancel_url": request.get_full_path(),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request, f"admin/{opts.app_label}/{opts.model_name}/staff_action_reason.html", context
        )


@admin.register(AccountEvent)
class AccountEventAdmin(LargeListMixin, admin.ModelAdmin):
    """The history of all accounts, for browsing: nobody adds, changes or deletes events."""

    list_display = ("created_at", "account", "kind", "from_status", "to_status", "source", "actor")
    list_filter = ("kind", "created_at")
    list_select_related = ("account", "actor")
    ordering = ("-created_at", "-id")
    fields = (
        "created_at",
        "account",
        "kind",
        "from_status",
        "to_status",
        "source",
        "actor",
        "reason",
        "request_id",
        "details",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
