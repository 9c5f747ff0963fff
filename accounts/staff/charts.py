"""Charts drawn on the server as SVG: no script, no library, nothing from another origin.

The strict CSP allows no inline ``style``: shapes carry classes, coloured by
``static/css/dashboard.css`` (with the admin's colour variables, so dark mode follows), and
positions are plain geometry attributes. Every text is escaped, whatever it holds (a bank's
name is typed by staff).

Each chart is one ``<svg role="img">`` named by its ``<title>``: a screen reader hears one
name, says "image" and moves on to the table after it, which holds the same figures (the
picture's shapes are not read out one by one). In a right-to-left page the time axis runs
from right (oldest) to left (newest) and labels start at the right edge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import count
from xml.sax.saxutils import escape, quoteattr

from django.utils.safestring import SafeString, mark_safe

#: Ids for ``<title>`` elements, unique within a page (several charts on one page).
_ids = count(1)


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value and the value as the page writes it ("1,234", "2.5%")."""

    label: str
    value: float
    shown: str


def _number(value: float) -> str:
    """A coordinate: at most one decimal, no trailing ``.0``."""
    return f"{value:.1f}".removesuffix(".0")


def _svg(name: str, width: int, height: int, rtl: bool, body: list[str], kind: str) -> SafeString:
    title_id = f"chart-title-{next(_ids)}"
    opening = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" role="img" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{title_id}" '
        f'direction="{"rtl" if rtl else "ltr"}" focusable="false">'
        f'<title id="{title_id}">{escape(name)}</title>'
    )
    return mark_safe(opening + "".join(body) + "</svg>")  # noqa: S308  # nosec B308 B703 - escaped


def _text(x: float, y: float, text: str, css_class: str, anchor: str = "start") -> str:
    return (
        f'<text x="{_number(x)}" y="{_number(y)}" class={quoteattr(css_class)} '
        f'text-anchor="{anchor}">{escape(text)}</text>'
    )


def column_chart(values: Sequence[float], *, name: str, rtl: bool = False) -> SafeString:
    """Columns over time, oldest first in reading order, the highest touching the top line.

    No words are drawn (600 units wide, they would shrink to nothing on a phone): the page
    writes the top line's value and the axis's two ends in HTML, in the reading direction,
    and the table gives every day.
    """
    width, height, top, bottom, pad = 600, 160, 4, 156, 4
    biggest = max(values, default=0) or 1
    step = (width - 2 * pad) / max(len(values), 1)
    body = [
        f'<line x1="{pad}" x2="{width - pad}" y1="{top}" y2="{top}" class="chart-grid"/>',
        f'<line x1="{pad}" x2="{width - pad}" y1="{bottom}" y2="{bottom}" class="chart-axis"/>',
    ]
    for index, value in enumerate(values):
        column_height = (bottom - top) * value / biggest
        x = pad + step * (len(values) - 1 - index if rtl else index)
        body.append(
            f'<rect x="{_number(x + step * 0.15)}" y="{_number(bottom - column_height)}" '
            f'width="{_number(step * 0.7)}" height="{_number(column_height)}" class="chart-bar"/>'
        )
    return _svg(name, width, height, rtl, body, "columns")


def bar_chart(bars: Sequence[Bar], *, name: str, rtl: bool = False) -> SafeString:
    """Horizontal bars, each under its label and followed by its value: long labels (a bank
    and its channel) get the whole width, and a phone can still read them."""
    width, row, pad, value_room = 340, 40, 4, 64
    height = max(len(bars), 1) * row + pad
    biggest = max((bar.value for bar in bars), default=0) or 1
    start_x = width - pad if rtl else pad
    direction = -1 if rtl else 1
    body = []
    for index, bar in enumerate(bars):
        y = pad + index * row
        length = (width - 2 * pad - value_room) * bar.value / biggest
        x = start_x - length if rtl else start_x
        body.append(_text(start_x, y + 14, bar.label, "chart-label"))
        body.append(
            f'<rect x="{_number(x)}" y="{y + 20}" width="{_number(length)}" height="14" '
            f'class="chart-bar"/>'
        )
        body.append(_text(start_x + direction * (length + 6), y + 32, bar.shown, "chart-value"))
    return _svg(name, width, height, rtl, body, "bars")
