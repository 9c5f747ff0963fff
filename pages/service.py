"""Who runs the service and how to reach them, in the language of the page being rendered."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation

_NOT_DIALLED = re.compile(r"[^0-9+]")


@dataclass(frozen=True)
class ServiceDetails:
    """The service's and operator's names, the support line, mailbox and opening hours."""

    name: str
    operator: str
    phone: str
    email: str
    hours: str

    @property
    def phone_href(self) -> str:
        """``tel:`` with the number as dialled: digits and a leading ``+``, spaces dropped."""
        return "tel:" + _NOT_DIALLED.sub("", self.phone)

    @property
    def email_href(self) -> str:
        return f"mailto:{self.email}"


def _in_language(names: dict[str, str], language: str) -> str:
    return names.get(language) or names.get(settings.LANGUAGE_CODE) or next(iter(names.values()))


def service_details() -> ServiceDetails:
    """The settings ``SERVICE_NAME``, ``OPERATOR_NAME``, ``SUPPORT_*`` for the active language.

    Read at each call, not at import, so ``override_settings`` and a deployment's environment
    both reach every page; it touches neither the database nor the session, so error pages
    can use it too.
    """
    language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return ServiceDetails(
        name=_in_language(settings.SERVICE_NAME, language),
        operator=_in_language(settings.OPERATOR_NAME, language),
        phone=settings.SUPPORT_PHONE,
        email=settings.SUPPORT_EMAIL,
        hours=_in_language(settings.SUPPORT_HOURS, language),
    )
