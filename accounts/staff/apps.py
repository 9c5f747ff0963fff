"""The admin app with the portal's site as its default (``accounts.staff.site``)."""

from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    """``django.contrib.admin``, whose ``admin.site`` is the portal's ``PortalAdminSite``."""

    default_site = "accounts.staff.site.PortalAdminSite"
