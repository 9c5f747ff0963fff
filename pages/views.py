"""The information pages: templates only, the same for everyone, signed in or not."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.views.generic import TemplateView

#: When the accessibility statement was written and last checked against the code.
ACCESSIBILITY_STATEMENT_PREPARED = date(2026, 12, 4)
ACCESSIBILITY_STATEMENT_REVIEWED = date(2026, 12, 4)


class InformationPage(TemplateView):
    """One page of ``pages/<name>.html`` with the facts it quotes from settings.

    The numbers a page states (how long a code lives, when a pending account expires) are read
    from the settings that enforce them, so the page cannot drift from the portal's behaviour.
    """

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            code_minutes=max(1, settings.OTP_TTL_SECONDS // 60),
            pending_days=settings.PENDING_TTL_DAYS,
            device_days=settings.SIGNIN_DEVICE_DAYS,
            lockout_failures=settings.LOGIN_LOCKOUT_FAILURES,
            lockout_minutes=max(1, settings.LOGIN_LOCKOUT_SECONDS // 60),
            codes_per_hour=settings.OTP_LIMIT_PER_MOBILE,
            idle_minutes=settings.SESSION_IDLE_SECONDS // 60,
            resend_seconds=settings.OTP_RESEND_COOLDOWN_SECONDS,
            absolute_hours=settings.SESSION_ABSOLUTE_SECONDS // 3600,
            statement_prepared=ACCESSIBILITY_STATEMENT_PREPARED,
            statement_reviewed=ACCESSIBILITY_STATEMENT_REVIEWED,
        )
        return context
