"""A reviewer approves a pending account in the admin, with a reason the person then sees."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.journeys import create_reviewer, register, sign_in, t, tn
from tests.e2e.people import new_person

REASON = "Identity documents checked in person at the Riyadh branch."


def test_a_reviewer_approves_a_pending_account_with_a_reason(
    page, new_page, server, person, lang, shoot
):
    register(page, server, person, lang, shoot)
    reviewer = new_person()
    create_reviewer(server, reviewer)

    # Staff sign in at the portal's door, with the SMS code, and go on to the admin.
    admin = new_page()
    sign_in(admin, server, reviewer.username, reviewer.password, lang, start="/admin/")
    expect(admin).to_have_url(re.compile(r"/admin/$"))
    shoot(admin, "admin-index")

    admin.goto(f"/admin/accounts/user/?q={person.username}")
    row = admin.get_by_role("row").filter(has_text=person.username)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(t(lang, "Pending bank activation"))
    row.get_by_role("checkbox").check()
    admin.locator('select[name="action"]').select_option("approve_accounts")
    shoot(admin, "admin-accounts")
    admin.locator('button[name="index"]').click()

    expect(admin.get_by_role("heading", name=t(lang, "Approve accounts"))).to_be_visible()
    expect(admin.get_by_role("row").filter(has_text=person.username)).to_have_count(1)
    admin.locator('textarea[name="reason"]').fill(REASON)
    shoot(admin, "admin-approval")
    admin.get_by_role("button", name=t(lang, "Approve"), exact=True).click()

    expect(
        admin.get_by_text(
            tn(lang, "%(count)d account approved.", "%(count)d accounts approved.", 1)
        )
    ).to_be_visible()
    row = admin.get_by_role("row").filter(has_text=person.username)
    expect(row).to_contain_text(t(lang, "Active"))
    shoot(admin, "admin-approved")

    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": lang, "url": server.url}])
    sign_in(page, server, person.username, person.password, lang, shoot)
    expect(page).to_have_url(re.compile(r"/account/$"))
    expect(page.get_by_text(REASON)).to_be_visible()
    shoot(page, "account-approved-by-staff")
