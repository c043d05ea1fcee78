"""Small server-side SVG charts: no JavaScript, readable without colour (every value is also written as
text), and accessible (``role="img"`` with a ``<title>`` and ``<desc>`` the screen reader announces).

Charts are built as an ElementTree and serialised by it, so every label is escaped by construction; the
result is returned as ``Markup`` to be placed inline in a page.

- :func:`timeline` — one bar per row across a time span, with the intervals filled (attendance);
- :func:`bars` — one vertical bar per category with its value on top (meetings per month);
- :func:`grid` — rows × columns of shaded cells with the value written in each (participation per
  commune and month).
"""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from markupsafe import Markup

SVG_NS = "http://www.w3.org/2000/svg"
FONT = "system-ui, sans-serif"
INK, MUTED, FILL, EMPTY = "#1f2933", "#616e7c", "#2f6fb0", "#e4e7eb"

_ids = itertools.count(1)


def _svg(width: int, height: int, title: str, desc: str) -> ET.Element:
    number = next(_ids)
    svg = ET.Element(
        "svg",
        {
            "xmlns": SVG_NS,
            "width": str(width),
            "height": str(height),
            "viewBox": f"0 0 {width} {height}",
            "role": "img",
            "aria-labelledby": f"chart-{number}-title chart-{number}-desc",
            "class": "chart",
            "font-family": FONT,
            "font-size": "12",
        },
    )
    ET.SubElement(svg, "title", {"id": f"chart-{number}-title"}).text = title
    ET.SubElement(svg, "desc", {"id": f"chart-{number}-desc"}).text = desc
    return svg


def _text(parent: ET.Element, x: float, y: float, value: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, "text", {"x": f"{x:.1f}", "y": f"{y:.1f}", "fill": INK, **attrs})
    element.text = value
    return element


def _rect(parent: ET.Element, x: float, y: float, w: float, h: float, fill: str, **attrs: str) -> ET.Element:
    return ET.SubElement(
        parent,
        "rect",
        {"x": f"{x:.1f}", "y": f"{y:.1f}", "width": f"{w:.1f}", "height": f"{h:.1f}", "fill": fill, **attrs},
    )


def _markup(svg: ET.Element) -> Markup:
    return Markup(ET.tostring(svg, encoding="unicode"))  # ElementTree escaped every text


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- timeline -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineRow:
    label: str
    intervals: Sequence[tuple[datetime, datetime]]
    note: str = ""
    """Written after the bar (``170 phút``, ``Vắng``)."""


def _tick_step(span: timedelta) -> timedelta:
    for minutes in (5, 10, 15, 30, 60, 120, 240):
        if span / timedelta(minutes=minutes) <= 8:
            return timedelta(minutes=minutes)
    return timedelta(hours=6)


def timeline(
    rows: Sequence[TimelineRow], start: datetime, end: datetime, tz: ZoneInfo, *, title: str, desc: str
) -> Markup:
    """A bar per row from ``start`` to ``end`` with each interval filled; clock ticks in ``tz``."""
    label_w, bar_w, note_w, row_h, top = 220, 480, 110, 26, 24
    width, height = label_w + bar_w + note_w, top + row_h * max(len(rows), 1) + 8
    svg = _svg(width, height, title, desc)
    span = max(end - start, timedelta(minutes=1))

    def x_of(moment: datetime) -> float:
        ratio = min(max((moment - start) / span, 0.0), 1.0)
        return label_w + ratio * bar_w

    step = _tick_step(span)
    local_start = start.astimezone(tz)
    tick = local_start.replace(minute=0, second=0, microsecond=0)
    while tick < local_start:
        tick += step
    axis = ET.SubElement(svg, "g", {"class": "axis", "fill": MUTED})
    while tick <= end:
        x = x_of(tick)
        ET.SubElement(
            axis, "line", {"x1": f"{x:.1f}", "x2": f"{x:.1f}", "y1": "18", "y2": str(height - 4), "stroke": EMPTY}
        )
        _text(axis, x, 14, tick.strftime("%H:%M"), **{"text-anchor": "middle", "fill": MUTED})
        tick += step
    for index, row in enumerate(rows):
        y = top + index * row_h
        group = ET.SubElement(svg, "g", {"class": "row"})
        _text(group, 4, y + 16, _shorten(row.label, 32))
        _rect(group, label_w, y + 4, bar_w, row_h - 8, EMPTY)
        for begin, finish in row.intervals:
            x1, x2 = x_of(begin), x_of(finish)
            bar = _rect(group, x1, y + 4, max(x2 - x1, 1.0), row_h - 8, FILL, **{"class": "presence"})
            clock = f"{begin.astimezone(tz):%H:%M}–{finish.astimezone(tz):%H:%M}"
            ET.SubElement(bar, "title").text = f"{row.label}: {clock}"
        _text(group, label_w + bar_w + 6, y + 16, row.note)
    return _markup(svg)


# --- bars -------------------------------------------------------------------------------------------


def bars(points: Sequence[tuple[str, int]], *, title: str, desc: str) -> Markup:
    """Vertical bars with the value above each and the category below."""
    slot, chart_h, top, bottom = 60, 160, 20, 24
    width, height = max(slot * len(points), slot) + 16, top + chart_h + bottom
    svg = _svg(width, height, title, desc)
    peak = max((value for _, value in points), default=0) or 1
    base = top + chart_h
    ET.SubElement(svg, "line", {"x1": "8", "x2": str(width - 8), "y1": str(base), "y2": str(base), "stroke": MUTED})
    for index, (label, value) in enumerate(points):
        x = 8 + index * slot
        h = chart_h * value / peak
        bar = _rect(svg, x + 8, base - h, slot - 16, h, FILL, **{"class": "bar"})
        ET.SubElement(bar, "title").text = f"{label}: {value}"
        _text(svg, x + slot / 2, base - h - 4, str(value), **{"text-anchor": "middle"})
        _text(svg, x + slot / 2, base + 16, label, **{"text-anchor": "middle", "fill": MUTED})
    return _markup(svg)


# --- grid -------------------------------------------------------------------------------------------


def _shade(ratio: float) -> str:
    """From light to the fill colour as ``ratio`` goes from 0 to 1."""
    light, dark = (0xE4, 0xEC, 0xF5), (0x2F, 0x6F, 0xB0)
    mixed = (round(a + (b - a) * ratio) for a, b in zip(light, dark, strict=True))
    return "#" + "".join(f"{c:02x}" for c in mixed)


def grid(
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    values: Sequence[Sequence[tuple[float, str] | None]],
    *,
    title: str,
    desc: str,
) -> Markup:
    """A cell per row and column, shaded by its ratio (0–1) and showing its text; None: nothing to show."""
    label_w, cell_w, cell_h, top = 220, 64, 26, 22
    width = label_w + cell_w * max(len(column_labels), 1) + 4
    height = top + cell_h * max(len(row_labels), 1) + 4
    svg = _svg(width, height, title, desc)
    for column, label in enumerate(column_labels):
        _text(svg, label_w + column * cell_w + cell_w / 2, 15, label, **{"text-anchor": "middle", "fill": MUTED})
    for row, label in enumerate(row_labels):
        y = top + row * cell_h
        _text(svg, 4, y + 17, _shorten(label, 32))
        for column, cell in enumerate(values[row]):
            x = label_w + column * cell_w
            if cell is None:
                _rect(svg, x + 1, y + 1, cell_w - 2, cell_h - 2, "#ffffff", stroke=EMPTY)
                _text(svg, x + cell_w / 2, y + 17, "–", **{"text-anchor": "middle", "fill": MUTED})
                continue
            ratio, text = cell
            ratio = min(max(ratio, 0.0), 1.0)
            rect = _rect(svg, x + 1, y + 1, cell_w - 2, cell_h - 2, _shade(ratio), **{"class": "cell"})
            ET.SubElement(rect, "title").text = f"{label}, {column_labels[column]}: {text}"
            ink = "#ffffff" if ratio > 0.55 else INK
            _text(svg, x + cell_w / 2, y + 17, text, **{"text-anchor": "middle", "fill": ink})
    return _markup(svg)
