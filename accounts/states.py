"""The states of an account, and which of them hold an ID number, username and mobile.

How an account moves between them is ``accounts.lifecycle``'s business (docs/design.md §7).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountStatus(models.TextChoices):
    PENDING = "pending", _("Pending bank activation")
    ACTIVE = "active", _("Active")
    SUPERSEDED = "superseded", _("Superseded by a newer registration")
    EXPIRED = "expired", _("Expired without activation")
    SUSPENDED = "suspended", _("Suspended")


#: Accounts that hold their national ID, username and mobile: at most one each.
HOLDING_STATUSES = (AccountStatus.PENDING, AccountStatus.ACTIVE, AccountStatus.SUSPENDED)
