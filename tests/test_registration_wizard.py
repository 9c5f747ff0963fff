"""The registration wizard end to end through Django's test client (DESIGN §6)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import AccountEvent, AccountStatus, User
from tests.registration_driver import E164_MOBILE, VALID_ID, RegistrationDriver

pytestmark = pytest.mark.django_db


@pytest.fixture
def driver(client, sms_outbox):
    return RegistrationDriver(client, sms_outbox)


def test_full_registration_creates_pending_account(driver, sms_outbox):
    response = driver.register()
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:registration_complete")
    user = User.objects.get()
    assert user.status == AccountStatus.PENDING
    assert user.national_id == VALID_ID
    assert user.id_kind == "citizen"
    assert user.mobile == E164_MOBILE
    assert user.email == "Person@example.sa"
    assert user.username == "ahmed2024"
    assert user.preferred_language == "en"
    assert user.check_password("Tr7uMpet9Zq")
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert [e.kind for e in user.events.all()] == [AccountEvent.Kind.REGISTERED]
    assert len(sms_outbox) == 1
    assert sms_outbox[0]["to"] == E164_MOBILE
    assert sms_outbox[0]["purpose"] == "registration"
