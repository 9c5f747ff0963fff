"""Forms of the staff side: the reason asked for before a staff status change."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

#: Enough for a sentence or two of context; the history is no place for a case file.
REASON_MAX_LENGTH = 1000


class StaffReasonForm(forms.Form):
    """The reason a staff member gives for approving, rejecting, suspending or reinstating."""

    required_css_class = "required"

    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60, "class": "vLargeTextField"}),
        help_text=_("Kept in the history of each account, with your name and the time."),
        error_messages={
            "required": _("Give a reason: it is kept in the history of each account."),
        },
    )
