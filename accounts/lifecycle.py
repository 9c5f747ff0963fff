"""The one place that changes an account's status or moves its mobile number (design.md §7).

Every change writes an ``AccountEvent`` in the same transaction; a notice the person is owed
is written in that transaction too (``accounts.notices``) and sent after commit. A change that
leaves the account unable to sign in (suspended, rejected, expired, superseded) sends
:data:`sign_in_closed` after commit, and the keeper of the signed-in sessions (the security
app) ends every one of them: accounts need not import it.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from absher_portal.request_id import current_request_id
from accounts.models import AccountEvent, AccountStatus, Notice, User
from accounts.notices import owe

Kind = AccountEvent.Kind
logger = logging.getLogger(__name__)

#: Sent after the commit of a status change that leaves an account unable to sign in, with
#: ``account_id``: its sessions must end, however they were signed in (design.md §19).
sign_in_closed = Signal()

#: (from status, to status) → the events that may record that move; the first is the default.
TRANSITIONS: dict[tuple[str, str], tuple[str, ...]] = {
    (AccountStatus.PENDING, AccountStatus.ACTIVE): (Kind.ACTIVATED, Kind.APPROVED),
    (AccountStatus.PENDING, AccountStatus.SUPERSEDED): (Kind.SUPERSEDED,),
    (AccountStatus.PENDING, AccountStatus.EXPIRED): (Kind.EXPIRED, Kind.REJECTED),
    (AccountStatus.ACTIVE, AccountStatus.SUSPENDED): (Kind.SUSPENDED,),
    (AccountStatus.SUSPENDED, AccountStatus.ACTIVE): (Kind.REINSTATED,),
}


class TransitionNotAllowed(Exception):
    """The account is not in a state from which the requested change is allowed."""

    def __init__(self, account: User, to_status: str) -> None:
        super().__init__(f"account {account.pk}: {account.status} -> {to_status} not allowed")
        self.account = account
        self.to_status = to_status


def record_event(
    *,
    account: User,
    kind: str,
    source: str,
    from_status: str = "",
    to_status: str = "",
    actor: User | None = None,
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> AccountEvent:
    """Append one event to the account's history (and one line, ids only, to the log)."""
    logger.info(
        "account %s: %s (%s%s) by %s",
        account.pk,
        kind,
        from_status or "-",
        f" -> {to_status}" if to_status else "",
        source,
    )
    return AccountEvent.objects.create(
        account=account,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        source=source,
        actor=actor,
        reason=reason,
        request_id=current_request_id(),
        details=details or {},
    )


def account_change_status(
    *,
    account: User,
    to_status: str,
    source: str,
    kind: str | None = None,
    actor: User | None = None,
    reason: str = "",
    details: dict[str, Any] | None = None,
    already_locked: bool = False,
) -> AccountEvent:
    """Move ``account`` to ``to_status`` if the lifecycle allows it, and record why.

    The row is re-read under a lock so two racing changes cannot both apply. A caller that
    read ``account`` with ``select_for_update()`` in the current transaction says
    ``already_locked=True``: its copy is then current, and the re-read (a round trip on the
    bank's activation path) and the savepoint are skipped.
    """
    # A caller that locked the row holds the transaction: its copy is current and no savepoint
    # is taken (two round trips on the bank's activation path). The transition is checked
    # before the block, so a refusal leaves that transaction usable.
    if already_locked:
        kind = _allowed_kind(account, to_status, kind)
    with transaction.atomic(savepoint=not already_locked):
        locked = account if already_locked else User.objects.select_for_update().get(pk=account.pk)
        if not already_locked:
            kind = _allowed_kind(locked, to_status, kind)
        from_status = locked.status
        locked.status = to_status
        locked.status_changed_at = timezone.now()
        locked.save(update_fields=["status", "status_changed_at", "updated_at"])
        account.status, account.status_changed_at = locked.status, locked.status_changed_at
        if not locked.is_active:
            _close_sign_in_after_commit(locked.pk)
        return record_event(
            account=locked,
            kind=kind,
            source=source,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            reason=reason,
            details=details,
        )


def _allowed_kind(account: User, to_status: str, kind: str | None) -> str:
    """The event kind of moving ``account`` to ``to_status``; TransitionNotAllowed if none."""
    allowed = TRANSITIONS.get((account.status, to_status), ())
    kind = kind or (allowed[0] if allowed else None)
    if kind not in allowed:
        raise TransitionNotAllowed(account, to_status)
    return kind


def _close_sign_in_after_commit(account_id: int) -> None:
    """Send :data:`sign_in_closed` once the change is committed: a rolled-back suspension
    signs nobody out. From the commit on, the authentication backend refuses the account on
    each session's next request anyway; the receiver deletes the sessions themselves."""
    transaction.on_commit(
        lambda: sign_in_closed.send(sender=User, account_id=account_id), robust=True
    )


def account_supersede(*, account: User) -> AccountEvent:
    """Retire a pending account because a newer registration for the same ID is completing.

    The new account's ``registered`` event lists the accounts it superseded.
    """
    return account_change_status(
        account=account, to_status=AccountStatus.SUPERSEDED, source="registration"
    )


def _staff_change(
    *, account: User, actor: User, reason: str, to_status: str, kind: str
) -> AccountEvent:
    if not reason.strip():
        raise ValueError("Staff changes need a reason.")
    return account_change_status(
        account=account,
        to_status=to_status,
        kind=kind,
        source="staff",
        actor=actor,
        reason=reason.strip(),
    )


def account_approve(*, account: User, actor: User, reason: str) -> AccountEvent:
    """Activate a pending account without a bank confirmation (staff review)."""
    return _staff_change(
        account=account,
        actor=actor,
        reason=reason,
        to_status=AccountStatus.ACTIVE,
        kind=Kind.APPROVED,
    )


def account_reject(*, account: User, actor: User, reason: str) -> AccountEvent:
    """Close a pending account staff will not let be activated; the person may register again."""
    return _staff_change(
        account=account,
        actor=actor,
        reason=reason,
        to_status=AccountStatus.EXPIRED,
        kind=Kind.REJECTED,
    )


def account_suspend(*, account: User, actor: User, reason: str) -> AccountEvent:
    return _staff_change(
        account=account,
        actor=actor,
        reason=reason,
        to_status=AccountStatus.SUSPENDED,
        kind=Kind.SUSPENDED,
    )


def account_reinstate(*, account: User, actor: User, reason: str) -> AccountEvent:
    return _staff_change(
        account=account,
        actor=actor,
        reason=reason,
        to_status=AccountStatus.ACTIVE,
        kind=Kind.REINSTATED,
    )


@transaction.atomic
def account_move_mobile(*, from_account: User, to_account: User) -> None:
    """Give ``from_account``'s mobile number to ``to_account`` (the seed's rule, design.md §4).

    Both accounts keep an event; the previous owner is owed an email, sent after commit in
    their own language, because they may not have made this registration.
    """

    mobile = from_account.mobile
    from_account.mobile = ""
    from_account.save(update_fields=["mobile", "updated_at"])
    to_account.mobile = mobile
    to_account.save(update_fields=["mobile", "updated_at"])
    released = record_event(
        account=from_account,
        kind=Kind.MOBILE_RELEASED,
        source="registration",
        details={"to_account": to_account.pk},
    )
    record_event(
        account=to_account,
        kind=Kind.MOBILE_RECEIVED,
        source="registration",
        details={"from_account": from_account.pk},
    )
    owe(kind=Notice.Kind.MOBILE_MOVED, account=from_account, subject_id=released.pk)
