"""Signed-in pages (issue 5, items 2 and 7): who may open them, what they show, what they change."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils.timezone import localtime

from absher_portal.dates import format_date
from accounts import otp
from accounts.lifecycle import account_reinstate, account_suspend, record_event
from accounts.models import AccountEvent, AccountStatus, OtpPurpose, User
from accounts.notifications import otp_sms_body, password_changed_sms_body
from activation.models import ActivationChannel, Bank
from tests.factories import make_user, sign_in_as
from tests.people import CITIZEN_ID, MOBILE, MOBILE_E164, OTHER_CITIZEN_ID, OTHER_MOBILE, PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Qv7rTz3Lp9Wd"
START = datetime(2026, 3, 1, 22, 30, tzinfo=UTC)  # 2 March, 01:30 in Riyadh

PAGES = ["accounts:status", "accounts:account", "accounts:change_password"]


def login_url(next_url: str | None = None) -> str:
    url = reverse("accounts:login")
    return f"{url}?next={next_url}" if next_url else url


@pytest.fixture
def active_user():
    return make_user("ahmed2024", CITIZEN_ID, MOBILE, preferred_language="en")


@pytest.fixture
def pending_user():
    return make_user(
        "ahmed2024", CITIZEN_ID, MOBILE, status=AccountStatus.PENDING, preferred_language="en"
    )


def signed_in(user: User, language: str | None = None) -> Client:
    client = Client()
    if language:
        client.cookies["django_language"] = language
    sign_in_as(client, user)
    return client


# --- Access rules -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_is_sent_to_sign_in_with_next(client, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == login_url(url)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("accounts:status", 200),
        ("accounts:account", "accounts:status"),
        ("accounts:change_password", "accounts:status"),
    ],
)
def test_pending_reaches_only_the_status_page(pending_user, name, expected):
    response = signed_in(pending_user).get(reverse(name))
    if expected == 200:
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"] == reverse(expected)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("accounts:status", "accounts:account"),
        ("accounts:account", 200),
        ("accounts:change_password", 200),
    ],
)
def test_active_is_sent_from_the_status_page_to_the_account_page(active_user, name, expected):
    response = signed_in(active_user).get(reverse(name))
    if expected == 200:
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"] == reverse(expected)


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize(
    ("before", "after"),
    [
        (AccountStatus.ACTIVE, AccountStatus.SUSPENDED),
        (AccountStatus.PENDING, AccountStatus.EXPIRED),
        (AccountStatus.PENDING, AccountStatus.SUPERSEDED),
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_session_older_than_a_suspension_or_expiry_is_ended(name, before, after, method):
    user = make_user("ahmed2024", CITIZEN_ID, MOBILE, status=before)
    client = signed_in(user, "en")
    User.objects.filter(pk=user.pk).update(status=after)

    response = getattr(client, method)(reverse(name))

    assert response.status_code == 302
    assert response["Location"] == login_url()
    assert SESSION_KEY not in client.session
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert texts == ["Your session has ended. Sign in again to continue."]
    # Still signed out on the next request, and nothing was changed by the post.
    assert client.get(reverse(name))["Location"] == login_url(reverse(name))
    assert User.objects.get(pk=user.pk).preferred_language == user.preferred_language


def test_a_suspended_account_signed_in_before_suspension_cannot_post_a_password(active_user):
    client = signed_in(active_user)
    active_user.status = AccountStatus.SUSPENDED
    active_user.save(update_fields=["status"])
    response = client.post(
        reverse("accounts:change_password"),
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response["Location"] == login_url()
    active_user.refresh_from_db()
    assert active_user.check_password(PASSWORD)


# --- Status page --------------------------------------------------------------------------------


@pytest.fixture
def pending_at_start(time_machine):
    time_machine.move_to(START, tick=False)
    return make_user("ahmed2024", CITIZEN_ID, MOBILE, status=AccountStatus.PENDING)


@pytest.mark.parametrize(
    ("language", "expiry", "bank", "texts"),
    [
        (
            "en",
            "1 April 2026",
            "Al Rajhi Bank",
            ["Your account is waiting for activation at your bank", "we send you an SMS"],
        ),
        ("ar", "13 شوال 1447 هـ (1 إبريل 2026)", "مصرف الراجحي", []),
    ],
)
def test_status_page_in_the_persons_language(pending_at_start, language, expiry, bank, texts):
    response = signed_in(pending_at_start, language).get(reverse("accounts:status"))
    html = response.content.decode().replace("\xa0", " ")  # dates are held together

    assert response.status_code == 200
    assert f'<html lang="{language}"' in html
    # The expiry date is the Riyadh date of created_at + PENDING_TTL_DAYS (30), with its
    # Umm al-Qura date in Arabic (tests/test_dates_shown.py has more).
    expires_at = localtime(START).replace(month=4, day=1)
    assert format_date(expires_at, language=language) == expiry
    assert expiry in html
    assert bank in html
    for text in texts:
        assert text in html
    assert '<bdi dir="ltr">10••••••08</bdi></dd>' in html
    assert '<bdi dir="ltr">ahmed2024</bdi></dd>' in html
    assert CITIZEN_ID not in html


def test_status_page_follows_the_expiry_setting(pending_at_start, settings):
    settings.PENDING_TTL_DAYS = 10
    html = signed_in(pending_at_start, "en").get(reverse("accounts:status")).content.decode()
    assert "12\xa0March\xa02026" in html


@pytest.mark.parametrize(("preferred", "direction"), [("en", "ltr"), ("ar", "rtl")])
def test_without_a_language_choice_the_page_speaks_the_preferred_language(preferred, direction):
    user = make_user(
        "ahmed2024",
        CITIZEN_ID,
        MOBILE,
        status=AccountStatus.PENDING,
        preferred_language=preferred,
    )
    client = signed_in(user)
    response = client.get(reverse("accounts:status"), headers={"accept-language": "fr"})
    assert f'<html lang="{preferred}" dir="{direction}">' in response.content.decode()
    assert response["Content-Language"] == preferred


def test_the_language_switch_wins_over_the_preferred_language(pending_user):
    html = signed_in(pending_user, "ar").get(reverse("accounts:status")).content.decode()
    assert '<html lang="ar" dir="rtl">' in html


def test_status_page_shows_the_channels_from_the_database(pending_user):
    bank = Bank.objects.create(code="testbank", name_en="Test Bank", name_ar="بنك الاختبار")
    ActivationChannel.objects.create(
        bank=bank,
        kind="online",
        name_en="Test Online",
        name_ar="الإنترنت التجريبي",
        steps_en="Open Test Online.\nChoose Absher.",
        steps_ar="افتح الخدمة.\nاختر أبشر.",
    )
    ActivationChannel.objects.filter(bank__code="alrajhi", kind="phone").update(is_active=False)

    html = signed_in(pending_user, "en").get(reverse("accounts:status")).content.decode()

    assert "Test Bank" in html
    assert "<li>Open Test Online.</li><li>Choose Absher.</li>" in html
    assert "Arab National Bank" in html
    assert "920003344" not in html


# --- Account page -------------------------------------------------------------------------------


def test_account_page_shows_masked_details_and_never_the_full_id(active_user, time_machine):
    time_machine.move_to(START, tick=False)
    client = signed_in(active_user, "en")  # force_login sets last_login to now
    html = client.get(reverse("accounts:account")).content.decode()

    assert '<bdi dir="ltr">10••••••08</bdi></dd>' in html
    assert '<bdi dir="ltr">05• ••• •567</bdi></dd>' in html
    assert '<bdi dir="ltr">owner@example.sa</bdi></dd>' in html
    assert '<bdi dir="ltr">ahmed2024</bdi></dd>' in html
    assert CITIZEN_ID not in html
    assert MOBILE_E164 not in html
    assert MOBILE not in html
    assert "1:30am on 2\xa0March\xa02026" in html  # last sign-in, in Riyadh time
    assert 'name="preferred_language"' in html
    assert f'href="{reverse("accounts:change_password")}"' in html


def test_account_page_shows_recent_events_in_plain_words(active_user, time_machine):
    time_machine.move_to(START, tick=False)
    staff = User.objects.create_superuser(
        "staff.sara", OTHER_CITIZEN_ID, OTHER_MOBILE, "sara@example.sa", PASSWORD
    )
    record_event(
        account=active_user,
        kind=AccountEvent.Kind.REGISTERED,
        source="registration",
        details={"supersedes": [987654]},
    )
    time_machine.shift(60)
    record_event(
        account=active_user,
        kind=AccountEvent.Kind.ACTIVATED,
        source="bank:alrajhi",
        from_status=AccountStatus.PENDING,
        to_status=AccountStatus.ACTIVE,
    )
    time_machine.shift(60)
    account_suspend(account=active_user, actor=staff, reason="Reported stolen phone")
    time_machine.shift(60)
    account_reinstate(account=active_user, actor=staff, reason="Owner verified in person")
    events = list(AccountEvent.objects.filter(account=active_user))

    html = signed_in(active_user, "en").get(reverse("accounts:account")).content.decode()

    order = [html.index(label) for label in ("Reinstated", "Suspended", "Activated", "Registered")]
    assert order == sorted(order)
    assert "Reason: <bdi>Reported stolen phone</bdi>" in html
    assert "Reason: <bdi>Owner verified in person</bdi>" in html
    assert html.count("By the portal staff") == 2
    assert "Through your bank" in html
    for internal in ("staff.sara", "alrajhi", "987654", "supersedes", "bank:"):
        assert internal not in html
    for event in events:
        assert event.request_id not in html or not event.request_id


def test_account_page_lists_only_the_ten_latest_events(active_user, time_machine):
    time_machine.move_to(START, tick=False)
    for kind in [AccountEvent.Kind.REGISTERED] + [AccountEvent.Kind.MOBILE_RECEIVED] * 11:
        record_event(account=active_user, kind=kind, source="registration")
        time_machine.shift(60)

    response = signed_in(active_user, "en").get(reverse("accounts:account"))
    html = response.content.decode()

    assert len(response.context["events"]) == 10
    assert html.count("Mobile number taken over from another account") == 10
    assert "Registered" not in html


def test_changing_the_preferred_language_changes_the_sms_language(active_user, sms_outbox):
    client = signed_in(active_user, "en")
    response = client.post(reverse("accounts:account"), {"preferred_language": "ar"})

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:account")
    active_user.refresh_from_db()
    assert active_user.preferred_language == "ar"
    assert not AccountEvent.objects.filter(account=active_user).exists()  # no event: a preference
    page = client.get(reverse("accounts:account"))
    assert [str(m) for m in page.context["messages"]] == [
        "Your preferred language for messages was saved."
    ]
    assert page.context["form"]["preferred_language"].value() == "ar"

    # The next SMS is written in the new language.
    otp.issue_challenge(
        purpose=OtpPurpose.LOGIN,
        mobile=active_user.mobile,
        language=active_user.preferred_language,
        ip="198.51.100.7",
        national_id=active_user.national_id,
        user_id=active_user.pk,
    )
    code = sms_outbox[-1]["body"].rsplit("#", 1)[1]
    assert sms_outbox[-1]["body"] == otp_sms_body(code=code, purpose="login", language="ar")
    assert sms_outbox[-1]["body"] != otp_sms_body(code=code, purpose="login", language="en")


@pytest.mark.parametrize("value", ["", "fr", "ar" * 50, "\x00"])
def test_an_unknown_language_is_refused_and_nothing_changes(active_user, value):
    client = signed_in(active_user, "en")
    response = client.post(reverse("accounts:account"), {"preferred_language": value})
    assert response.status_code == 200
    assert response.context["form"].errors.as_data()["preferred_language"][0].code in {
        "required",
        "invalid_choice",
    }
    assert 'class="error-summary"' in response.content.decode()
    active_user.refresh_from_db()
    assert active_user.preferred_language == "en"


# --- Change password ----------------------------------------------------------------------------


def post_change(client: Client, old: str, new1: str, new2: str | None = None):
    return client.post(
        reverse("accounts:change_password"),
        {
            "old_password": old,
            "new_password1": new1,
            "new_password2": new1 if new2 is None else new2,
        },
    )


def error_codes(response, field: str) -> set[str]:
    return {error.code for error in response.context["form"].errors.as_data().get(field, [])}


def test_change_password_page_has_the_django_field_names(active_user):
    html = signed_in(active_user, "en").get(reverse("accounts:change_password")).content.decode()
    for name in ("old_password", "new_password1", "new_password2"):
        assert f'name="{name}"' in html
    assert 'autocomplete="current-password"' in html


def test_wrong_old_password_is_refused(active_user):
    response = post_change(signed_in(active_user, "en"), "Wrong0ldPass", NEW_PASSWORD)
    assert response.status_code == 200
    assert error_codes(response, "old_password") == {"password_incorrect"}
    active_user.refresh_from_db()
    assert active_user.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("password", "codes"),
    [
        (
            "ahmedاaaaa1234",
            {
                "password_charset",
                "password_no_upper",
                "password_username_overlap",
                "password_repeated_run",
                "password_sequential_run",
                "password_char_frequency",
            },
        ),
        ("aaaa1111", {"password_no_upper", "password_repeated_run", "password_too_common"}),
        ("Ab1", {"password_too_short"}),
    ],
)
def test_every_failed_policy_rule_is_found_at_once(active_user, password, codes):
    response = post_change(signed_in(active_user, "en"), PASSWORD, password)
    assert response.status_code == 200
    assert error_codes(response, "new_password1") == {"password_policy"}
    assert set(response.context["form"].password_failures) == codes
    assert 'class="error-summary"' in response.content.decode()
    active_user.refresh_from_db()
    assert active_user.check_password(PASSWORD)


def test_new_passwords_that_differ_are_refused(active_user):
    response = post_change(signed_in(active_user, "en"), PASSWORD, NEW_PASSWORD, "Other7Pass9")
    assert error_codes(response, "new_password2") == {"password_mismatch"}
    assert error_codes(response, "new_password1") == set()
    active_user.refresh_from_db()
    assert active_user.check_password(PASSWORD)


def test_passwords_are_never_echoed_back(active_user):
    response = post_change(signed_in(active_user, "en"), "Wrong0ldPass", NEW_PASSWORD, "x")
    html = response.content.decode()
    assert "Wrong0ldPass" not in html
    assert NEW_PASSWORD not in html


def test_changing_the_password_keeps_this_session_and_ends_the_others(
    active_user, sms_outbox, django_capture_on_commit_callbacks
):
    here = signed_in(active_user, "en")
    elsewhere = signed_in(active_user, "en")
    assert elsewhere.get(reverse("accounts:account")).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = post_change(here, PASSWORD, NEW_PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:account")
    active_user.refresh_from_db()
    assert active_user.check_password(NEW_PASSWORD)
    page = here.get(reverse("accounts:account"))
    assert page.status_code == 200
    assert [str(m) for m in page.context["messages"]] == [
        "Your password was changed. You were signed out on every other device."
    ]
    other = elsewhere.get(reverse("accounts:account"))
    assert other.status_code == 302
    assert other["Location"] == login_url(reverse("accounts:account"))
    assert SESSION_KEY not in elsewhere.session
    # The person is told by SMS, in their language.
    assert sms_outbox == [
        {
            "to": MOBILE_E164,
            "body": password_changed_sms_body(
                language="en", when=active_user.events.get(kind="password_changed").created_at
            ),
            "purpose": "password_changed",
        }
    ]
    # The second browser's sign-in was new to the account (told by SMS, security.sessions).
    assert [(e.kind, e.source) for e in active_user.events.order_by("created_at", "id")] == [
        ("new_device_sign_in", "signin"),
        ("password_changed", "account"),
    ]


def test_a_failed_sms_does_not_undo_the_change(
    active_user, settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "tests.otp_helpers.FailingSmsBackend"
    client = signed_in(active_user, "en")
    with django_capture_on_commit_callbacks(execute=True):
        response = post_change(client, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302
    active_user.refresh_from_db()
    assert active_user.check_password(NEW_PASSWORD)
    assert client.get(reverse("accounts:account")).status_code == 200
