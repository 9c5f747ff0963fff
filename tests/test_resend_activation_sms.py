"""Staff send again an activation SMS that was given up (issue 17 item 6, decision 306).

The notice that was given up stays as it was; the SMS goes again as a new notice with its own
SMS records, once, and only when nothing of the earlier one may still reach the person.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import AccountEvent, Notice, User
from accounts.notices import NoticeState, state_of
from activation.models import ActivationEvent
from activation.notifications import activation_sms_body
from sms.models import SmsDelivery, SmsStatus
from tests.activation_helpers import activate_pending_citizen
from tests.factories import make_user, sign_in_as
from tests.otp_helpers import FAILING_BACKEND
from tests.people import CITIZEN_ID, OTHER_CITIZEN_ID

pytest_plugins = ["tests.bank_signing"]

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:accounts_user_changelist")
START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
REASON = "Called the support line: never got the SMS."


def activate(anb_bank, django_capture_on_commit_callbacks) -> User:
    """``ahmed2024`` activated by the bank, its activation SMS attempted at once."""
    with django_capture_on_commit_callbacks(execute=True):
        activate_pending_citizen(anb_bank, key_id="anb-1", event_id="evt-1", confirmed_at=START)
    return User.objects.get(username="ahmed2024")


@pytest.fixture
def given_up(anb_bank, settings, django_capture_on_commit_callbacks) -> User:
    """An account whose activation SMS the provider refused until the portal gave up."""
    settings.SMS_BACKEND = FAILING_BACKEND
    settings.SMS_RETRY_DELAYS_SECONDS = []  # one attempt, then given up
    account = activate(anb_bank, django_capture_on_commit_callbacks)
    assert state_of(Notice.objects.get(account=account)) == NoticeState.GIVEN_UP
    settings.SMS_BACKEND = "locmem"  # the provider works again
    return account


@pytest.fixture
def delivered(anb_bank, django_capture_on_commit_callbacks) -> User:
    account = activate(anb_bank, django_capture_on_commit_callbacks)
    assert state_of(Notice.objects.get(account=account)) == NoticeState.SENT
    return account


def resend(client, account: User, *, capture, reason: str = REASON):
    data = {"action": "resend_activation_sms", "_selected_action": [account.pk]}
    with capture(execute=True):
        return client.post(CHANGELIST, {**data, "post": "yes", "reason": reason}, follow=True)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def activation_sms(outbox) -> list[dict]:
    return [sms for sms in outbox if sms["purpose"] == "activation"]


def test_a_given_up_activation_sms_is_sent_again_as_a_new_notice(
    staff_client, superuser, given_up, sms_outbox, django_capture_on_commit_callbacks
):
    response = resend(staff_client, given_up, capture=django_capture_on_commit_callbacks)

    assert messages_of(response) == ["The activation SMS of 1 account will be sent again."]
    (sms,) = activation_sms(sms_outbox)
    event = ActivationEvent.objects.get()
    assert sms["to"] == given_up.mobile
    assert sms["body"] == activation_sms_body(event=event, language=given_up.preferred_language)
    first, again = Notice.objects.filter(account=given_up).order_by("id")
    assert state_of(first) == NoticeState.GIVEN_UP  # left as it was
    assert again.kind == Notice.Kind.ACTIVATED_AGAIN and state_of(again) == NoticeState.SENT
    records = SmsDelivery.objects.filter(purpose="activation").order_by("id")
    keys = list(records.values_list("dedupe_key", flat=True))
    assert keys == [f"notice:{first.pk}:1", f"notice:{again.pk}:1"]


def test_the_resend_is_recorded_with_the_staff_member_and_the_reason(
    staff_client, superuser, given_up, django_capture_on_commit_callbacks
):
    resend(staff_client, given_up, capture=django_capture_on_commit_callbacks)

    event = given_up.events.get(kind=AccountEvent.Kind.ACTIVATION_SMS_AGAIN)
    first = Notice.objects.get(kind=Notice.Kind.ACTIVATED)
    assert (event.actor, event.reason, event.source) == (superuser, REASON, "staff")
    assert event.details == {
        "activation_event": ActivationEvent.objects.get().pk,
        "given_up_notice": first.pk,
        "last_error": "provider_error",
    }
    assert Notice.objects.get(kind=Notice.Kind.ACTIVATED_AGAIN).subject_id == event.pk


def test_a_second_click_sends_nothing_more(
    staff_client, given_up, sms_outbox, django_capture_on_commit_callbacks
):
    resend(staff_client, given_up, capture=django_capture_on_commit_callbacks)

    response = resend(staff_client, given_up, capture=django_capture_on_commit_callbacks)

    assert messages_of(response) == [
        "Not sent again, because the activation SMS was accepted for delivery and not "
        "reported undelivered: ahmed2024."
    ]
    assert len(activation_sms(sms_outbox)) == 1
    assert Notice.objects.filter(kind=Notice.Kind.ACTIVATED_AGAIN).count() == 1
    assert given_up.events.filter(kind=AccountEvent.Kind.ACTIVATION_SMS_AGAIN).count() == 1


def test_a_resend_still_queued_is_not_sent_again(
    staff_client, given_up, database_tasks, sms_outbox, django_capture_on_commit_callbacks
):
    resend(staff_client, given_up, capture=django_capture_on_commit_callbacks)  # queued only

    response = resend(staff_client, given_up, capture=django_capture_on_commit_callbacks)

    assert messages_of(response) == [
        "Not sent again, because the activation SMS is still being sent or waits for its next "
        "attempt: ahmed2024."
    ]
    assert Notice.objects.filter(kind=Notice.Kind.ACTIVATED_AGAIN).count() == 1
    assert activation_sms(sms_outbox) == []


def test_a_resend_that_was_given_up_too_may_be_sent_again(
    staff_client, given_up, settings, sms_outbox, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = FAILING_BACKEND
    resend(staff_client, given_up, capture=django_capture_on_commit_callbacks)
    settings.SMS_BACKEND = "locmem"

    resend(staff_client, given_up, capture=django_capture_on_commit_callbacks)

    assert len(activation_sms(sms_outbox)) == 1
    events = given_up.events.filter(kind=AccountEvent.Kind.ACTIVATION_SMS_AGAIN).order_by("id")
    assert [e.details["activation_event"] for e in events] == [ActivationEvent.objects.get().pk] * 2


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            "Not sent again, because the activation SMS was accepted for delivery and not "
            "reported undelivered: ahmed2024.",
        ),
        (
            "ar",
            "لم تُرسل مرة أخرى لأن مزوّد الرسائل قَبِل رسالة التفعيل ولم يُبلَّغ عن تعذّر "
            "وصولها: ahmed2024.",
        ),
    ],
)
def test_a_delivered_activation_sms_is_refused_in_the_staff_members_language(
    staff_client, delivered, sms_outbox, language, expected, django_capture_on_commit_callbacks
):
    staff_client.cookies["django_language"] = language

    response = resend(staff_client, delivered, capture=django_capture_on_commit_callbacks)

    assert messages_of(response) == [expected]
    assert len(activation_sms(sms_outbox)) == 1  # the first one only
    assert not Notice.objects.filter(kind=Notice.Kind.ACTIVATED_AGAIN).exists()


def test_a_delivered_sms_the_carrier_reported_undelivered_may_be_sent_again(
    staff_client, delivered, sms_outbox, django_capture_on_commit_callbacks
):
    SmsDelivery.objects.filter(purpose="activation").update(status=SmsStatus.UNDELIVERED)

    resend(staff_client, delivered, capture=django_capture_on_commit_callbacks)

    assert len(activation_sms(sms_outbox)) == 2


def test_an_account_approved_by_staff_has_no_activation_sms_to_send_again(
    staff_client, sms_outbox, django_capture_on_commit_callbacks
):
    account = make_user("ahmed2024", CITIZEN_ID, "0551234567")

    response = resend(staff_client, account, capture=django_capture_on_commit_callbacks)

    assert messages_of(response) == [
        "Not sent again, because no activation SMS was ever owed (not activated by a bank): "
        "ahmed2024."
    ]
    assert sms_outbox == []


def test_the_reason_page_comes_first_and_sends_nothing(
    staff_client, given_up, sms_outbox, django_capture_on_commit_callbacks
):
    data = {"action": "resend_activation_sms", "_selected_action": [given_up.pk]}
    response = staff_client.post(CHANGELIST, data)

    assert response.status_code == 200
    assert "Send the activation SMS again" in response.content.decode()
    assert not Notice.objects.filter(kind=Notice.Kind.ACTIVATED_AGAIN).exists()
    assert activation_sms(sms_outbox) == []


def test_a_reason_is_required(staff_client, given_up, django_capture_on_commit_callbacks):
    response = resend(staff_client, given_up, capture=django_capture_on_commit_callbacks, reason="")

    assert "Give a reason" in response.content.decode()
    assert not Notice.objects.filter(kind=Notice.Kind.ACTIVATED_AGAIN).exists()


@pytest.fixture
def staff_without_the_permission(client) -> User:
    user = make_user("plain2024", OTHER_CITIZEN_ID, "0559999999", is_staff=True)
    user.user_permissions.add(
        *Group.objects.get(name="reviewer").permissions.exclude(codename="resend_activation_sms")
    )
    sign_in_as(client, user)
    client.cookies["django_language"] = "en"
    return user


def test_staff_without_the_permission_can_neither_see_nor_post_the_action(
    client, staff_without_the_permission, given_up, sms_outbox, django_capture_on_commit_callbacks
):
    listing = client.get(CHANGELIST)
    names = {name for name, _ in listing.context["action_form"].fields["action"].choices}
    assert "resend_activation_sms" not in names

    resend(client, given_up, capture=django_capture_on_commit_callbacks)

    assert not Notice.objects.filter(kind=Notice.Kind.ACTIVATED_AGAIN).exists()
    assert activation_sms(sms_outbox) == []


def test_a_reviewer_may_send_it_again(
    client, given_up, sms_outbox, django_capture_on_commit_callbacks
):
    reviewer = make_user("review2024", OTHER_CITIZEN_ID, "0559999999", is_staff=True)
    reviewer.groups.add(Group.objects.get(name="reviewer"))
    sign_in_as(client, reviewer)

    resend(client, given_up, capture=django_capture_on_commit_callbacks)

    assert len(activation_sms(sms_outbox)) == 1
    event = given_up.events.get(kind=AccountEvent.Kind.ACTIVATION_SMS_AGAIN)
    assert event.actor == reviewer
