"""The "your password was changed" SMS is sent at most once per change (and per retry).

Its task has no row of its own to claim: the SMS record is inserted first under the unique key
``password_changed:<event>:<attempt>``, so a task run twice, or by two workers at once, sends
one SMS.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

import pytest
from django.db import connection
from django.urls import reverse

from accounts.lifecycle import record_event
from accounts.models import AccountEvent, User
from accounts.tasks import notify_password_changed
from sms.message import SmsError
from sms.models import SmsDelivery, SmsStatus
from tests.factories import make_user
from tests.otp_helpers import FAILING_BACKEND
from tests.people import NEW_PASSWORD, OTHER_CITIZEN_ID, OTHER_MOBILE, PASSWORD
from tests.race_helpers import race


@pytest.fixture
def account() -> User:
    return make_user("sara2024", OTHER_CITIZEN_ID, OTHER_MOBILE)


def change_password(account: User) -> AccountEvent:
    return record_event(account=account, kind=AccountEvent.Kind.PASSWORD_CHANGED, source="account")


@pytest.mark.django_db
def test_a_change_on_the_account_page_sends_one_notice_even_if_its_task_runs_again(
    client, account, sms_outbox, django_capture_on_commit_callbacks
):
    client.force_login(account)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:change_password"),
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )
    assert response.status_code == HTTPStatus.FOUND
    assert len(sms_outbox) == 1

    notify_password_changed.call(account.pk)  # the queue delivers the task a second time

    assert [m["purpose"] for m in sms_outbox] == ["password_changed"]
    event = account.events.get(kind=AccountEvent.Kind.PASSWORD_CHANGED)
    assert SmsDelivery.objects.get().dedupe_key == f"password_changed:{event.pk}:1"


@pytest.mark.django_db
def test_each_change_gets_its_notice(account, sms_outbox):
    change_password(account)
    notify_password_changed.call(account.pk)
    change_password(account)
    notify_password_changed.call(account.pk)

    assert len(sms_outbox) == 2


@pytest.mark.django_db
def test_a_failed_attempt_run_again_sends_nothing_and_its_retry_sends_once(
    account, settings, sms_outbox
):
    event = change_password(account)
    settings.SMS_BACKEND = FAILING_BACKEND
    with pytest.raises(SmsError):
        notify_password_changed.call(account.pk)

    settings.SMS_BACKEND = "locmem"
    notify_password_changed.call(account.pk)  # attempt 1 again: already made
    assert sms_outbox == []
    notify_password_changed.call(account.pk, 2, event.pk)
    notify_password_changed.call(account.pk, 2, event.pk)

    assert len(sms_outbox) == 1
    assert list(SmsDelivery.objects.order_by("id").values_list("status", flat=True)) == [
        SmsStatus.FAILED,
        SmsStatus.SENT,
    ]


@pytest.mark.django_db
def test_without_a_password_change_nothing_is_sent(account, sms_outbox, caplog):
    with caplog.at_level(logging.ERROR, logger="accounts.tasks"):
        notify_password_changed.call(account.pk)

    assert sms_outbox == []
    assert "no such change" in caplog.text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_workers_running_the_same_notice_at_once_send_one_sms(account, sms_outbox):
    change_password(account)
    outcomes = race([lambda: notify_password_changed.call(account.pk)] * 8)

    assert [o for o in outcomes if isinstance(o, BaseException)] == []
    assert len(sms_outbox) == 1
    assert SmsDelivery.objects.count() == 1
