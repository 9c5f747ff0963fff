"""An activation as a bank confirms it, and the task worker that sends its SMS afterwards."""

from __future__ import annotations

from datetime import datetime

from django.core.management import call_command

from activation.models import Bank
from activation.services import ApiResult, Confirmation, activation_confirm
from tests.bank_signing import register_key
from tests.factories import make_user
from tests.people import CITIZEN_ID, MOBILE, MOBILE_E164

#: The bank's answers when the account is activated now, and when it was already.
ACTIVATED = ApiResult(200, {"status": "activated"})
ALREADY_ACTIVE = ApiResult(200, {"status": "already_active"})


def activate_pending_citizen(
    bank: Bank, *, key_id: str, event_id: str, confirmed_at: datetime
) -> ApiResult:
    """A pending account (``ahmed2024``, CITIZEN_ID, MOBILE) that ``bank`` confirms at ATM,
    signed with a key registered for it as ``key_id``."""
    key, _ = register_key(bank, key_id)
    make_user("ahmed2024", CITIZEN_ID, MOBILE, status="pending")
    return activation_confirm(
        key=key,
        confirmation=Confirmation(
            event_id=event_id,
            national_id=CITIZEN_ID,
            mobile=MOBILE_E164,
            channel="atm",
            confirmed_at=confirmed_at,
        ),
    )


def run_worker() -> None:
    """The django-tasks-db worker, once through every queue (``make worker`` runs it for ever)."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)
