"""The password rules as a list the browser can tick as the person types.

The list is the new-password field's hint, the one place the rules are stated: without
JavaScript it is the rules, and after a submission each is marked met or not by the server's
own result (``failed``); with JavaScript, static/js/portal.js also evaluates each item's
``kind`` with its ``params`` as the person types and marks it met or not.
Both come from ``password_rules()``, i.e. from the configured validators themselves, so the
checklist cannot drift from what the server enforces (and the server still has the last word).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import TYPE_CHECKING

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from accounts.password_validation import password_rules

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


def password_checklist_html(
    user: AbstractBaseUser | None = None,
    *,
    username_field: str = "",
    failed: Collection[str] | None = None,
) -> str:
    """Render the rules for a new-password field, in the active language (escaped HTML: a
    rendered template is marked safe by Django itself).

    ``user`` supplies the username when it is known (password change and reset);
    ``username_field`` names the input the script reads it from when the person is still
    typing it (registration). ``failed`` holds the error codes the server found in a submitted
    password (empty: every rule met); ``None`` when no password was checked, so nothing is
    marked.
    """
    plain = [check for rule in password_rules(user) for check in rule["checks"]]
    claimed = {code for check in plain for code in check["codes"]}
    checks = [
        {
            **check,
            "params_json": json.dumps(check["params"], sort_keys=True),
            "state": check_state(check["codes"], failed, claimed=claimed),
        }
        for check in plain
    ]
    context = {
        "checks": checks,
        "checked": failed is not None,
        "username_field": username_field,
        # Placeholders the script fills in: no plural forms needed, any language.
        "summary_template": _("Password rules met: %(met)s of %(total)s.")
        % {"met": "{met}", "total": "{total}"},
    }
    return render_to_string("includes/password_rules.html", context)


def check_state(
    codes: Collection[str], failed: Collection[str] | None, *, claimed: Collection[str]
) -> str:
    """ "met", "unmet", or "" when no password was checked.

    A rule only the server checks (the common-password list, a validator that does not
    describe itself) has no codes in the list: it is unmet when the server raised a code that
    no other item stands for (``claimed``).
    """
    if failed is None:
        return ""
    if codes:
        return "unmet" if set(codes) & set(failed) else "met"
    return "unmet" if set(failed) - set(claimed) else "met"
