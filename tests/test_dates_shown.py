"""Where people meet a date (issue 14, item 6): pages, SMS, email and the admin.

English reads the GOV.UK way ("1 April 2026", "1:30am on 2 March 2026"); Arabic gives the
Umm al-Qura Hijri date with the Gregorian one beside it, in Arabic word order, with ص/م.
Pages hold each date together with no-break spaces (tests/test_dates.py); here they are read
as plain spaces. Every time is Riyadh time (START is 22:30 UTC on 1 March: 01:30 on 2 March
in Riyadh, which is 13 Ramadan 1447; 30 days later, 1 April, is 13 Shawwal 1447).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from accounts.lifecycle import record_event
from accounts.models import AccountEvent, AccountStatus, User
from accounts.notifications import mobile_moved_email_message
from activation.keys import generate_private_key, public_key_pem
from activation.models import Bank, BankKey
from activation.services import Confirmation, activation_confirm
from tests.factories import make_user, sign_in_as
from tests.people import CITIZEN_ID, MOBILE, OTHER_CITIZEN_ID, OTHER_MOBILE, PASSWORD

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 1, 22, 30, tzinfo=UTC)
NEW_PASSWORD = "Qv7rTz3Lp9Wd"

EXPIRY = {"en": "1 April 2026", "ar": "13 شوال 1447 هـ (1 إبريل 2026)"}
MOMENT = {"en": "1:30am on 2 March 2026", "ar": "13 رمضان 1447 هـ (2 مارس 2026)، الساعة 1:30 ص"}
#: What the pages said before: US order in English, Gregorian only in Arabic.
OLD = {"en": ["April 1, 2026", "March 2, 2026"], "ar": ["1 إبريل، 2026", "2 مارس، 2026"]}


@pytest.fixture
def at_start(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def text_of(response) -> str:
    """The page, no-break spaces read as spaces."""
    return response.content.decode().replace("\xa0", " ")


def signed_in(user: User, language: str) -> Client:
    client = Client()
    client.cookies["django_language"] = language
    sign_in_as(client, user)
    return client


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_status_page_gives_the_expiry_date_the_persons_way(at_start, language):
    pending = make_user("ahmed2024", CITIZEN_ID, MOBILE, status=AccountStatus.PENDING)

    html = text_of(signed_in(pending, language).get(reverse("accounts:status")))

    assert f'<time datetime="2026-04-01"><bdi>{EXPIRY[language]}</bdi></time>' in html
    assert html.count(EXPIRY[language]) == 2  # in the sentence and in the summary list
    for old in OLD[language]:
        assert old not in html


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_account_page_gives_times_in_riyadh_the_persons_way(at_start, language):
    account = make_user("ahmed2024", CITIZEN_ID, MOBILE)
    record_event(account=account, kind=AccountEvent.Kind.REGISTERED, source="registration")

    html = text_of(signed_in(account, language).get(reverse("accounts:account")))

    element = f'<time datetime="2026-03-02T01:30:00+03:00"><bdi>{MOMENT[language]}</bdi></time>'
    assert html.count(element) == 2  # the last sign-in and the registration event
    assert '<span dir="ltr">01:30</span>' not in html  # the old 24-hour time
    for old in OLD[language]:
        assert old not in html


@pytest.mark.parametrize(
    ("language", "text"),
    [("en", "after <time"), ("ar", "بعد <time")],
)
def test_the_429_page_gives_the_time_on_a_12_hour_clock(at_start, language, text):
    retry_at = timezone.localtime() + timezone.timedelta(minutes=15)  # 01:45 in Riyadh
    with translation.override(language):
        html = render_to_string("429.html", {"message": "", "retry_at": retry_at})
    html = html.replace("\xa0", " ")
    shown = {"en": "1:45am", "ar": "1:45 ص"}[language]
    assert f'{text} datetime="2026-03-02T01:45:00+03:00"><bdi>{shown}</bdi></time>' in html


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Your Absher portal password was changed at 1:30am on 2 March 2026."),
        ("ar", "تم تغيير كلمة المرور لحسابك في بوابة أبشر بتاريخ " + MOMENT["ar"] + "."),
    ],
)
def test_the_password_changed_sms_says_when(
    at_start, sms_outbox, django_capture_on_commit_callbacks, language, expected
):
    account = make_user("ahmed2024", CITIZEN_ID, MOBILE, preferred_language=language)
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(account, "en").post(
            reverse("accounts:change_password"),
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )
    assert response.status_code == 302
    [sms] = sms_outbox
    assert sms["body"].startswith(expected)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "activated through Arab National Bank (ATM) at 1:30am on 2 March 2026."),
        ("ar", "بتأكيد من البنك العربي الوطني (الصراف الآلي) بتاريخ " + MOMENT["ar"] + "."),
    ],
)
def test_the_activation_sms_says_when(
    at_start, sms_outbox, django_capture_on_commit_callbacks, language, expected
):
    account = make_user(
        "ahmed2024", CITIZEN_ID, MOBILE, status=AccountStatus.PENDING, preferred_language=language
    )
    public = public_key_pem(generate_private_key().public_key())
    key = BankKey.objects.create(
        bank=Bank.objects.get(code="anb"), key_id="anb-dates", public_key_pem=public
    )
    confirmation = Confirmation(
        event_id="evt-dates",
        national_id=account.national_id,
        mobile=account.mobile,
        channel="atm",
        confirmed_at=timezone.now(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert activation_confirm(key=key, confirmation=confirmation).body == {
            "status": "activated"
        }
    [sms] = sms_outbox
    assert expected in sms["body"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "This happened at 1:30am on 2 March 2026 (Riyadh time)."),
        ("ar", "حدث ذلك بتاريخ " + MOMENT["ar"] + " بتوقيت الرياض."),
    ],
)
def test_the_mobile_moved_email_says_when(at_start, language, expected):
    account = make_user("ahmed2024", CITIZEN_ID, MOBILE, preferred_language=language)
    event = record_event(
        account=account, kind=AccountEvent.Kind.MOBILE_RELEASED, source="registration"
    )
    message = mobile_moved_email_message(account=account, event=event)
    assert expected in message.body


# --- The admin ----------------------------------------------------------------------------------


@pytest.fixture
def arabic_staff(client):
    staff = User.objects.create_superuser(
        "boss2024x", OTHER_CITIZEN_ID, OTHER_MOBILE, "boss@example.sa", PASSWORD
    )
    sign_in_as(client, staff)
    client.cookies["django_language"] = "ar"
    return client


def test_the_arabic_admin_reads_dates_in_arabic_word_order(at_start, arabic_staff):
    account = make_user("ahmed2024", CITIZEN_ID, MOBILE, status=AccountStatus.PENDING)
    record_event(account=account, kind=AccountEvent.Kind.REGISTERED, source="registration")

    html = text_of(arabic_staff.get(reverse("admin:accounts_accountevent_changelist")))

    assert f"<bdi>{MOMENT['ar']}</bdi>" in html  # Hijri first, as on the person's pages
    assert "مارس 2, 2026" not in html


def test_the_arabic_admin_shows_hijri_where_a_reviewer_needs_the_date(at_start, arabic_staff):
    account = make_user("ahmed2024", CITIZEN_ID, MOBILE, status=AccountStatus.PENDING)

    listing = text_of(arabic_staff.get(reverse("admin:accounts_user_changelist")))
    detail = text_of(arabic_staff.get(reverse("admin:accounts_user_change", args=[account.pk])))

    assert "<bdi>13 رمضان 1447 هـ (2 مارس 2026)</bdi>" in listing
    assert f"<bdi>{MOMENT['ar']}</bdi>" in detail  # registered
    assert f"<bdi>{EXPIRY['ar']}</bdi>" in detail  # activate by


def test_the_english_admin_reads_dates_the_british_way(at_start, staff_client):
    account = make_user("ahmed2024", CITIZEN_ID, MOBILE, status=AccountStatus.PENDING)
    record_event(account=account, kind=AccountEvent.Kind.REGISTERED, source="registration")

    html = staff_client.get(reverse("admin:accounts_accountevent_changelist")).content.decode()

    assert f"<bdi>{MOMENT['en']}</bdi>" in html
    assert "March 2, 2026" not in html


# --- SMS length budgets -------------------------------------------------------------------------

#: Characters of one SMS: GSM-7 (English) fits 160 in one part; UCS-2 (Arabic) 67 a part.
ENGLISH_ONE_PART = 160
ARABIC_THREE_PARTS = 3 * 67


def longest_moment_bodies(language: str) -> tuple[str, str]:
    """The longest password-changed and activation SMS over a year of dates, at 10:26pm, with
    the longest seeded bank and channel names."""
    from datetime import timedelta

    from accounts.notifications import password_changed_sms_body
    from activation.models import ActivationChannel, ActivationEvent
    from activation.notifications import activation_sms_body

    with translation.override(language):
        bank = max(Bank.objects.all(), key=lambda bank: len(bank.name))
        channel = max(ActivationChannel.kind.field.choices, key=lambda choice: len(str(choice[1])))[
            0
        ]
    moments = [datetime(2026, 1, 1, 19, 26, tzinfo=UTC) + timedelta(days=n) for n in range(366)]
    changed = max(
        (password_changed_sms_body(language=language, when=moment) for moment in moments), key=len
    )
    activated = max(
        (
            activation_sms_body(
                event=ActivationEvent(bank=bank, channel=channel, received_at=moment),
                language=language,
            )
            for moment in moments
        ),
        key=len,
    )
    return changed, activated


def test_english_sms_with_a_date_stay_in_one_gsm_part():
    for body in longest_moment_bodies("en"):
        assert len(body) <= ENGLISH_ONE_PART, body
        assert body.isascii() and "\xa0" not in body  # no character that forces UCS-2


def test_arabic_sms_with_a_date_stay_within_three_parts():
    for body in longest_moment_bodies("ar"):
        assert len(body) <= ARABIC_THREE_PARTS, (len(body), body)
