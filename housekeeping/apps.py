from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HousekeepingConfig(AppConfig):
    """The nightly deletion of rows that have served their purpose (no models of its own)."""

    name = "housekeeping"
    verbose_name = _("Housekeeping")
