"""Forms of the staff side: an account's page, and the reason asked for before a status change."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.managers import STAFF_WITHOUT_MOBILE
from accounts.models import User

#: Enough for a sentence or two of context; the history is no place for a case file.
REASON_MAX_LENGTH = 1000


class StaffReasonForm(forms.Form):
    """The reason a staff member gives for approving, rejecting, suspending or reinstating."""

    required_css_class = "required"

    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        # dir="auto": a reason typed in Arabic or in English runs in its own direction.
        widget=forms.Textarea(
            attrs={"rows": 4, "cols": 60, "class": "vLargeTextField", "dir": "auto"}
        ),
        help_text=_("Kept in the history of each account, with your name and the time."),
        error_messages={
            "required": _("Give a reason: it is kept in the history of each account."),
        },
    )


class AccountAdminForm(forms.ModelForm):
    """An account's admin page: staff status only for an account with a mobile.

    The mobile is read-only there, so Django leaves the model's constraint on it unchecked
    (a constraint on an excluded field is skipped) and the database would refuse the save;
    this says why on the staff checkbox instead.
    """

    class Meta:
        model = User
        # What the admin's fieldsets leave editable (the admin passes its own list anyway).
        fields = ("email", "preferred_language", "is_staff", "is_superuser", "groups")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "is_staff" in self.fields and cleaned.get("is_staff") and not self.instance.mobile:
            error = ValidationError(STAFF_WITHOUT_MOBILE, code="staff_without_mobile")
            self.add_error("is_staff", error)
        return cleaned
