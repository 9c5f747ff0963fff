"""Notices across the upgrade from the release before them (review of issue 12, item 6).

- A delivery record the old release wrote (its key named the event) never blocks a notice
  whose id happens to match: the new keys have their own prefix.
- A task the old release queued (``notify_password_changed``, ``notify_mobile_moved``,
  ``send_activation_sms``) sends through the notice, once, whatever ran before.
- A database error while a notice is written is retried, not given up.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core import mail
from django.db import OperationalError

from accounts import lifecycle
from accounts.models import AccountEvent, Notice
from accounts.notice_kinds import kind_of, register
from accounts.passwords import change_password
from accounts.tasks import notify_mobile_moved, notify_password_changed, send_notice
from activation.models import Bank
from activation.tasks import send_activation_sms
from sms.models import SmsDelivery, SmsStatus
from tests.activation_helpers import activate_pending_citizen
from tests.factories import make_user
from tests.people import CITIZEN_ID, MOBILE_E164, NEW_PASSWORD, OTHER_CITIZEN_ID

pytestmark = pytest.mark.django_db


@pytest.fixture
def account():
    return make_user("owner2024", OTHER_CITIZEN_ID, MOBILE_E164, preferred_language="en")


def owed_password_notice(account, capture) -> Notice:
    with capture(execute=False):  # the task is held back, as if the queue had lost it
        event = change_password(user=account, password=NEW_PASSWORD, source="account")
    return Notice.objects.get(kind=Notice.Kind.PASSWORD_CHANGED, subject_id=event.pk)


def test_an_old_release_delivery_key_never_blocks_a_notice(
    account, sms_outbox, django_capture_on_commit_callbacks
):
    notice = owed_password_notice(account, django_capture_on_commit_callbacks)
    SmsDelivery.objects.create(  # the old release's key for event number notice.pk
        recipient=MOBILE_E164,
        purpose="password_changed",
        backend="twilio",
        status=SmsStatus.DELIVERED,
        dedupe_key=f"password_changed:{notice.pk}:1",
    )

    send_notice.call(notice.pk)

    assert [sms["purpose"] for sms in sms_outbox] == ["password_changed"]
    notice.refresh_from_db()
    assert notice.sent_at is not None


def test_an_old_password_changed_task_sends_the_notice_once(
    account, sms_outbox, django_capture_on_commit_callbacks
):
    notice = owed_password_notice(account, django_capture_on_commit_callbacks)

    notify_password_changed.call(account.pk, 1, notice.subject_id)
    notify_password_changed.call(account.pk)  # the latest change, queued twice

    assert len(sms_outbox) == 1
    notice.refresh_from_db()
    assert (notice.attempts, notice.sent_at is not None) == (1, True)


def test_an_old_task_for_a_change_made_before_notices_records_and_sends_it(account, sms_outbox):
    # The old release recorded the change without a notice.
    event = lifecycle.record_event(
        account=account, kind=AccountEvent.Kind.PASSWORD_CHANGED, source="reset"
    )

    notify_password_changed.call(account.pk, 2, event.pk)
    notify_password_changed.call(account.pk, 2, event.pk)

    assert len(sms_outbox) == 1
    assert Notice.objects.get(subject_id=event.pk).kind == Notice.Kind.PASSWORD_CHANGED


def test_an_old_mobile_moved_task_sends_the_email_once(account):
    newcomer = make_user("ahmed2024", CITIZEN_ID, status="pending", email="ahmed@example.sa")
    lifecycle.account_move_mobile(from_account=account, to_account=newcomer)  # no commit hook ran

    notify_mobile_moved.call(account.pk)
    notify_mobile_moved.call(account.pk)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [account.email]


def test_an_old_activation_sms_task_sends_the_notice_once(sms_outbox):
    bank = Bank.objects.get(code="anb")
    result = activate_pending_citizen(
        bank,
        key_id="anb-upgrade",
        event_id="evt-upgrade-1",
        confirmed_at=datetime(2026, 11, 26, 9, 0, tzinfo=UTC),
    )
    notice = Notice.objects.get(kind=Notice.Kind.ACTIVATED)
    sms_outbox.clear()

    send_activation_sms.call(notice.subject_id)
    send_activation_sms.call(notice.subject_id)

    assert result.status == 200
    assert [sms["purpose"] for sms in sms_outbox] == ["activation"]


def test_a_database_error_while_writing_a_notice_is_retried_not_given_up(
    account, monkeypatch, sms_outbox, django_capture_on_commit_callbacks
):
    notice = owed_password_notice(account, django_capture_on_commit_callbacks)
    writer = kind_of(notice)

    def database_down(_notice):
        raise OperationalError("server closed the connection unexpectedly")

    register(Notice.Kind.PASSWORD_CHANGED, database_down)
    try:
        with pytest.raises(OperationalError):
            send_notice.call(notice.pk)
    finally:
        register(Notice.Kind.PASSWORD_CHANGED, writer.write)

    notice.refresh_from_db()
    assert (notice.attempts, notice.claimed_at, notice.last_error) == (1, None, "database_error")
    assert notice.retry_at is not None
    assert sms_outbox == []


def test_every_kind_of_notice_has_a_writer_and_the_check_says_when_one_is_missing():
    from accounts.notice_kinds import _KINDS, check_every_kind_has_a_writer

    assert check_every_kind_has_a_writer() == []
    kept = _KINDS.pop(Notice.Kind.ACTIVATED)
    try:
        assert [error.id for error in check_every_kind_has_a_writer()] == ["accounts.E001"]
    finally:
        _KINDS[Notice.Kind.ACTIVATED] = kept
