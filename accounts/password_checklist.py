"""The password rules as a list the browser can tick as the person types.

The list is the new-password field's hint: without JavaScript it is simply the rules; with it,
static/js/portal.js evaluates each item's ``kind`` with its ``params`` and marks it met or not.
Both come from ``password_rules()``, i.e. from the configured validators themselves, so the
checklist cannot drift from what the server enforces (and the server still has the last word).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from accounts.password_validation import password_rules

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


def password_checklist_html(
    user: AbstractBaseUser | None = None, *, username_field: str = ""
) -> str:
    """Render the rules for a new-password field, in the active language (escaped HTML: a
    rendered template is marked safe by Django itself).

    ``user`` supplies the username when it is known (password change and reset);
    ``username_field`` names the input the script reads it from when the person is still
    typing it (registration).
    """
    checks = [
        {**check, "params_json": json.dumps(check["params"], sort_keys=True)}
        for rule in password_rules(user)
        for check in rule["checks"]
    ]
    context = {
        "checks": checks,
        "username_field": username_field,
        # Placeholders the script fills in: no plural forms needed, any language.
        "summary_template": _("Password rules met: %(met)s of %(total)s.")
        % {"met": "{met}", "total": "{total}"},
    }
    return render_to_string("includes/password_rules.html", context)
