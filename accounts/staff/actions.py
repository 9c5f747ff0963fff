"""Staff status changes as admin actions, each asking for a reason first (design.md §9)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.functional import Promise
from django.utils.text import get_text_list
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy

from accounts import lifecycle
from accounts.models import AccountEvent, AccountStatus, User
from accounts.staff.forms import StaffReasonForm

#: One reason covers at most this many accounts (a page of the list, by default).
MAX_ACCOUNTS_PER_ACTION = 100


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


def may_act_on(actor: User, account: User) -> bool:
    """Staff accounts are changed by superusers only: no locking out one's superiors."""
    return actor.is_superuser or not (account.is_staff or account.is_superuser)


class StaffActionsMixin:
    """Approve / reject / suspend / reinstate, permission-gated, through ``accounts.lifecycle``."""

    actions = ("approve_accounts", "reject_accounts", "suspend_accounts", "reinstate_accounts")

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.approve_account")

    def has_reject_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.reject_account")

    def has_suspend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.suspend_account")

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
        self,
        request: HttpRequest,
        queryset: QuerySet,
        action: StaffAction,
        apply: Callable[[list[User], str], None] | None = None,
    ) -> TemplateResponse | None:
        """Ask for a reason (Django's intermediate-page pattern), then apply the change
        (``apply(accounts, reason)``, the status change of ``action`` unless given)."""
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
        if apply is None:
            self._apply(request, accounts, action, form.cleaned_data["reason"])
        else:
            apply(accounts, form.cleaned_data["reason"])
        return None

    def _apply(
        self, request: HttpRequest, accounts: list[User], action: StaffAction, reason: str
    ) -> None:
        """Change each account on its own: one refused account does not undo the others."""
        changed, skipped, own, protected = 0, [], False, []
        for account in accounts:
            if account.pk == request.user.pk:
                own = True
                continue
            if not may_act_on(request.user, account):
                protected.append(account.username)
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
        if protected:
            message = _(
                "Only a superuser may change the status of staff accounts; skipped: %(accounts)s."
            ) % {"accounts": get_text_list(protected, _("and"))}
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
                "allowed": action.allows(account)
                and account.pk != request.user.pk
                and may_act_on(request.user, account),
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
