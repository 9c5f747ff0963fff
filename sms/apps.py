from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SmsConfig(AppConfig):
    """Sending SMS, the record of every attempt, and the provider's delivery reports.

    Used by ``accounts`` and ``activation``; imports neither.
    """

    name = "sms"
    verbose_name = _("SMS")
