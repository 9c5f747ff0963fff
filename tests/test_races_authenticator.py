"""The same second-factor code sent twice at the same moment (design.md §12, §19), on PostgreSQL:
two threads, each on its own connection, released together. One app code, one recovery code:
each is accepted once. Sixteen threads asking for an account's first recovery codes make one
set."""

from __future__ import annotations

from collections import Counter

import pytest

from accounts.models import AccountEvent
from authenticator import recovery_codes, totp
from authenticator.models import RecoveryCode
from tests.authenticator_helpers import make_codes, set_up_app
from tests.factories import make_user
from tests.people import CITIZEN_ID, MOBILE
from tests.race_helpers import RACE_MARKS, THREADS, race

pytestmark = RACE_MARKS


@pytest.fixture
def account():
    return make_user("Ahmed2024", CITIZEN_ID, MOBILE)


def test_one_app_code_sent_twice_at_once_is_accepted_once(account, frozen):
    app = set_up_app(account)
    frozen.shift(totp.STEP_SECONDS)
    code = app.now()
    outcomes = race([lambda: totp.app_code_check(user=account, code=code)] * 2)
    assert Counter(outcomes) == Counter({totp.Check.ACCEPTED: 1, totp.Check.USED: 1})


def test_one_recovery_code_sent_twice_at_once_is_used_once(account):
    code = make_codes(account)[0]
    outcomes = race([lambda: recovery_codes.recovery_code_use(user=account, typed=code)] * 2)
    assert Counter(outcomes) == Counter({9: 1, None: 1})
    assert AccountEvent.objects.filter(account=account, kind="recovery_code_used").count() == 1


def test_first_recovery_codes_asked_for_at_once_are_made_once(account):
    outcomes = race([lambda: recovery_codes.first_recovery_codes(user=account)] * THREADS)
    made = [outcome for outcome in outcomes if outcome is not None]
    assert len(made) == 1 and len(made[0]) == recovery_codes.COUNT
    assert RecoveryCode.objects.filter(user=account).count() == recovery_codes.COUNT
    assert AccountEvent.objects.filter(account=account, kind="recovery_codes_new").count() == 1
