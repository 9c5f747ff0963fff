"""The staff side (design.md §9): exact search, masked lists, actions with a reason, history."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from absher_portal.database_roles import separate_roles
from accounts import lifecycle
from accounts.models import AccountEvent, AccountStatus, User
from accounts.staff import actions as admin_actions
from accounts.staff.lists import EstimatedCountPaginator
from accounts.validators import luhn_is_valid
from activation.keys import generate_private_key, public_key_pem
from activation.models import ActivationEvent, ActivationOutcome, Bank, BankKey
from activation.services import Confirmation, activation_confirm
from tests.factories import make_user, sign_in_as
from tests.people import (
    CITIZEN_ID,
    EMAIL,
    MOBILE,
    MOBILE_E164,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:accounts_user_changelist")
REASON_TEMPLATE = "admin/accounts/user/staff_action_reason.html"


def national_id(serial: int, kind: str = "1") -> str:
    """A valid 10-digit ID number of the given kind, different for each serial."""
    payload = f"{kind}{serial:08d}"
    return next(payload + d for d in "0123456789" if luhn_is_valid(payload + d))


def mobile(serial: int) -> str:
    return f"055{serial:07d}"


def result_usernames(response) -> list[str]:
    return [account.username for account in response.context["cl"].result_list]


def message_texts(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def change_url(account: User) -> str:
    return reverse("admin:accounts_user_change", args=[account.pk])


@pytest.fixture
def reviewer() -> User:
    user = make_user("review2024", national_id(900), mobile(900), is_staff=True)
    user.groups.add(Group.objects.get(name="reviewer"))
    return user


@pytest.fixture
def pending() -> User:
    return make_user("ahmed2024", CITIZEN_ID, MOBILE, status=AccountStatus.PENDING)


@pytest.fixture
def reviewer_client(client, reviewer):
    sign_in_as(client, reviewer)
    client.cookies["django_language"] = "en"
    return client


# --- The list ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["superuser", "reviewer"])
def test_accounts_list_opens_for_a_superuser_and_a_reviewer(client, request, pending, who):
    sign_in_as(client, request.getfixturevalue(who))
    response = client.get(CHANGELIST)
    assert response.status_code == HTTPStatus.OK
    assert "ahmed2024" in result_usernames(response)


def test_list_shows_masked_id_numbers_and_mobiles_never_the_full_ones(staff_client, pending):
    html = staff_client.get(CHANGELIST).content.decode()
    assert "10••••••08" in html
    assert CITIZEN_ID not in html
    assert MOBILE_E164 not in html
    assert "+966••••••567" in html


def test_list_is_newest_first_without_a_full_count(staff_client, superuser):
    older = make_user("older2024", national_id(1), status=AccountStatus.PENDING)
    older.created_at = timezone.now() - timezone.timedelta(days=3)
    older.save(update_fields=["created_at"])
    make_user("newer2024", national_id(2), status=AccountStatus.PENDING)
    response = staff_client.get(CHANGELIST)
    assert result_usernames(response) == ["newer2024", "boss2024x", "older2024"]
    assert response.context["cl"].full_result_count is None


# --- Exact search -----------------------------------------------------------------------------


@pytest.fixture
def neighbours(pending) -> list[User]:
    """Accounts that a substring search for the pending account would also find."""
    return [
        make_user("ahmed20245", national_id(10), "0551234568"),
        make_user("xahmed2024", national_id(11), "0551234569"),
    ]


@pytest.mark.parametrize(
    "query",
    [
        "1000000008",
        "١٠٠٠٠٠٠٠٠٨",  # Arabic-Indic digits
        "۱۰۰۰۰۰۰۰۰۸",  # Persian digits
        " 1000000008 ",
        "0551234567",
        "551234567",
        "+966551234567",
        "00966551234567",
        "٠٥٥١٢٣٤٥٦٧",
        "055 123 4567",
        "ahmed2024",
        "AHMED2024",
        "Ahmed2024",
    ],
)
def test_search_finds_exactly_the_account_by_id_mobile_or_username(
    staff_client, pending, neighbours, query
):
    response = staff_client.get(CHANGELIST, {"q": query})
    assert result_usernames(response) == ["ahmed2024"]


@pytest.mark.parametrize("query", ["ahmed", "100000000", "2024", "0551234"])
def test_search_never_matches_part_of_a_value(staff_client, pending, query):
    assert result_usernames(staff_client.get(CHANGELIST, {"q": query})) == []


@pytest.mark.parametrize("query", ["١٠٠٠٠٠٠٠٠٨", "0551234567", "AHMED2024", "ahmed"])
def test_search_uses_equality_never_like(staff_client, pending, query):
    with CaptureQueriesContext(connection) as captured:
        response = staff_client.get(CHANGELIST, {"q": query})
    assert response.status_code == HTTPStatus.OK
    searches = [q["sql"] for q in captured.captured_queries if "accounts_user" in q["sql"]]
    assert searches
    assert not [sql for sql in searches if "LIKE" in sql.upper()]


def test_filters_that_would_scan_text_or_read_secrets_are_refused(staff_client, pending):
    for params in ({"national_id__startswith": "10"}, {"password__startswith": "argon2"}):
        assert staff_client.get(CHANGELIST, params).status_code == HTTPStatus.BAD_REQUEST
    response = staff_client.get(
        CHANGELIST, {"status__exact": "pending", "id_kind__exact": "citizen"}
    )
    assert result_usernames(response) == ["ahmed2024"]
    response = staff_client.get(
        CHANGELIST, {"created_at__gte": "2000-01-01 00:00:00+03:00", "q": "ahmed2024"}
    )
    assert result_usernames(response) == ["ahmed2024"]


# --- Filters ----------------------------------------------------------------------------------


def _key(bank_code: str) -> BankKey:
    bank = Bank.objects.get(code=bank_code)
    public = public_key_pem(generate_private_key().public_key())
    return BankKey.objects.create(bank=bank, key_id=f"{bank_code}-test", public_key_pem=public)


def _confirm(key: BankKey, account: User, event_id: str, *, mobile: str | None = None):
    confirmation = Confirmation(
        event_id=event_id,
        national_id=account.national_id,
        mobile=mobile or account.mobile,
        channel="atm",
        confirmed_at=timezone.now(),
    )
    return activation_confirm(key=key, confirmation=confirmation)


def test_bank_filter_lists_accounts_activated_by_that_bank_once_each(staff_client, superuser):
    anb, alrajhi = _key("anb"), _key("alrajhi")
    by_anb = make_user("anbuser1", national_id(20), mobile(20), status=AccountStatus.PENDING)
    by_rajhi = make_user("rajhiuser1", national_id(21), mobile(21), status=AccountStatus.PENDING)
    mismatch = make_user("mismatch1", national_id(22), mobile(22), status=AccountStatus.PENDING)
    approved = make_user("approved1", national_id(23), mobile(23), status=AccountStatus.PENDING)
    assert _confirm(anb, by_anb, "evt-1").body == {"status": "activated"}
    assert _confirm(anb, by_anb, "evt-2").body == {"status": "already_active"}
    assert _confirm(alrajhi, by_rajhi, "evt-3").body == {"status": "activated"}
    assert _confirm(anb, mismatch, "evt-4", mobile="+966559999999").status == 422
    lifecycle.account_approve(account=approved, actor=superuser, reason="Seen at a branch.")
    # A second 'activated' row for the same account must not list it twice.
    first = ActivationEvent.objects.get(event_id="evt-1")
    ActivationEvent.objects.create(
        bank=first.bank,
        key=first.key,
        event_id="evt-1-copy",
        fingerprint="1" * 64,
        national_id=first.national_id,
        mobile=first.mobile,
        channel=first.channel,
        confirmed_at=first.confirmed_at,
        account=by_anb,
        outcome=ActivationOutcome.ACTIVATED,
        response_status=200,
        response_body={"status": "activated"},
    )

    assert result_usernames(staff_client.get(CHANGELIST, {"activated_by": "anb"})) == ["anbuser1"]
    assert result_usernames(staff_client.get(CHANGELIST, {"activated_by": "alrajhi"})) == [
        "rajhiuser1"
    ]
    everyone = result_usernames(staff_client.get(CHANGELIST))
    assert {"anbuser1", "rajhiuser1", "mismatch1", "approved1"} <= set(everyone)


def test_status_and_id_kind_filters(staff_client, pending):
    make_user("border2024", national_id(30, kind="3"), status=AccountStatus.PENDING)
    response = staff_client.get(CHANGELIST, {"status__exact": "pending"})
    assert sorted(result_usernames(response)) == ["ahmed2024", "border2024"]
    response = staff_client.get(CHANGELIST, {"id_kind__exact": "border"})
    assert result_usernames(response) == ["border2024"]


# --- Counting large lists ---------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the estimate is PostgreSQL's")
def test_unfiltered_list_uses_the_planner_estimate_instead_of_counting(
    staff_client, pending, monkeypatch
):
    if separate_roles():
        pytest.skip(
            "ANALYZE is the table owner's (autovacuum in production), not the runtime role's"
        )
    monkeypatch.setattr(EstimatedCountPaginator, "exact_below", 0)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE accounts_user")
    with CaptureQueriesContext(connection) as captured:
        response = staff_client.get(CHANGELIST)
    assert response.context["cl"].result_count == User.objects.count()
    assert not [q for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]

    with CaptureQueriesContext(connection) as captured:
        response = staff_client.get(CHANGELIST, {"status__exact": "pending"})
    assert response.context["cl"].result_count == 1
    assert [q for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]


def test_small_or_filtered_lists_are_counted_exactly(pending):
    paginator = EstimatedCountPaginator(User.objects.order_by("pk"), 10)
    assert paginator.count == 1
    filtered = EstimatedCountPaginator(User.objects.filter(status="active").order_by("pk"), 10)
    assert filtered.count == 0


# --- Actions with a reason --------------------------------------------------------------------

ACTIONS = {
    # action: (starting status, status after, event kind)
    "approve_accounts": (AccountStatus.PENDING, AccountStatus.ACTIVE, AccountEvent.Kind.APPROVED),
    "reject_accounts": (AccountStatus.PENDING, AccountStatus.EXPIRED, AccountEvent.Kind.REJECTED),
    "suspend_accounts": (
        AccountStatus.ACTIVE,
        AccountStatus.SUSPENDED,
        AccountEvent.Kind.SUSPENDED,
    ),
    "reinstate_accounts": (
        AccountStatus.SUSPENDED,
        AccountStatus.ACTIVE,
        AccountEvent.Kind.REINSTATED,
    ),
}


def account_in(status: str, serial: int, actor: User) -> User:
    """An account brought to ``status`` the way staff would."""
    start = AccountStatus.PENDING if status == AccountStatus.PENDING else AccountStatus.ACTIVE
    account = make_user(f"person{serial:04d}", national_id(serial), mobile(serial), status=start)
    if status == AccountStatus.SUSPENDED:
        lifecycle.account_suspend(account=account, actor=actor, reason="Reported stolen.")
    return account


def run_action(client, action: str, accounts: list[User], **extra):
    data = {"action": action, "_selected_action": [a.pk for a in accounts], **extra}
    return client.post(CHANGELIST, data, follow="post" in extra)


@pytest.mark.parametrize("action", ACTIONS)
def test_action_asks_for_a_reason_first_and_changes_nothing_yet(staff_client, superuser, action):
    start, _, kind = ACTIONS[action]
    account = account_in(start, 40, superuser)

    response = run_action(staff_client, action, [account], index="0")

    assert response.status_code == HTTPStatus.OK
    assert REASON_TEMPLATE in [t.name for t in response.templates]
    html = response.content.decode()
    assert 'name="reason"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert f'name="_selected_action" value="{account.pk}"' in html
    assert account.masked_national_id in html
    assert account.national_id not in html
    account.refresh_from_db()
    assert account.status == start
    assert not account.events.filter(kind=kind).exists()


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("reason", ["", "   "])
def test_action_without_a_reason_shows_an_error_and_changes_nothing(
    staff_client, superuser, action, reason
):
    start, _, kind = ACTIONS[action]
    account = account_in(start, 41, superuser)

    response = run_action(staff_client, action, [account], post="yes", reason=reason)

    assert response.status_code == HTTPStatus.OK
    assert REASON_TEMPLATE in [t.name for t in response.templates]
    assert response.context["form"].errors.as_data()["reason"][0].code == "required"
    assert 'class="errornote"' in response.content.decode()
    account.refresh_from_db()
    assert account.status == start
    assert not account.events.filter(kind=kind).exists()


@pytest.mark.parametrize("action", ACTIONS)
def test_action_with_a_reason_changes_the_status_and_records_who_and_why(
    staff_client, superuser, action
):
    start, end, kind = ACTIONS[action]
    account = account_in(start, 42, superuser)

    response = run_action(
        staff_client, action, [account], post="yes", reason="  Checked the documents.  "
    )

    assert response.redirect_chain[-1][0].endswith(CHANGELIST)
    account.refresh_from_db()
    assert account.status == end
    event = account.events.get(kind=kind)
    assert (event.actor, event.reason, event.source) == (
        superuser,
        "Checked the documents.",
        "staff",
    )
    assert (event.from_status, event.to_status) == (start, end)
    assert len(message_texts(response)) == 1


def test_accounts_in_the_wrong_state_are_skipped_with_a_message(staff_client, superuser):
    waiting = account_in(AccountStatus.PENDING, 50, superuser)
    already = account_in(AccountStatus.ACTIVE, 51, superuser)

    response = run_action(
        staff_client, "approve_accounts", [waiting, already], post="yes", reason="Seen in person."
    )

    assert response.status_code == HTTPStatus.OK
    waiting.refresh_from_db()
    already.refresh_from_db()
    assert (waiting.status, already.status) == (AccountStatus.ACTIVE, AccountStatus.ACTIVE)
    assert not already.events.filter(kind=AccountEvent.Kind.APPROVED).exists()
    texts = message_texts(response)
    assert any("1 account approved" in text for text in texts)
    assert any("skipped" in text and already.username in text for text in texts)


def test_reason_page_marks_accounts_that_will_be_skipped(staff_client, superuser):
    active = account_in(AccountStatus.ACTIVE, 52, superuser)
    response = run_action(staff_client, "reject_accounts", [active], index="0")
    assert response.context["skipped_count"] == 1
    assert response.context["rows"][0]["allowed"] is False


def test_staff_cannot_change_the_status_of_their_own_account(staff_client, superuser):
    response = run_action(
        staff_client, "suspend_accounts", [superuser], post="yes", reason="Testing."
    )
    superuser.refresh_from_db()
    assert superuser.status == AccountStatus.ACTIVE
    assert any("Your own account" in text for text in message_texts(response))


def test_too_many_accounts_at_once_are_refused(staff_client, superuser, monkeypatch):
    monkeypatch.setattr(admin_actions, "MAX_ACCOUNTS_PER_ACTION", 1)
    first = account_in(AccountStatus.PENDING, 53, superuser)
    second = account_in(AccountStatus.PENDING, 54, superuser)
    response = run_action(
        staff_client, "approve_accounts", [first, second], post="yes", reason="Bulk."
    )
    assert any("at most 1 account" in text for text in message_texts(response))
    assert not AccountEvent.objects.filter(kind=AccountEvent.Kind.APPROVED).exists()


def test_reason_page_is_right_to_left_in_arabic(staff_client, pending):
    staff_client.cookies["django_language"] = "ar"
    response = run_action(staff_client, "approve_accounts", [pending], index="0")
    html = response.content.decode()
    assert 'dir="rtl"' in html
    assert '<bdi dir="ltr">10••••••08</bdi>' in html


# --- The reviewer -----------------------------------------------------------------------------


def action_names(response) -> set[str]:
    return {name for name, _ in response.context["action_form"].fields["action"].choices if name}


def test_reviewer_may_approve_and_reject_but_not_suspend_or_reinstate(reviewer_client, pending):
    names = action_names(reviewer_client.get(CHANGELIST))
    assert names == {"approve_accounts", "reject_accounts", "resend_activation_sms"}


def test_superuser_has_every_staff_action_and_no_delete(staff_client, pending):
    names = action_names(staff_client.get(CHANGELIST))
    assert names == {*ACTIONS, "resend_activation_sms"}


def test_reviewer_approves_with_a_reason(reviewer_client, reviewer, pending):
    run_action(reviewer_client, "approve_accounts", [pending], post="yes", reason="Branch visit.")
    pending.refresh_from_db()
    assert pending.status == AccountStatus.ACTIVE
    assert pending.events.get(kind=AccountEvent.Kind.APPROVED).actor == reviewer


def test_reviewer_cannot_run_the_suspend_action_by_posting_it(reviewer_client, superuser):
    account = account_in(AccountStatus.ACTIVE, 60, superuser)
    run_action(reviewer_client, "suspend_accounts", [account], post="yes", reason="Because.")
    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE
    assert not account.events.filter(kind=AccountEvent.Kind.SUSPENDED).exists()


def test_reviewer_cannot_change_or_delete_accounts(reviewer_client, pending):
    response = reviewer_client.get(change_url(pending))
    assert response.status_code == HTTPStatus.OK
    assert not response.context["has_change_permission"]
    response = reviewer_client.post(change_url(pending), {"email": "new@example.sa"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    delete = reverse("admin:accounts_user_delete", args=[pending.pk])
    assert reviewer_client.post(delete, {"post": "yes"}).status_code == HTTPStatus.FORBIDDEN
    pending.refresh_from_db()
    assert pending.email == EMAIL


def test_nobody_adds_or_deletes_accounts_in_admin(staff_client, pending):
    assert staff_client.get(reverse("admin:accounts_user_add")).status_code == 403
    delete = reverse("admin:accounts_user_delete", args=[pending.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == HTTPStatus.FORBIDDEN
    assert User.objects.filter(pk=pending.pk).exists()


def test_reviewer_group_has_exactly_the_permissions_it_needs():
    group = Group.objects.get(name="reviewer")
    granted = set(group.permissions.values_list("content_type__app_label", "codename"))
    assert granted == {
        ("accounts", "view_user"),
        ("accounts", "approve_account"),
        ("accounts", "reject_account"),
        ("accounts", "view_accountevent"),
        ("sms", "view_smsdelivery"),
        ("activation", "view_activationevent"),
        ("activation", "view_bank"),
        ("activation", "view_activationchannel"),
        ("activation", "resend_activation_sms"),
    }


# --- History is append-only -------------------------------------------------------------------


def test_event_inline_is_read_only_and_has_no_delete_even_for_a_superuser(
    staff_client, superuser, pending
):
    lifecycle.account_approve(account=pending, actor=superuser, reason="Seen at a branch.")
    response = staff_client.get(change_url(pending))
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "Seen at a branch." in html
    assert "events-0-DELETE" not in html
    assert 'name="events-0-reason"' not in html
    (inline,) = response.context["inline_admin_formsets"]
    assert not inline.has_add_permission
    assert not inline.has_change_permission
    assert not inline.has_delete_permission


@pytest.mark.parametrize("who", ["superuser", "reviewer"])
def test_account_events_cannot_be_added_changed_or_deleted(
    client, request, superuser, pending, who
):
    event = lifecycle.account_approve(account=pending, actor=superuser, reason="Branch visit.")
    sign_in_as(client, request.getfixturevalue(who))
    assert client.get(reverse("admin:accounts_accountevent_changelist")).status_code == 200
    change = reverse("admin:accounts_accountevent_change", args=[event.pk])
    assert client.get(change).status_code == HTTPStatus.OK
    assert client.post(change, {"reason": "Edited."}).status_code == HTTPStatus.FORBIDDEN
    delete = reverse("admin:accounts_accountevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == HTTPStatus.FORBIDDEN
    add = reverse("admin:accounts_accountevent_add")
    assert client.get(add).status_code == HTTPStatus.FORBIDDEN
    event.refresh_from_db()
    assert event.reason == "Branch visit."


# --- Activation admin -------------------------------------------------------------------------


def test_activation_events_are_listed_masked_and_read_only(staff_client, pending):
    assert _confirm(_key("anb"), pending, "evt-100").body == {"status": "activated"}
    event = ActivationEvent.objects.get(event_id="evt-100")

    response = staff_client.get(reverse("admin:activation_activationevent_changelist"))
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "evt-100" in html
    assert "10••••••08" in html
    assert CITIZEN_ID not in html

    change = reverse("admin:activation_activationevent_change", args=[event.pk])
    response = staff_client.get(change)
    assert response.status_code == HTTPStatus.OK
    assert not response.context["has_change_permission"]
    assert staff_client.post(change, {"event_id": "x"}).status_code == HTTPStatus.FORBIDDEN
    delete = reverse("admin:activation_activationevent_delete", args=[event.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == HTTPStatus.FORBIDDEN
    add = reverse("admin:activation_activationevent_add")
    assert staff_client.get(add).status_code == HTTPStatus.FORBIDDEN


def test_reviewer_sees_banks_channels_and_activation_events_but_changes_none(reviewer_client):
    bank = Bank.objects.get(code="anb")
    for name in ("bank", "activationchannel", "activationevent"):
        url = reverse(f"admin:activation_{name}_changelist")
        assert reviewer_client.get(url).status_code == HTTPStatus.OK
    change = reverse("admin:activation_bank_change", args=[bank.pk])
    assert reviewer_client.post(change, {"name_en": "X"}).status_code == HTTPStatus.FORBIDDEN
    bank.refresh_from_db()
    assert bank.name_en == "Arab National Bank"


def _bank_form(bank: Bank, **key_fields) -> dict:
    data = {
        "name_en": bank.name_en,
        "name_ar": bank.name_ar,
        "is_active": "on",
        "keys-TOTAL_FORMS": "1",
        "keys-INITIAL_FORMS": "0",
        "keys-MIN_NUM_FORMS": "0",
        "keys-MAX_NUM_FORMS": "1000",
    }
    data.update({f"keys-0-{name}": value for name, value in key_fields.items()})
    return data


def test_a_bank_key_is_added_with_a_valid_public_key_only(staff_client):
    bank = Bank.objects.get(code="anb")
    change = reverse("admin:activation_bank_change", args=[bank.pk])
    private = generate_private_key()

    response = staff_client.post(
        change, _bank_form(bank, key_id="anb-bad", public_key_pem="not a key", is_active="on")
    )
    assert response.status_code == HTTPStatus.OK
    assert not BankKey.objects.filter(key_id="anb-bad").exists()

    pem = public_key_pem(private.public_key())
    response = staff_client.post(
        change, _bank_form(bank, key_id="anb-2026", public_key_pem=pem, is_active="on")
    )
    assert response.status_code == HTTPStatus.FOUND
    key = BankKey.objects.get(key_id="anb-2026")
    assert (key.bank, key.public_key_pem, key.is_active) == (bank, pem, True)

    html = staff_client.get(change).content.decode()
    assert 'name="keys-0-public_key_pem"' not in html  # read-only once created
    assert "anb-2026" in html


def test_bank_code_is_read_only_once_created_and_banks_are_not_deleted(staff_client):
    bank = Bank.objects.get(code="anb")
    change = reverse("admin:activation_bank_change", args=[bank.pk])
    data = _bank_form(bank) | {"code": "other", "keys-TOTAL_FORMS": "0"}
    assert staff_client.post(change, data).status_code == HTTPStatus.FOUND
    bank.refresh_from_db()
    assert bank.code == "anb"
    delete = reverse("admin:activation_bank_delete", args=[bank.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == HTTPStatus.FORBIDDEN


def test_channels_are_reordered_and_hidden_from_the_list(staff_client):
    channel = Bank.objects.get(code="anb").channels.order_by("position").first()
    url = reverse("admin:activation_activationchannel_changelist")
    response = staff_client.get(url)
    formset = response.context["cl"].formset
    data = {
        "form-TOTAL_FORMS": str(formset.total_form_count()),
        "form-INITIAL_FORMS": str(formset.initial_form_count()),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for index, form in enumerate(formset.forms):
        data[f"form-{index}-id"] = str(form.instance.pk)
        data[f"form-{index}-position"] = str(form.instance.position)
        if form.instance.is_active:
            data[f"form-{index}-is_active"] = "on"
        if form.instance.pk == channel.pk:
            data[f"form-{index}-position"] = "9"
            data.pop(f"form-{index}-is_active", None)
    assert staff_client.post(url, data).status_code == HTTPStatus.FOUND
    channel.refresh_from_db()
    assert (channel.position, channel.is_active) == (9, False)


def test_non_superuser_staff_cannot_change_the_status_of_staff_accounts(client, superuser):
    from django.contrib.auth.models import Permission

    officer = make_user("officer2024", national_id(901), mobile(901), is_staff=True)
    officer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "suspend_account"])
    )
    colleague = make_user("colleague24", national_id(902), mobile(902), is_staff=True)
    sign_in_as(client, officer)
    client.cookies["django_language"] = "en"

    response = run_action(
        client, "suspend_accounts", [superuser, colleague], post="yes", reason="Takeover."
    )

    assert {u.status for u in User.objects.filter(pk__in=[superuser.pk, colleague.pk])} == {
        AccountStatus.ACTIVE
    }
    assert any("Only a superuser" in text for text in message_texts(response))
    assert not AccountEvent.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        "national_id__startswith=10000",
        "mobile__contains=5512",
        "id_kind__icontains=i",
        "status__regex=^p",
        "password__startswith=argon2",
    ],
)
def test_account_list_refuses_query_string_lookups_its_filters_do_not_make(staff_client, query):
    response = staff_client.get(f"{reverse('admin:accounts_user_changelist')}?{query}")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "url_name, query",
    [
        ("admin:accounts_accountevent_changelist", "reason__icontains=x"),
        ("admin:activation_activationevent_changelist", "national_id__startswith=10"),
        ("admin:activation_activationevent_changelist", "fingerprint__startswith=a"),
    ],
)
def test_event_lists_refuse_text_scans(staff_client, url_name, query):
    response = staff_client.get(f"{reverse(url_name)}?{query}")
    assert response.status_code == 400


@pytest.mark.parametrize("query", ["activated_by=a%00", "status__exact=a%00", "kind__exact=x%00"])
def test_a_nul_character_in_a_filter_is_a_bad_request(staff_client, query):
    url = reverse(
        "admin:accounts_accountevent_changelist"
        if query.startswith("kind")
        else "admin:accounts_user_changelist"
    )
    assert staff_client.get(f"{url}?{query}").status_code == 400


def test_list_filters_still_work(staff_client, superuser):
    account_in(AccountStatus.PENDING, 70, superuser)
    url = reverse("admin:accounts_user_changelist")
    for query in ("status__exact=pending", "id_kind__exact=citizen", "activated_by=anb"):
        assert staff_client.get(f"{url}?{query}").status_code == 200
