"""Changes to the ways a person signs in (accounts/security_changes.py): each is recorded and
told to the person by SMS, in their language, once."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts.models import AccountEvent, Notice, User
from accounts.security_changes import TOLD_KINDS, record_security_change
from accounts.tasks import send_notice
from tests.factories import make_user, sign_in_as
from tests.people import OTHER_CITIZEN_ID, OTHER_MOBILE

Kind = AccountEvent.Kind


@pytest.fixture
def account() -> User:
    return make_user("sara2024", OTHER_CITIZEN_ID, OTHER_MOBILE)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", sorted(TOLD_KINDS))
@pytest.mark.parametrize("language", ["ar", "en"])
def test_each_change_is_recorded_and_told_once_in_the_persons_language(
    account, kind, language, sms_outbox, django_capture_on_commit_callbacks
):
    account.preferred_language = language
    account.save(update_fields=["preferred_language"])
    with django_capture_on_commit_callbacks(execute=True):
        event = record_security_change(
            account=account, kind=kind, source="security", details={"device": "Chrome on Android"}
        )
    notice = Notice.objects.get(kind=Notice.Kind.SECURITY_CHANGED, subject_id=event.pk)
    send_notice.call(notice.pk)  # delivered twice: sent once

    assert [message["purpose"] for message in sms_outbox] == ["security_changed"]
    body = sms_outbox[0]["body"]
    assert sms_outbox[0]["to"] == account.mobile
    if_not_you = {
        "en": "If this was not you, contact Absher portal support at once.",
        "ar": "إذا لم تكن أنت، فتواصل مع دعم بوابة أبشر فورًا.",
    }[language]
    assert body.endswith(if_not_you)
    assert "%(" not in body


@pytest.mark.django_db
def test_a_new_sign_in_names_the_browser(account, sms_outbox, django_capture_on_commit_callbacks):
    account.preferred_language = "en"
    account.save(update_fields=["preferred_language"])
    with django_capture_on_commit_callbacks(execute=True):
        record_security_change(
            account=account,
            kind=Kind.NEW_DEVICE_SIGN_IN,
            source="signin",
            details={"device": "Firefox on Windows"},
        )
    assert "New sign-in to your Absher portal account at " in sms_outbox[0]["body"]
    assert "from Firefox on Windows." in sms_outbox[0]["body"]


@pytest.mark.django_db
def test_an_event_that_changes_no_way_to_sign_in_is_refused(account):
    with pytest.raises(ValueError, match="Not a change"):
        record_security_change(account=account, kind=Kind.SUSPENDED, source="security")
    assert not AccountEvent.objects.exists()
    assert not Notice.objects.exists()


@pytest.mark.django_db
def test_the_security_page_is_for_active_signed_in_people(client, account):
    url = reverse("security:page")
    assert client.get(url).status_code == HTTPStatus.FOUND  # to the sign-in
    sign_in_as(client, account)
    response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    assert "<h1>الأمان</h1>" in response.content.decode()  # the account's language: Arabic
