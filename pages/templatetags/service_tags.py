"""``{% service_details as service %}`` and ``{{ request_id|readable_reference }}``.

Template tags rather than a context processor: error pages are rendered without context
processors (absher_portal/errors.py), and they need the contact details most.
"""

from django import template

from absher_portal.request_id import readable_reference as _readable
from pages.service import ServiceDetails
from pages.service import service_details as _service_details

register = template.Library()


@register.simple_tag
def service_details() -> ServiceDetails:
    """The service's name, operator and support contact in the page's language."""
    return _service_details()


@register.filter
def readable_reference(request_id: str) -> str:
    """A request id as a person reads it out to support (``3F9A-1C2B-7D40``)."""
    return _readable(request_id or "")
