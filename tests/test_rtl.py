"""Right to left done properly (issue 14, items 4, 10 and 11): lists, numbers, quotes, the admin.

Each label-value list is GOV.UK's summary list (``<dl>`` of rows of ``<dt>`` and ``<dd>``),
numbers, emails, usernames and mobiles isolated left to right; code pages show the mobile as
the person typed it, masked; the Arabic catalogue uses Arabic quotation marks and isolates
left-to-right tokens; the admin speaks Arabic, the task queue's app and the event sources
included. The layout itself is measured in Chromium (tests/e2e/test_summary_lists.py).
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import polib
import pytest
from django.apps import apps as django_apps
from django.test import Client
from django.urls import reverse

from absher_portal.masking import mask_mobile_local
from accounts.lifecycle import record_event
from accounts.models import AccountEvent, AccountStatus
from accounts.tasks import send_notice
from activation.models import ActivationChannel
from tests.factories import make_user, sign_in_as
from tests.people import CITIZEN_ID, MOBILE, MOBILE_E164
from tests.registration_driver import RegistrationDriver, step_url

pytestmark = pytest.mark.django_db

CATALOGUE = Path(__file__).resolve().parent.parent / "locale/ar/LC_MESSAGES/django.po"
LOCAL_MASKED = "05• ••• •567"  # MOBILE, 0551234567


def row(key: str, value: str) -> str:
    return (
        f'<div class="summary-list-row"><dt class="summary-list-key">{key}</dt>'
        f'<dd class="summary-list-value">{value}</dd></div>'
    )


def ltr(value: str) -> str:
    return f'<bdi dir="ltr">{value}</bdi>'


def signed_in(user, language: str) -> Client:
    client = Client()
    client.cookies["django_language"] = language
    sign_in_as(client, user)
    return client


def test_a_mobile_is_shown_as_typed_and_masked_as_the_portal_masks():
    assert mask_mobile_local(MOBILE_E164) == LOCAL_MASKED
    assert mask_mobile_local("+447700900123") == "+447••••••123"  # not Saudi: international


def test_the_account_page_lists_details_as_a_summary_list_values_left_to_right():
    user = make_user("ahmed2024", CITIZEN_ID, MOBILE)
    html = signed_in(user, "ar").get(reverse("accounts:account")).content.decode()

    assert '<dl class="summary-list">' in html
    assert row("رقم الهوية / الإقامة", ltr("10••••••08")) in html
    assert row("رقم الجوال", ltr(LOCAL_MASKED)) in html
    assert row("البريد الإلكتروني", ltr(user.email)) in html
    assert row("اسم المستخدم", ltr("ahmed2024")) in html
    assert "+966" not in html and 'dd dir="ltr"' not in html


def test_the_status_page_lists_details_as_a_summary_list():
    user = make_user("ahmed2024", CITIZEN_ID, MOBILE, status=AccountStatus.PENDING)
    html = signed_in(user, "ar").get(reverse("accounts:status")).content.decode()

    assert row("اسم المستخدم", ltr("ahmed2024")) in html
    assert row("رقم الهوية / الإقامة", ltr("10••••••08")) in html
    assert '<dt class="summary-list-key">تاريخ انتهاء مهلة التفعيل</dt>' in html or (
        html.count('class="summary-list-row"') == 4
    )


def test_the_created_page_and_the_code_page_show_the_mobile_as_typed(client, sms_outbox):
    client.cookies["django_language"] = "ar"
    driver = RegistrationDriver(client, sms_outbox)
    driver.identity_step()
    driver.account_step()
    code_page = client.get(step_url("verify")).content.decode()
    assert ltr(LOCAL_MASKED) in code_page
    assert MOBILE_E164 not in code_page and MOBILE not in code_page

    created = client.get(driver.verify_step()["Location"]).content.decode()
    assert row("اسم المستخدم", ltr("ahmed2024")) in created
    assert row("رقم الهوية / الإقامة", ltr("10••••••08")) in created


def test_the_contact_details_are_a_summary_list_with_links(client):
    html = client.get(reverse("pages:contact")).content.decode()
    assert '<dl class="summary-list">' in html
    assert re.search(r'<dd class="summary-list-value"><a href="tel:[^"]+"><bdi dir="ltr">', html)


# --- The catalogue -------------------------------------------------------------------------


def arabic_entries() -> list[tuple[str, str]]:
    entries = []
    for entry in polib.pofile(str(CATALOGUE)):
        texts = [entry.msgstr, *entry.msgstr_plural.values()]
        entries += [(entry.msgid, text) for text in texts if text]
    return entries


def test_arabic_texts_quote_with_arabic_marks_never_english_curly_quotes():
    """English “…” reads reversed in Arabic (”aaaa“); Arabic quotes with «…»."""
    curly = [(msgid, text) for msgid, text in arabic_entries() if re.search("[“”‘’]", text)]
    assert curly == []


def test_left_to_right_tokens_in_arabic_texts_are_isolated():
    """05XXXXXXXX, 05… and +966 keep their order, and the full stop after them its side."""
    loose = [
        text
        for _, text in arabic_entries()
        for token in re.findall(r"\S*(?:05XXXXXXXX|05…|\+966)\S*", text)
        if not token.lstrip("(").startswith("\u2066")
    ]
    assert loose == []


def test_the_seeded_bank_channel_steps_quote_with_arabic_marks():
    """The seeded channels' Arabic steps quoted menu names with “…” (activation 0002)."""
    steps = list(ActivationChannel.objects.values_list("steps_ar", flat=True))
    assert steps
    assert [text for text in steps if re.search("[“”‘’]", text)] == []
    assert any("«" in text and "»" in text for text in steps)


def test_the_quotes_migration_changes_only_the_steps_still_as_seeded():
    """Steps an operator has edited since are theirs: the migration leaves them as they are."""
    migration = importlib.import_module("activation.migrations.0012_arabic_quotes_in_channel_steps")
    seeded = ActivationChannel.objects.get(bank__code="anb", kind="atm")
    seeded.steps_ar = migration.SEEDED_CURLY[("anb", "atm")]
    seeded.save()
    edited = ActivationChannel.objects.get(bank__code="alrajhi", kind="atm")
    edited.steps_ar = "اختر “عمليات أخرى”، ثم “أبشر”."
    edited.save()

    migration.quote_with_arabic_marks(django_apps, None)

    seeded.refresh_from_db()
    edited.refresh_from_db()
    assert "«خدمات أخرى»" in seeded.steps_ar and "“" not in seeded.steps_ar
    assert edited.steps_ar == "اختر “عمليات أخرى”، ثم “أبشر”."


# --- The admin -----------------------------------------------------------------------------


@pytest.fixture
def arabic_staff(staff_client):
    staff_client.cookies["django_language"] = "ar"
    return staff_client


def test_the_admin_names_every_app_in_arabic(arabic_staff):
    html = arabic_staff.get(reverse("admin:index")).content.decode()
    assert "Tasks Database Backend" not in html and "Task Results" not in html
    assert "المهام في الخلفية" in html and "نتائج المهام" in html


@pytest.mark.parametrize(
    ("language", "header", "title"),
    [
        ("en", "Tawasul Registration administration", "Tawasul Registration staff"),
        ("ar", "إدارة تسجيل تواصل", "موظفو تسجيل تواصل"),
    ],
)
def test_the_admin_names_the_service_from_settings(staff_client, settings, language, header, title):
    """A deployment's SERVICE_NAME_EN/_AR, not "Absher portal", heads the admin."""
    settings.SERVICE_NAME = {"en": "Tawasul Registration", "ar": "تسجيل تواصل"}
    staff_client.cookies["django_language"] = language
    html = staff_client.get(reverse("admin:index")).content.decode()
    assert f'<a href="/admin/">{header}</a>' in html
    assert f"| {title}</title>" in html
    assert "Absher portal" not in html and "بوابة أبشر" not in html


def test_the_task_list_columns_are_in_arabic(arabic_staff, database_tasks):
    send_notice.enqueue(1)
    html = arabic_staff.get("/admin/django_tasks_database/dbtaskresult/").content.decode()
    for label in ("المرجع", "المهمة", "وقت البدء", "الأولوية", "اسم قائمة الانتظار"):
        assert label in html
    assert "Task name" not in html and ">Id<" not in html
    assert "جاهزة" in html  # the task's status


def test_event_sources_are_plain_words_and_the_mobile_reads_left_to_right(arabic_staff):
    account = make_user("ahmed2024", CITIZEN_ID, MOBILE, status=AccountStatus.PENDING)
    record_event(account=account, kind=AccountEvent.Kind.REGISTERED, source="registration")
    record_event(
        account=account,
        kind=AccountEvent.Kind.ACTIVATED,
        source="bank:anb",
        from_status=AccountStatus.PENDING,
        to_status=AccountStatus.ACTIVE,
    )
    events = arabic_staff.get(reverse("admin:accounts_accountevent_changelist")).content.decode()
    assert "تأكيد من البنك" in events and ltr("(anb)") in events
    assert ">registration<" not in events and "bank:anb" not in events
    assert ltr("ahmed2024") in events

    detail = arabic_staff.get(reverse("admin:accounts_user_change", args=[account.pk]))
    html = detail.content.decode()
    assert ltr(MOBILE_E164) in html
    assert "التسجيل" in html  # the inline history's source


def test_the_admin_loads_the_portal_rules_for_phones(arabic_staff):
    html = arabic_staff.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert re.search(r'href="/static/css/admin(\.[0-9a-f]+)?\.css"', html)
    css = (CATALOGUE.parents[3] / "static/css/admin.css").read_text(encoding="utf-8")
    assert "#changelist-form .results" in css and "overflow-x: auto" in css


def test_links_in_sentences_stay_inline():
    """The global inline-flex rule broke sentences apart and dropped spaces inside links."""
    css = (CATALOGUE.parents[3] / "static/css/portal.css").read_text(encoding="utf-8")
    assert not re.search(r"main a:not\(\.button\)\s*\{[^}]*display:\s*inline-flex", css)
