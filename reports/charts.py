"""Charts as inline SVG drawn from the data, for PDFs and pages (no scripts, no images).

Text in SVG sets its font family: WeasyPrint falls back to a serif face otherwise.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape

FONT = 'font-family="DejaVu Sans, sans-serif"'
CHAR_WIDTH = 5.4  # the average width of a character of DejaVu Sans at 9 px, roughly
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
            f"{escape(_fit(bar.label, label_width))}</text>"
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
    legend, legend_height = _legend(series, width)
    height = max(len(rows), 1) * row + legend_height + 10
    parts = [_open(width, height, title), *legend]
    for index, (label, values) in enumerate(rows):
        y = legend_height + index * row
        total = float(sum(values)) or 1.0
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 12}" font-size="9" text-anchor="end" {FONT}>'
            f"{escape(_fit(label, label_width))}</text>"
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


def grouped_bars(rows, series, *, title: str, width: int = 480, label_width: int = 170) -> str:
    """Horizontal bars, one group per row with one bar per series (counts side by side), a
    legend on top; each row is (label, [value per series]). Empty data gives a note."""
    rows = list(rows)
    bar = 7
    group = bar * len(series) + 6
    legend, legend_height = _legend(series, width)
    height = max(len(rows), 1) * group + legend_height + 8
    largest = max((float(v) for _label, values in rows for v in values), default=0) or 1
    room = width - label_width - 40
    parts = [_open(width, height, title), *legend]
    if not rows:
        parts.append(f'<text x="0" y="{legend_height + 12}" font-size="10" {FONT}>–</text>')
    for index, (label, values) in enumerate(rows):
        y = legend_height + index * group
        parts.append(
            f'<text x="{label_width - 6}" y="{y + group / 2 + 2:.1f}" font-size="9" '
            f'text-anchor="end" {FONT}>{escape(_fit(label, label_width))}</text>'
        )
        for part, value in enumerate(values):
            length = float(value) / largest * room
            top = y + part * bar
            parts.append(
                f'<rect x="{label_width}" y="{top}" width="{length:.1f}" height="{bar - 1}" '
                f'fill="{COLOURS[part % len(COLOURS)]}"/>'
                f'<text x="{label_width + length + 3:.1f}" y="{top + bar - 1}" font-size="7" '
                f"{FONT}>{escape(_number(value))}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


def column_chart(columns, *, title: str, width: int = 480, height: int = 160) -> str:
    """Vertical columns with their labels below and values above, e.g. one per year or per
    rating from 1 to 5; ``columns`` are Bars (the note, when given, is printed as the value)."""
    columns = list(columns)
    parts = [_open(width, height, title)]
    if not columns:
        parts.append(f'<text x="0" y="16" font-size="10" {FONT}>–</text></svg>')
        return "".join(parts)
    base = height - 18
    room = base - 16
    largest = max(float(column.value) for column in columns) or 1
    slot = min(60, width / len(columns))
    for index, column in enumerate(columns):
        size = max(0.0, float(column.value) / largest * room)
        x = index * slot
        middle = x + slot / 2
        parts.append(
            f'<rect x="{x + slot * 0.15:.1f}" y="{base - size:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{size:.1f}" fill="{COLOURS[0]}"/>'
            f'<text x="{middle:.1f}" y="{base - size - 3:.1f}" font-size="8" '
            f'text-anchor="middle" {FONT}>{escape(column.note or _number(column.value))}</text>'
            f'<text x="{middle:.1f}" y="{height - 5}" font-size="8" text-anchor="middle" '
            f"{FONT}>{escape(str(column.label)[:12])}</text>"
        )
    parts.append(f'<line x1="0" y1="{base}" x2="{slot * len(columns):.1f}" y2="{base}" ')
    parts.append('stroke="#444" stroke-width="0.5"/></svg>')
    return "".join(parts)


def _open(width, height, title) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
    )


def _legend(series, width) -> tuple[list[str], int]:
    """A colour key for ``series``, wrapped to ``width``; the parts and the height used."""
    parts, x, y = [], 0, 2
    for index, name in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        step = 14 + CHAR_WIDTH * len(str(name)) + 12
        if x and x + step > width:
            x, y = 0, y + 14
        parts.append(
            f'<rect x="{x}" y="{y}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="{y + 9}" font-size="9" {FONT}>{escape(str(name))}</text>'
        )
        x += step
    return parts, y + 16


def _fit(label, room) -> str:
    """``label`` shortened with an ellipsis to fit ``room`` points at font size 9."""
    label = str(label)
    most = max(int((room - 8) / CHAR_WIDTH), 4)
    return label if len(label) <= most else label[: most - 1].rstrip() + "…"


def _number(value) -> str:
    if isinstance(value, (int, Decimal)) or float(value).is_integer():
        return f"{int(value):,}".replace(",", "\xa0")
    return f"{float(value):.1f}".replace(".", ",")
