"""Charts as inline SVG drawn from the data, for PDFs and pages (no scripts, no images).

Text in SVG sets its font family: WeasyPrint falls back to a serif face otherwise.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape

FONT = 'font-family="DejaVu Sans, sans-serif"'
COLOURS = ["#0b4f8a", "#c05621", "#2f855a", "#6b46c1", "#b7791f", "#2c7a7b"]


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    note: str = ""  # what to print after the bar, e.g. "110 000 kr"


def bar_chart(bars, *, title: str, width: int = 480, row: int = 18, label_width: int = 170) -> str:
    """Horizontal bars, one row per item, labelled with its value; empty data gives a note."""
    bars = list(bars)
    height = max(len(bars), 1) * row + 26
    largest = max((float(bar.value) for bar in bars), default=0) or 1
    room = width - label_width - 90
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    if not bars:
        parts.append(f'<text x="0" y="16" font-size="10" {FONT}>–</text>')
    for index, bar in enumerate(bars):
        y = 6 + index * row
        length = max(0.0, float(bar.value) / largest * room)
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 11}" font-size="9" text-anchor="end" {FONT}>'
            f"{escape(bar.label[:34])}</text>"
            f'<rect x="{label_width}" y="{y + 2}" width="{length:.1f}" height="{row - 6}" '
            f'fill="{COLOURS[0]}"/>'
            f'<text x="{label_width + length + 4:.1f}" y="{y + 11}" font-size="9" {FONT}>'
            f"{escape(bar.note or _number(bar.value))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def stacked_bars(rows, series, *, title: str, width: int = 480, row: int = 20) -> str:
    """One horizontal bar per row split into ``series`` (name per part, in order), with a
    legend; each row is (label, [values per series]). Shows shares of a whole, e.g. spending
    by category per organisation."""
    rows = list(rows)
    label_width = 170
    room = width - label_width - 10
    legend_height = 18
    height = max(len(rows), 1) * row + legend_height + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    x = 0
    for index, name in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        parts.append(
            f'<rect x="{x}" y="2" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="11" font-size="9" {FONT}>{escape(name)}</text>'
        )
        x += 14 + 7 * len(name) + 16
    for index, (label, values) in enumerate(rows):
        y = legend_height + index * row
        total = float(sum(values)) or 1.0
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 12}" font-size="9" text-anchor="end" {FONT}>'
            f"{escape(label[:34])}</text>"
        )
        offset = label_width
        for part, value in enumerate(values):
            length = float(value) / total * room
            parts.append(
                f'<rect x="{offset:.1f}" y="{y + 3}" width="{length:.1f}" height="{row - 7}" '
                f'fill="{COLOURS[part % len(COLOURS)]}"/>'
            )
            offset += length
    parts.append("</svg>")
    return "".join(parts)


def _number(value) -> str:
    if isinstance(value, (int, Decimal)) or float(value).is_integer():
        return f"{int(value):,}".replace(",", "\xa0")
    return f"{float(value):.1f}".replace(".", ",")
