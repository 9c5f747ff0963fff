from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PagesConfig(AppConfig):
    """The pages a service publishes beside its forms: terms, privacy, accessibility, help.

    A leaf: it imports no other app of the portal, and every page (error pages included) may
    use its template tags, which read settings only (docs/design.md §18).
    """

    name = "pages"
    verbose_name = _("Information pages")
