"""`make worker`: production queues SMS in the database and the django-tasks-db worker sends them.

The bank's request only commits the activation and a queued task (ids only); the worker, a
separate command, sends the SMS afterwards, once, however many times it runs.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from activation.models import ActivationEvent
from activation.services import Confirmation, activation_confirm
from tests.bank_signing import register_key
from tests.factories import make_user
from tests.people import CITIZEN_ID, MOBILE, MOBILE_E164

# The fixture anb_bank.
pytest_plugins = ["tests.bank_signing"]

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)


def test_activation_sms_waits_for_the_worker_and_is_sent_once(anb_bank, sms_outbox):
    key, _ = register_key(anb_bank, "anb-worker-1")
    account = make_user("ahmed2024", CITIZEN_ID, MOBILE, status="pending")
    result = activation_confirm(
        key=key,
        confirmation=Confirmation(
            event_id="evt-worker-1",
            national_id=CITIZEN_ID,
            mobile=MOBILE_E164,
            channel="atm",
            confirmed_at=datetime(2026, 11, 26, 9, 0, tzinfo=UTC),
        ),
    )
    assert result.body == {"status": "activated"}
    assert sms_outbox == [], "the web request must not send the SMS itself"
    queued = DBTaskResult.objects.get()
    assert queued.status == "READY"
    event = ActivationEvent.objects.get()
    assert json.loads(json.dumps(queued.args_kwargs)) == {"args": [event.pk], "kwargs": {}}
    assert CITIZEN_ID not in json.dumps(queued.args_kwargs)

    run_worker()
    run_worker()

    assert [(m["to"], m["purpose"]) for m in sms_outbox] == [(account.mobile, "activation")]
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL"
