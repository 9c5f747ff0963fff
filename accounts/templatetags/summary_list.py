"""``{% summary_row key value %}``: one row of a label-value list (GOV.UK's "Summary list").

Every such list of the portal (the account, status, "account created" and new-password pages,
the contact details) is a ``<dl class="summary-list">`` of these rows, so they look and read
the same: the key and its value side by side on a wide screen, the value under its key on a
phone, both on the start side of the page in either direction (design.md "Right to left").

A value that is a number, an email, a username or a mobile is written left to right whatever
the page's direction (``ltr=True``): it is isolated in ``<bdi dir="ltr">``, so its digits,
``+``, ``@`` and bullets keep their order and it cannot reorder the Arabic around it, while
the line it sits on stays aligned to the page's start side.
"""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("includes/summary_row.html")
def summary_row(
    key: str, value: Any, *, ltr: bool = False, href: str = "", empty: str = "—"
) -> dict[str, Any]:
    """One ``<div>`` of ``<dt>`` and ``<dd>``; ``empty`` (in the page's direction) for no value.

    ``href`` makes the value a link (a ``tel:`` or ``mailto:`` address, a page).
    """
    return {"key": key, "value": value, "ltr": ltr, "href": href, "empty": empty}
