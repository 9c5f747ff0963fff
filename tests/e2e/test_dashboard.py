"""A reviewer opens the staff dashboard (issue 17) in Arabic and English: every figure drawn
and tabled, axe clean, nothing blocked by the CSP, no sideways scrolling on a phone, and the
time axis reading from right to left in Arabic."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.journeys import create_reviewer, sign_in, t
from tests.e2e.people import new_person
from tests.e2e.test_accessibility import Audit

#: A month of registrations, bank activations and SMS in the server's database (once).
SEED = """
from datetime import timedelta
from django.utils import timezone
from accounts.models import User
from activation.models import ActivationEvent, Bank, BankKey
from sms.models import SmsDelivery

if not User.objects.filter(username="dashseed0").exists():
    now = timezone.now()
    banks = list(Bank.objects.order_by("code"))
    keys = [
        BankKey.objects.create(bank=b, key_id=f"{b.code}-dash", public_key_pem="-")
        for b in banks
    ]
    channels = ["online", "atm", "app", "phone"]
    statuses = ["active", "active", "pending", "active", "expired", "active", "suspended"]
    serial = 0
    for day in range(30):
        for _ in range((day * 7) % 11 + 1):
            status = statuses[serial % len(statuses)]
            user = User.objects.create(
                username=f"dashseed{serial}", national_id=f"2{serial:09d}",
                mobile=f"+96658{serial:07d}", email=f"dash{serial}@example.sa",
                status=status, created_at=now - timedelta(days=day, hours=serial % 5),
                password="!",
            )
            if status == "active":
                bank = serial % len(banks) if serial % 3 else 0
                ActivationEvent.objects.create(
                    bank=banks[bank], key=keys[bank], event_id=f"dash-{serial}",
                    fingerprint=f"{serial:064d}", national_id=user.national_id,
                    mobile=user.mobile, channel=channels[serial % 4],
                    confirmed_at=user.created_at, account=user, outcome="activated",
                    response_status=200, response_body={},
                    received_at=user.created_at + timedelta(hours=6 + serial % 50),
                )
            sms_status = (
                "failed" if serial % 17 == 0 else "unknown" if serial % 23 == 0 else "delivered"
            )
            SmsDelivery.objects.create(
                recipient=user.mobile, purpose="registration", backend="twilio",
                status=sms_status, created_at=user.created_at,
            )
            serial += 1
"""

NO_SIDEWAYS_SCROLL_JS = "document.documentElement.scrollWidth <= window.innerWidth"


def test_a_reviewer_reads_the_dashboard(new_page, server, lang, shoot):
    server.manage("shell", "-c", SEED)
    reviewer = new_person()
    create_reviewer(server, reviewer)
    page = new_page(viewport=DESKTOP)
    audit = Audit(page, lang)
    sign_in(page, server, reviewer.username, reviewer.password, lang, start="/admin/")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    page.get_by_role("link", name=t(lang, "Dashboard: registrations, activations and SMS")).click()
    expect(page).to_have_url(re.compile(r"/admin/dashboard/$"))

    main = page.locator("#content-main")
    for title in (
        "Registrations per day",
        "Accounts by status",
        "Activations by bank and channel",
        "Time from registration to activation",
        "SMS outcomes",
    ):
        expect(main.get_by_role("heading", name=t(lang, title), level=2)).to_be_visible()
    charts = main.get_by_role("img")
    expect(charts).to_have_count(4)
    for index in range(4):
        expect(charts.nth(index)).to_have_accessible_name(re.compile(r"\S"))
    expect(main.locator("table caption")).to_have_count(5)
    audit.check("admin: dashboard", targets=False)

    # The time axis: the oldest day is where reading starts (the right in Arabic).
    oldest, newest = (page.locator(".staff-chart-axis span").nth(i).bounding_box() for i in (0, 1))
    assert (oldest["x"] > newest["x"]) == (lang == "ar")

    page.set_viewport_size(PHONE)
    assert page.evaluate(NO_SIDEWAYS_SCROLL_JS), "the dashboard scrolls sideways at 375 px"
    audit.check("admin: dashboard (phone)", targets=False)
    shoot(page, "admin-dashboard")
    audit.assert_clean()
