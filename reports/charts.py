"""Charts as inline SVG drawn from the data, for PDFs and pages (no scripts, no images).

Every chart shows its title, an axis for what is counted with its unit, and its labels whole:
a long label wraps onto more lines (its row grows) rather than being cut. Text in SVG sets its
font family: WeasyPrint falls back to a serif face otherwise.
"""

import math
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape

FONT = 'font-family="DejaVu Sans, sans-serif"'
CHAR_WIDTH = 5.4  # the average width of a character of DejaVu Sans at 9 px, roughly
LINE = 10  # the distance between the lines of a wrapped label at 9 px
AXIS = 24  # room under the bars for the value axis: its numbers and its unit
COLOURS = ["#0b4f8a", "#c05621", "#2f855a", "#6b46c1", "#b7791f", "#2c7a7b"]


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    note: str = ""  # what to print after the bar, e.g. "110 000 kr"


def bar_chart(
    bars, *, title: str, unit: str, width: int = 480, row: int = 18, label_width: int = 170
) -> str:
    """Horizontal bars, one row per item, labelled with its value; empty data gives a note."""
    bars = list(bars)
    labels = [_wrap(bar.label, label_width - 8) for bar in bars]
    heights = [max(row, len(lines) * LINE + 6) for lines in labels]
    head, top = _title(title, width)
    largest = max((float(bar.value) for bar in bars), default=0) or 1
    room = width - label_width - 90
    bottom = top + sum(heights)
    parts = [_open(width, bottom + AXIS, title), head]
    if not bars:
        parts.append(_text(0, top + 12, "–", size=10))
    y = top
    for bar, lines, height in zip(bars, labels, heights, strict=True):
        length = max(0.0, float(bar.value) / largest * room)
        middle = y + height / 2
        parts.append(
            _label(label_width - 6, middle, lines)
            + f'<rect x="{label_width}" y="{middle - (row - 6) / 2:.1f}" width="{length:.1f}" '
            f'height="{row - 6}" fill="{COLOURS[0]}"/>'
            + _text(label_width + length + 4, middle + 3, bar.note or _number(bar.value))
        )
        y += height
    parts.append(_value_axis(label_width, room, top, bottom, _number(largest), unit))
    parts.append("</svg>")
    return "".join(parts)


def stacked_bars(rows, series, *, title: str, unit: str, width: int = 480, row: int = 20) -> str:
    """One horizontal bar per row split into ``series`` (name per part, in order), with a
    legend; each row is (label, [values per series]). Shows shares of a whole, e.g. spending
    by category per organisation; the axis runs from 0 to 100 %."""
    rows = list(rows)
    label_width = 170
    room = width - label_width - 10
    head, top = _title(title, width)
    legend, legend_height = _legend(series, width, top)
    top += legend_height
    labels = [_wrap(label, label_width - 8) for label, _values in rows]
    heights = [max(row, len(lines) * LINE + 6) for lines in labels]
    bottom = top + sum(heights)
    parts = [_open(width, bottom + AXIS, title), head, *legend]
    y = top
    for (_label_text, values), lines, height in zip(rows, labels, heights, strict=True):
        total = float(sum(values)) or 1.0
        middle = y + height / 2
        parts.append(_label(label_width - 6, middle, lines))
        offset = label_width
        for part, value in enumerate(values):
            length = float(value) / total * room
            parts.append(
                f'<rect x="{offset:.1f}" y="{middle - (row - 7) / 2:.1f}" width="{length:.1f}" '
                f'height="{row - 7}" fill="{COLOURS[part % len(COLOURS)]}"/>'
            )
            offset += length
        y += height
    parts.append(_value_axis(label_width, room, top, bottom, "100\xa0%", unit))
    parts.append("</svg>")
    return "".join(parts)


def grouped_bars(
    rows, series, *, title: str, unit: str, width: int = 480, label_width: int = 170
) -> str:
    """Horizontal bars, one group per row with one bar per series (counts side by side), a
    legend on top; each row is (label, [value per series]). Empty data gives a note."""
    rows = list(rows)
    bar = 7
    head, top = _title(title, width)
    legend, legend_height = _legend(series, width, top)
    top += legend_height
    labels = [_wrap(label, label_width - 8) for label, _values in rows]
    heights = [max(bar * len(series) + 6, len(lines) * LINE + 6) for lines in labels]
    bottom = top + sum(heights)
    largest = max((float(v) for _label, values in rows for v in values), default=0) or 1
    room = width - label_width - 40
    parts = [_open(width, bottom + AXIS, title), head, *legend]
    if not rows:
        parts.append(_text(0, top + 12, "–", size=10))
    y = top
    for (_label_text, values), lines, height in zip(rows, labels, heights, strict=True):
        parts.append(_label(label_width - 6, y + height / 2, lines))
        first = y + (height - bar * len(values)) / 2
        for part, value in enumerate(values):
            length = float(value) / largest * room
            place = first + part * bar
            parts.append(
                f'<rect x="{label_width}" y="{place:.1f}" width="{length:.1f}" '
                f'height="{bar - 1}" fill="{COLOURS[part % len(COLOURS)]}"/>'
                + _text(label_width + length + 3, place + bar - 1, _number(value), size=7)
            )
        y += height
    parts.append(_value_axis(label_width, room, top, bottom, _number(largest), unit))
    parts.append("</svg>")
    return "".join(parts)


def column_chart(columns, *, title: str, unit: str, width: int = 480, height: int = 160) -> str:
    """Vertical columns with their labels below and values above, e.g. one per year or per
    rating from 1 to 5; ``columns`` are Bars (the note, when given, is printed as the value).
    The unit names what the columns count, above the axis on the left."""
    columns = list(columns)
    head, top = _title(title, width)
    left = 6
    slot = min(60, (width - left) / max(len(columns), 1))
    labels = [_wrap(column.label, slot - 4, size=8) for column in columns]
    under = max((len(lines) for lines in labels), default=1) * LINE + 6
    top += LINE + 4  # the unit
    base = top + height - 18
    parts = [_open(width, base + under, title), head]
    parts.append(_text(0, top - 4, unit, size=8))
    if not columns:
        parts.append(_text(left, top + 12, "–", size=10) + "</svg>")
        return "".join(parts)
    room = base - top - 14
    largest = max(float(column.value) for column in columns) or 1
    for index, (column, lines) in enumerate(zip(columns, labels, strict=True)):
        size = max(0.0, float(column.value) / largest * room)
        x = left + index * slot
        middle = x + slot / 2
        parts.append(
            f'<rect x="{x + slot * 0.15:.1f}" y="{base - size:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{size:.1f}" fill="{COLOURS[0]}"/>'
            + _text(middle, base - size - 3, column.note or _number(column.value), 8, "middle")
            + "".join(
                _text(middle, base + 11 + n * LINE, line, 8, "middle")
                for n, line in enumerate(lines)
            )
        )
    parts.append(
        f'<line x1="{left}" y1="{base}" x2="{left + slot * len(columns):.1f}" y2="{base}" '
        'stroke="#444" stroke-width="0.5"/>'
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{base}" stroke="#444" stroke-width="0.5"/>'
        "</svg>"
    )
    return "".join(parts)


def network_chart(nodes, edges, groups, *, title: str, description: str, width: int = 480) -> str:
    """Who works with whom: ``nodes`` are (label, group index); group 0 (the participants)
    sits on a circle, every other group is listed under its name on the right; ``edges`` are
    pairs of node indexes, drawn as lines in the colour of the group of their second node.
    ``groups`` names the groups for the legend; a long list of partners goes on in columns
    beside each other. The layout depends on the order of the nodes only, so the same data
    gives the same picture."""
    colours = [*COLOURS, "#9b2c2c"]
    head, top = _title(title, width)
    legend, legend_height = _legend(groups, width, top)
    top += legend_height + 6
    inner = [i for i, (_label, group) in enumerate(nodes) if group == 0]
    outer = sorted((i for i, (_l, group) in enumerate(nodes) if group), key=lambda i: nodes[i][1])
    places, column = {}, []
    radius = 80
    centre = (170, top + radius + 14)
    for n, index in enumerate(inner):
        angle = 2 * math.pi * n / max(len(inner), 1) - math.pi / 2
        places[index] = (centre[0] + radius * math.cos(angle), centre[1] + radius * math.sin(angle))
    x, y, lowest, group = 350, top, top, None
    for index in outer:
        if y + 2 * LINE + 13 > top + 560:  # a long list goes on in a column beside it
            x, y = x + 125, top
        if nodes[index][1] != group:
            group = nodes[index][1]
            y += LINE + 2
            column.append(_text(x - 6, y, groups[group], size=8, bold=True))
        y += 11
        places[index] = (x, y - 3)
        lowest = max(lowest, y)
    height = max(centre[1] + radius + 20, lowest + 10)
    width = max(width, x + 130)
    parts = [_open(width, height, title), f"<desc>{escape(description)}</desc>", head, *legend]
    for a, b in edges:
        (x1, y1), (x2, y2) = places[a], places[b]
        colour = colours[nodes[b][1] % len(colours)]
        parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" '
            'stroke-width="0.8" stroke-opacity="0.7"/>'
        )
    for index, (x, y) in places.items():
        label, group = nodes[index]
        colour = colours[group % len(colours)]
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>')
        if group:
            parts.append(_text(x + 6, y + 3, label, size=8))
        else:
            side = (6, "start") if x >= centre[0] else (-6, "end")
            parts.append(_text(x + side[0], y + 3, label, 8, side[1]))
    parts.extend(column)
    parts.append("</svg>")
    return "".join(parts)


def _open(width, height, title) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height:.0f}" '
        f'viewBox="0 0 {width} {height:.0f}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
    )


def _title(title, width) -> tuple[str, int]:
    """The chart's title, shown in bold above it; the markup and the height it takes."""
    lines = _wrap(title, width, size=10)
    text = "".join(
        _text(0, 11 + n * (LINE + 2), line, size=10, bold=True) for n, line in enumerate(lines)
    )
    return text, len(lines) * (LINE + 2) + 6


def _text(x, y, text, size=9, anchor="start", bold=False) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"{weight} '
        f"{FONT}>{escape(str(text))}</text>"
    )


def _label(right, middle, lines) -> str:
    """A category's label, right-aligned at ``right`` and centred on ``middle``."""
    first = middle + 3 - (len(lines) - 1) * LINE / 2
    return "".join(
        _text(right, first + n * LINE, line, anchor="end") for n, line in enumerate(lines)
    )


def _value_axis(left, room, top, bottom, largest, unit) -> str:
    """The category axis at ``left``, and under the bars the value axis from 0 to
    ``largest`` with the unit in the middle."""
    return (
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#444" '
        'stroke-width="0.5"/>'
        f'<line x1="{left}" y1="{bottom}" x2="{left + room}" y2="{bottom}" stroke="#444" '
        'stroke-width="0.5"/>'
        + _text(left, bottom + 10, "0", size=7, anchor="middle")
        + _text(left + room, bottom + 10, largest, size=7, anchor="middle")
        + _text(left + room / 2, bottom + 20, unit, size=8, anchor="middle")
    )


def _legend(series, width, top) -> tuple[list[str], int]:
    """A colour key for ``series``, wrapped to ``width`` from ``top``; the parts and the height
    used."""
    parts, x, y = [], 0, top
    for index, name in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        step = 14 + CHAR_WIDTH * len(str(name)) + 12
        if x and x + step > width:
            x, y = 0, y + 14
        parts.append(
            f'<rect x="{x}" y="{y}" width="10" height="10" fill="{colour}"/>'
            + _text(x + 14, y + 9, name)
        )
        x += step
    return parts, y - top + 16


def _wrap(label, room, size=9) -> list[str]:
    """``label`` in lines that fit ``room`` points at font ``size``: broken between words, and
    inside a word only when the word alone is too long. Nothing is left out."""
    most = max(int(room / (CHAR_WIDTH * size / 9)), 4)
    lines, line = [], ""
    for word in str(label).split():
        while len(word) > most:
            if line:
                lines.append(line)
                line = ""
            lines.append(word[: most - 1] + "-")
            word = word[most - 1 :]
        if line and len(line) + 1 + len(word) > most:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return [*lines, line] if line or not lines else lines


def _number(value) -> str:
    if isinstance(value, (int, Decimal)) or float(value).is_integer():
        return f"{int(value):,}".replace(",", "\xa0")
    return f"{float(value):.1f}".replace(".", ",")
