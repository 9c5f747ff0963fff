"""Which channel carries each kind of notice, and what it says (design.md §15).

Each kind registers one ``write`` function: it loads what the notice is about and returns the
message, an ``SmsMessage`` or an ``EmailMessage``, in the recipient's language, or None when
there is nobody to send it to (no mobile, no email). The sending, claims and retries are
the same for every kind (``accounts.tasks.send_notice``). Accounts registers its own kinds
here; the activation app registers ``activated`` from its ``AppConfig.ready()``, because
accounts never imports activation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core import checks
from django.core.mail import EmailMessage

from accounts.models import AccountEvent, Notice, User
from accounts.notifications import (
    mobile_moved_email_message,
    password_changed_sms_body,
    security_change_sms_body,
)
from sms.message import SmsMessage
from sms.models import SmsPurpose

Message = SmsMessage | EmailMessage


@dataclass(frozen=True)
class NoticeKind:
    kind: str
    write: Callable[[Notice], Message | None]


_KINDS: dict[str, NoticeKind] = {}


def register(kind: str, write: Callable[[Notice], Message | None]) -> None:
    """Say how notices of ``kind`` are written; registering a kind again replaces it."""
    _KINDS[kind] = NoticeKind(kind=kind, write=write)


def kind_of(notice: Notice) -> NoticeKind:
    """The registered kind of ``notice``; a KeyError names a kind nobody registered."""
    return _KINDS[notice.kind]


def password_changed_sms(notice: Notice) -> SmsMessage | None:
    account = notice.account
    if not account.mobile:
        return None
    event = AccountEvent.objects.filter(pk=notice.subject_id).only("created_at").first()
    return SmsMessage(
        to=account.mobile,
        body=password_changed_sms_body(
            language=account.preferred_language, when=event.created_at if event else None
        ),
        purpose="password_changed",
    )


def mobile_moved_email(notice: Notice) -> EmailMessage | None:
    account: User = notice.account
    if not account.email:
        return None
    event = AccountEvent.objects.filter(pk=notice.subject_id).first()
    return mobile_moved_email_message(account=account, event=event)


def security_change_sms(notice: Notice) -> SmsMessage | None:
    """Write a ``security_changed`` notice (registered in ``accounts.notice_kinds``)."""
    account = notice.account
    event = AccountEvent.objects.filter(pk=notice.subject_id).first()
    if not account.mobile or event is None:
        return None
    body = security_change_sms_body(
        kind=event.kind,
        language=account.preferred_language,
        when=event.created_at,
        details=event.details,
    )
    return SmsMessage(to=account.mobile, body=body, purpose=SmsPurpose.SECURITY_CHANGED)


@checks.register()
def check_every_kind_has_a_writer(**kwargs: object) -> list[checks.CheckMessage]:
    """Every kind of notice can be written in this process (an app left out would leave its
    notices owed for ever)."""
    return [
        checks.Error(
            f"No app registers how to write notices of kind {kind!r}.",
            hint="Is the app that owes them (activation for 'activated') in INSTALLED_APPS?",
            id="accounts.E001",
        )
        for kind in Notice.Kind.values
        if kind not in _KINDS
    ]


def register_accounts_kinds() -> None:
    register(Notice.Kind.PASSWORD_CHANGED, password_changed_sms)
    register(Notice.Kind.MOBILE_MOVED, mobile_moved_email)
    register(Notice.Kind.SECURITY_CHANGED, security_change_sms)
