"""``/terms/``, ``/privacy/``, ``/accessibility/``, ``/help/`` and ``/contact/``."""

from django.urls import path

from pages.views import InformationPage

app_name = "pages"

urlpatterns = [
    path(f"{name}/", InformationPage.as_view(template_name=f"pages/{name}.html"), name=name)
    for name in ("terms", "privacy", "accessibility", "help", "contact")
]
