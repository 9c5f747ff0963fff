"""A bank changes its key without a moment refused (issue 17 item 5; docs/runbooks/bank-key.md).

A bank may hold any number of active keys (``BankKey`` rows; the ``keyid`` of each signature
picks one), so a change is: register the new public key, let the bank switch at its own pace
while both are accepted, then revoke the old one. These tests follow the runbook's commands.
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.models import AccountStatus
from activation.keys import load_private_key
from activation.models import ActivationEvent
from tests.bank_signing import BankSigner, payload, register_key
from tests.factories import make_user
from tests.people import (
    CITIZEN_ID,
    MOBILE,
    MOBILE_E164,
    OTHER_CITIZEN_ID,
    OTHER_MOBILE,
    OTHER_MOBILE_E164,
)

pytest_plugins = ["tests.bank_signing"]

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def run(command: str, *args: str) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def old_signer(anb_bank, api_origin) -> BankSigner:
    key, private_key = register_key(anb_bank, "anb-2025-01")
    return BankSigner(key_id=key.key_id, private_key=private_key, origin=api_origin)


@pytest.fixture
def new_signer(anb_bank, api_origin, tmp_path: Path, old_signer) -> BankSigner:
    """The bank's new key, made and registered as the runbook says (``bank_keygen`` at the
    bank, ``add_bank_key`` at the portal), while the old one stays active."""
    private, public = tmp_path / "anb-2026-01.key", tmp_path / "anb-2026-01.pub"
    run("bank_keygen", "--out-private", str(private), "--out-public", str(public))
    run("add_bank_key", "--bank=anb", f"--public-key={public}", "--key-id=anb-2026-01")
    private_key = load_private_key(private.read_bytes())
    return BankSigner(key_id="anb-2026-01", private_key=private_key, origin=api_origin)


def two_pending_people():
    return (
        make_user("first2024", CITIZEN_ID, MOBILE, status=AccountStatus.PENDING),
        make_user("second2024", OTHER_CITIZEN_ID, OTHER_MOBILE, status=AccountStatus.PENDING),
    )


def test_during_the_overlap_the_old_and_the_new_key_are_both_accepted(
    old_signer, new_signer, sms_outbox
):
    two_pending_people()

    by_old = old_signer.post(payload(national_id=CITIZEN_ID, mobile=MOBILE_E164))
    by_new = new_signer.post(payload(national_id=OTHER_CITIZEN_ID, mobile=OTHER_MOBILE_E164))

    assert by_old.status_code == 200, by_old.text
    assert by_new.status_code == 200, by_new.text
    keys = dict(ActivationEvent.objects.values_list("account__username", "key__key_id"))
    assert keys == {"first2024": "anb-2025-01", "second2024": "anb-2026-01"}


def test_once_the_old_key_is_revoked_only_the_new_one_is_accepted(
    old_signer, new_signer, sms_outbox
):
    two_pending_people()

    out = run("revoke_bank_key", "--key-id=anb-2025-01", "--language=en")

    assert "Revoked key anb-2025-01" in out
    by_old = old_signer.post(payload(national_id=CITIZEN_ID, mobile=MOBILE_E164))
    assert by_old.status_code == 401
    assert by_old.json()["reason"] == "unknown_key"
    by_new = new_signer.post(payload(national_id=CITIZEN_ID, mobile=MOBILE_E164))
    assert by_new.status_code == 200, by_new.text
