"""`make worker`: production queues SMS in the database and the django-tasks-db worker sends them.

The bank's request only commits the activation and a queued task (ids only); the worker, a
separate command, sends the SMS afterwards, once, however many times it runs.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django_tasks_db.models import DBTaskResult

from accounts.models import Notice, User
from activation.models import ActivationEvent
from tests.activation_helpers import activate_pending_citizen, run_worker
from tests.people import CITIZEN_ID

# The fixture anb_bank.
pytest_plugins = ["tests.bank_signing"]

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("database_tasks"),
]


def test_activation_sms_waits_for_the_worker_and_is_sent_once(anb_bank, sms_outbox):
    result = activate_pending_citizen(
        anb_bank,
        key_id="anb-worker-1",
        event_id="evt-worker-1",
        confirmed_at=datetime(2026, 11, 26, 9, 0, tzinfo=UTC),
    )
    account = User.objects.get(national_id=CITIZEN_ID)
    assert result.body == {"status": "activated"}
    assert sms_outbox == [], "the web request must not send the SMS itself"
    queued = DBTaskResult.objects.get()
    assert queued.status == "READY"
    event = ActivationEvent.objects.get()
    notice = Notice.objects.get(kind=Notice.Kind.ACTIVATED, subject_id=event.pk)
    assert queued.task_path == "accounts.tasks.send_notice"
    assert json.loads(json.dumps(queued.args_kwargs)) == {"args": [notice.pk], "kwargs": {}}
    assert CITIZEN_ID not in json.dumps(queued.args_kwargs)

    run_worker()
    run_worker()

    assert [(m["to"], m["purpose"]) for m in sms_outbox] == [(account.mobile, "activation")]
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL"
