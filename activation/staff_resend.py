"""The admin action that sends a given-up activation SMS again (activation/resend.py).

Like the status changes (accounts/staff/actions.py) it asks for a reason first, on the same
page, and needs its own permission (``activation.resend_activation_sms``, held by the
``reviewer`` group). Each account is handled on its own; a refused one says why.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.text import get_text_list
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accounts.models import AccountEvent, User
from accounts.staff.actions import StaffAction
from activation import resend


@dataclass(frozen=True)
class ResendAction(StaffAction):
    """Offered for an account whose newest activation SMS was given up (not a status change)."""

    def allows(self, account: User) -> bool:
        return resend.refusal(resend.latest_activation_notice(account)) is None


RESEND = ResendAction(
    name="resend_activation_sms",
    service=resend.activation_sms_resend,
    to_status="",
    kind=AccountEvent.Kind.ACTIVATION_SMS_AGAIN,
    title=_("Send the activation SMS again"),
    intro=_(
        "The activation SMS of these accounts was given up after its last attempt, or the "
        "carrier reported it undelivered. It will be sent once more, as a new message. An SMS "
        "that was delivered, or is still being sent, is not sent again."
    ),
    button=_("Send again"),
    done=ngettext_lazy(
        "The activation SMS of %(count)d account will be sent again.",
        "The activation SMS of %(count)d accounts will be sent again.",
        "count",
    ),
)

#: What staff are told about the accounts refused for each reason.
REFUSALS = {
    "sent": _(
        "Not sent again, because the activation SMS was accepted for delivery and not "
        "reported undelivered: %(accounts)s."
    ),
    "in_flight": _(
        "Not sent again, because the activation SMS is still being sent or waits for its next "
        "attempt: %(accounts)s."
    ),
    "none": _(
        "Not sent again, because no activation SMS was ever owed (not activated by a bank): "
        "%(accounts)s."
    ),
}


class ResendActivationSmsMixin:
    """Adds "Send the activation SMS again" to the accounts list of the admin."""

    def has_resend_activation_sms_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("activation.resend_activation_sms")

    @admin.action(
        permissions=["resend_activation_sms"],
        description=_("Send the activation SMS again (given up)"),
    )
    def resend_activation_sms(
        self, request: HttpRequest, queryset: QuerySet
    ) -> TemplateResponse | None:
        return self._staff_action(
            request,
            queryset,
            RESEND,
            apply=lambda accounts, reason: self._resend(request, accounts, reason),
        )

    def _resend(self, request: HttpRequest, accounts: list[User], reason: str) -> None:
        sent, refused = 0, {code: [] for code in REFUSALS}
        for account in accounts:
            try:
                resend.activation_sms_resend(account=account, actor=request.user, reason=reason)
            except resend.ResendRefused as refusal:
                refused[refusal.code].append(account.username)
            else:
                sent += 1
        if sent:
            self.message_user(request, RESEND.done % {"count": sent}, messages.SUCCESS)
        for code, usernames in refused.items():
            if usernames:
                text = REFUSALS[code] % {"accounts": get_text_list(usernames, _("and"))}
                self.message_user(request, text, messages.WARNING)
