"""``seed_accounts`` (the benchmark's bulk loader) and the bench-only reference views."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from accounts.models import AccountStatus, User
from accounts.seed_numbers import BENCH_ID_BASE, mobile_for, national_id_for
from accounts.validators import normalize_saudi_mobile, validate_national_id


def test_seed_numbers_are_valid_and_distinct_from_the_benchmarks_own():
    seeded = {national_id_for(n) for n in range(0, 2_000, 7)}
    assert all(validate_national_id(i) == i for i in seeded)
    assert all(normalize_saudi_mobile(mobile_for(n)) == mobile_for(n) for n in range(0, 2_000, 7))
    bench = {national_id_for(BENCH_ID_BASE + n) for n in range(0, 2_000, 7)}
    assert all(validate_national_id(i) == i for i in bench)
    assert not seeded & bench


# transaction=True: on PostgreSQL the command ends with VACUUM, which no transaction may hold.
@pytest.mark.django_db(transaction=True)
def test_seeded_accounts_pass_model_validation_and_sign_in_with_the_seed_password():
    call_command("seed_accounts", "--count", "120")

    accounts = list(User.objects.all())
    assert len(accounts) == 120
    for account in accounts:
        account.full_clean()
    assert accounts[0].check_password("Seeded-Pa55word")
    statuses = {a.status for a in accounts}
    assert {AccountStatus.ACTIVE, AccountStatus.PENDING} <= statuses


@pytest.mark.django_db(transaction=True)
def test_seeding_to_a_total_adds_only_the_missing_accounts():
    call_command("seed_accounts", "--count", "30")
    call_command("seed_accounts", "--count", "50", "--total")
    call_command("seed_accounts", "--count", "50", "--total")

    assert User.objects.count() == 50
    assert User.objects.values("national_id").distinct().count() == 50


@pytest.mark.django_db
def test_the_reference_views_exist_only_under_the_bench_urlconf():
    assert Client().get("/bench/ok").status_code == 404
    with override_settings(ROOT_URLCONF="bench.urls"):
        assert Client().get("/bench/ok").content == b"ok"
        assert Client().get("/bench/session").status_code == 200
