"""The staff dashboard (issue 17): each figure exact on a small fixture, who may see it, both
languages, well-formed and escaped SVG, and an empty database."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from http import HTTPStatus
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import translation

from accounts.models import AccountStatus, User
from accounts.staff import charts
from accounts.staff.dashboard import accounts_by_status, registrations_per_day, sms_outcomes
from accounts.staff.dashboard_sections import duration, number, percent
from activation.dashboard import activations_by_bank_and_channel, time_to_activation
from activation.models import ActivationEvent, ActivationOutcome, Bank
from sms.models import SmsDelivery
from tests.bank_signing import register_key
from tests.factories import make_user, sign_in_as
from tests.test_admin import mobile, national_id

pytestmark = pytest.mark.django_db

RIYADH = ZoneInfo("Asia/Riyadh")
#: The dashboard's "now": midday in Riyadh on 10 January 2027.
NOW = datetime(2027, 1, 10, 12, 0, tzinfo=RIYADH)
TODAY = NOW.date()
DASHBOARD = reverse("admin:dashboard")
SVG = re.compile(r"<svg [^>]*class=\"chart .*?</svg>", re.DOTALL)


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


def account(serial: int, created_at: datetime, status: str = AccountStatus.ACTIVE) -> User:
    return User.objects.create(
        username=f"user{serial}",
        national_id=national_id(serial),
        mobile=f"+9665{serial:08d}",
        email=f"user{serial}@example.sa",
        status=status,
        created_at=created_at,
        password="!",
    )


def activation(bank: Bank, key, serial: int, user: User, *, after: timedelta, **extra) -> None:
    ActivationEvent.objects.create(
        bank=bank,
        key=key,
        event_id=f"event-{serial}",
        fingerprint=f"{serial:064d}",
        national_id=user.national_id,
        mobile=user.mobile,
        channel=extra.pop("channel", "atm"),
        confirmed_at=user.created_at + after,
        account=user,
        outcome=extra.pop("outcome", ActivationOutcome.ACTIVATED),
        response_status=200,
        response_body={},
        received_at=user.created_at + after,
    )


def sms(status: str, created_at: datetime) -> None:
    SmsDelivery.objects.create(
        recipient="+966551234567",
        purpose="registration",
        backend="locmem",
        status=status,
        created_at=created_at,
    )


@pytest.fixture
def figures(now):
    """Known registrations, states, activations and SMS outcomes (numbers in the tests)."""
    # Registrations: 2 today, 1 just after midnight in Riyadh (still 9 January in UTC: it
    # counts today), 3 on 1 January, 1 forty days ago (outside the 30 days).
    today_0030 = datetime(2027, 1, 10, 0, 30, tzinfo=RIYADH)
    made = [
        account(1, NOW - timedelta(hours=1), AccountStatus.PENDING),
        account(2, NOW - timedelta(hours=2), AccountStatus.PENDING),
        account(3, today_0030, AccountStatus.ACTIVE),
        account(4, datetime(2027, 1, 1, 9, tzinfo=RIYADH), AccountStatus.ACTIVE),
        account(5, datetime(2027, 1, 1, 10, tzinfo=RIYADH), AccountStatus.ACTIVE),
        account(6, datetime(2027, 1, 1, 23, 59, tzinfo=RIYADH), AccountStatus.EXPIRED),
        account(7, NOW - timedelta(days=40), AccountStatus.SUSPENDED),
    ]
    anb, rajhi = Bank.objects.get(code="anb"), Bank.objects.get(code="alrajhi")
    anb_key, _ = register_key(anb, "anb-1")
    rajhi_key, _ = register_key(rajhi, "rajhi-1")
    activation(anb, anb_key, 1, made[2], after=timedelta(hours=2))
    activation(anb, anb_key, 2, made[3], after=timedelta(days=2), channel="online")
    activation(rajhi, rajhi_key, 3, made[4], after=timedelta(days=5))
    # Not activations: a refusal, and an activation received before the period.
    activation(anb, anb_key, 4, made[5], after=timedelta(hours=1), outcome="mobile_mismatch")
    activation(anb, anb_key, 5, made[6], after=timedelta(days=1))
    # SMS: 5 delivered or taken, 2 not delivered, 1 unknown in the period; 1 failure before.
    for status in ("delivered", "delivered", "sent", "queued", "sending"):
        sms(status, NOW - timedelta(days=1))
    for status in ("failed", "undelivered", "unknown"):
        sms(status, NOW - timedelta(days=3))
    sms("not_sent", NOW - timedelta(days=31))
    return made


@pytest.fixture
def reviewer(db) -> User:
    user = make_user("review2024", national_id(900), mobile(900), is_staff=True)
    user.groups.add(Group.objects.get(name="reviewer"))
    return user


def open_dashboard(client, user: User, language: str):
    sign_in_as(client, user)
    client.cookies["django_language"] = language
    return client.get(DASHBOARD)


# --- The figures ------------------------------------------------------------------------------


def test_registrations_are_counted_per_riyadh_day_for_the_last_30_days(figures):
    days = registrations_per_day()

    assert len(days) == 30
    assert days[0][0] == TODAY - timedelta(days=29)
    assert days[-1] == (TODAY, 3)
    assert dict(days)[datetime(2027, 1, 1).date()] == 3
    assert sum(count for _day, count in days) == 6


def test_every_state_is_counted_even_with_no_account_in_it(figures):
    assert accounts_by_status() == {
        "pending": 2,
        "active": 3,
        "superseded": 0,
        "expired": 1,
        "suspended": 1,
    }


def test_activations_are_counted_per_bank_and_channel_most_first(figures):
    found = [(row.bank.code, row.channel, row.count) for row in activations_by_bank_and_channel()]

    assert found == [("alrajhi", "atm", 1), ("anb", "atm", 1), ("anb", "online", 1)]


def test_the_median_time_to_activation_is_over_the_periods_bank_activations(figures):
    assert time_to_activation().median == timedelta(days=2)
    assert time_to_activation().count == 3


def test_the_sms_failure_rate_is_not_delivered_over_all_sent_in_the_period(figures):
    outcomes = sms_outcomes()

    assert (outcomes.total, outcomes.accepted, outcomes.failed, outcomes.unknown) == (8, 5, 2, 1)
    assert outcomes.failure_rate == 0.25


def test_no_sms_means_no_failure_rate(now):
    assert sms_outcomes().failure_rate is None


@pytest.mark.parametrize(
    ("waited", "english", "arabic"),
    [
        (timedelta(minutes=5), "5 minutes", "5\u00a0دقائق"),
        (timedelta(hours=2, minutes=10), "2 hours", "2\u00a0ساعتان"),
        (timedelta(days=3, hours=13), "4 days", "4\u00a0أيام"),
    ],
)
def test_a_waiting_time_is_shown_in_its_natural_unit(waited, english, arabic):
    with translation.override("en"):
        assert duration(waited) == english
    with translation.override("ar"):
        assert duration(waited) == arabic


# --- The page ---------------------------------------------------------------------------------


def test_a_reviewer_sees_every_figure_in_english(client, reviewer, figures):
    response = open_dashboard(client, reviewer, "en")

    assert response.status_code == HTTPStatus.OK
    keys = [section.key for section in response.context["sections"]]
    assert keys == ["registrations", "statuses", "activations", "time_to_activation", "sms"]
    html = response.content.decode()
    assert "Registrations per day" in html
    assert "Failure rate: 25.0% of 8 SMS not delivered." in html
    assert "Half of the accounts activated in the period waited 2 days or less." in html
    assert '<th scope="row"><time datetime="2027-01-01"><bdi>1\u00a0January\u00a02027' in html


def test_a_reviewer_sees_every_figure_in_arabic_with_hijri_dates(client, reviewer, figures):
    response = open_dashboard(client, reviewer, "ar")

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert '<html lang="ar" dir="rtl"' in html
    assert "التسجيلات في كل يوم" in html
    # Hijri first, the Gregorian beside it, as everywhere in the portal.
    assert "23\u00a0رجب 1448\u00a0هـ (1\u00a0يناير\u00a02027)" in html
    assert "25,0%" in html  # Django's Arabic decimal comma


def test_the_admin_index_links_to_the_dashboard(client, reviewer):
    sign_in_as(client, reviewer)

    assert DASHBOARD.encode() in client.get(reverse("admin:index")).content


def test_someone_who_is_not_staff_is_sent_to_sign_in(client, now):
    person = make_user("person2024", national_id(901), mobile(901))
    response = open_dashboard(client, person, "en")

    assert response.status_code == HTTPStatus.FOUND
    assert "/login/" in response["Location"]


def test_staff_without_the_accounts_permission_are_refused(client, now):
    other = make_user("other2024", national_id(902), mobile(902), is_staff=True)
    other.groups.add(Group.objects.create(name="banks only"))

    assert open_dashboard(client, other, "en").status_code == HTTPStatus.FORBIDDEN
    assert DASHBOARD.encode() not in client.get(reverse("admin:index")).content


@pytest.mark.parametrize("language", ["en", "ar"])
def test_an_empty_database_renders_every_section(client, reviewer, now, language):
    response = open_dashboard(client, reviewer, language)

    assert response.status_code == HTTPStatus.OK
    assert len(response.context["sections"]) == 5


# --- The charts -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "ar"])
def test_each_chart_is_well_formed_svg_named_for_screen_readers(
    client, reviewer, figures, language
):
    html = open_dashboard(client, reviewer, language).content.decode()
    found = SVG.findall(html)

    assert len(found) == 4  # registrations, states, activations, SMS (the median has none)
    for svg in found:
        root = ET.fromstring(svg)  # noqa: S314 - our own markup
        assert root.get("role") == "img"
        title = root.find("{http://www.w3.org/2000/svg}title")
        assert title is not None and title.text
        assert root.get("aria-labelledby") == title.get("id")
        assert "style" not in svg  # the CSP allows no inline style


def test_a_label_is_escaped_in_the_chart_and_the_table(client, reviewer, figures):
    Bank.objects.filter(code="anb").update(name_en='<script>alert("x")</script> & Co')
    html = open_dashboard(client, reviewer, "en").content.decode()

    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(" in html
    for svg in SVG.findall(html):
        ET.fromstring(svg)  # noqa: S314 - still well-formed


def test_the_time_axis_runs_right_to_left_in_arabic():
    columns = ET.fromstring(charts.column_chart([1, 2, 3], name="n", rtl=True))  # noqa: S314
    xs = [float(rect.get("x")) for rect in columns.iter("{http://www.w3.org/2000/svg}rect")]

    assert xs == sorted(xs, reverse=True)  # the oldest (first) value at the right
    assert columns.get("direction") == "rtl"


def test_a_chart_of_nothing_draws_no_bar_taller_than_zero():
    columns = ET.fromstring(charts.column_chart([0, 0], name="n"))  # noqa: S314

    assert {rect.get("height") for rect in columns.iter("{http://www.w3.org/2000/svg}rect")} == {
        "0"
    }


@pytest.mark.parametrize(
    ("language", "count", "rate"), [("en", "12,345", "5.9%"), ("ar", "12345", "5,9%")]
)
def test_numbers_follow_the_languages_format_as_the_admin_does(language, count, rate):
    with translation.override(language):
        assert (number(12345), percent(0.0591)) == (count, rate)


def test_every_label_of_a_bar_chart_is_escaped():
    svg = charts.bar_chart([charts.Bar('<b>"Bank" & co</b>', 3, "<3>")], name="<name>")
    root = ET.fromstring(svg)  # noqa: S314 - our own markup

    assert [text.text for text in root.iter("{http://www.w3.org/2000/svg}text")] == [
        '<b>"Bank" & co</b>',
        "<3>",
    ]
    assert root.find("{http://www.w3.org/2000/svg}title").text == "<name>"
    assert "<b>" not in svg
