"""Inline SVG charts for the monitoring report: grouped columns, horizontal bars, outcome mix;
and the figures as the report writes them (numbers, percentages, percentage points).

Self-contained markup, no scripts; every text that comes from data is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from html import escape

from chalicelib.messages import say
from chalicelib.messages.format import decimal_point
from chalicelib.models.common import OUTCOMES

COLOURS = {
    "lwoo": "#1f78b4",
    "pro": "#e66101",
    "granted": "#1b9e77",
    "refused": "#d95f02",
    "incomplete": "#7570b3",
    "allocation": "#1f78b4",
    "budget": "#a6a6a6",
}

WIDTH = 760

NONE = "\u2013"  # an en dash: no figure

Series = tuple[str, str, Sequence[float]]


def percent(share: str | Decimal | None, lang: str = "nl") -> str:
    if share is None:
        return NONE
    return decimal_point(f"{(Decimal(share) * 100).quantize(Decimal('0.01'))} %", lang)


def number(value: int | None) -> str:
    return NONE if value is None else f"{value:,}".replace(",", "\u202f")


def _tick(value: float) -> float:
    """A round step (1, 2 or 5 times a power of ten, at least 1) for about four gridlines."""
    rough = max(value / 4, 1.0)
    magnitude = 10.0 ** math.floor(math.log10(rough))
    return next(m * magnitude for m in (1, 2, 5, 10) if rough <= m * magnitude)


def points(gap: str | None, lang: str = "nl") -> str:
    """A difference of two shares, in percentage points with its sign."""
    if gap is None:
        return NONE
    return decimal_point(f"{(Decimal(gap) * 100).quantize(Decimal('0.01')):+} pp", lang)


def _svg(height: float, title: str, body: list[str]) -> str:
    return (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" '
        f'height="{height:.0f}" viewBox="0 0 {WIDTH} {height:.0f}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>' + "".join(body) + "</svg>"
    )


def _legend(series: Sequence[tuple[str, str]], x: float, y: float) -> list[str]:
    parts = []
    for name, colour in series:
        parts.append(
            f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16:.1f}" y="{y:.1f}">{escape(name)}</text>'
        )
        x += 24 + 8 * len(name)
    return parts


def column_chart(
    title: str, categories: Sequence[str], series: Sequence[Series], empty: str
) -> str:
    """Grouped vertical bars: one group per category, one bar per series, values on top."""
    height, left, top, bottom = 280.0, 50.0, 36.0, 44.0
    plot_w, plot_h = WIDTH - left - 20, height - top - bottom
    values = [v for _, _, vs in series for v in vs]
    if not categories or not any(values):
        return _svg(80, title, [f'<text x="10" y="40">{escape(empty)}</text>'])
    step = _tick(max(values))
    ticks = math.ceil(max(values) / step)
    top_value = step * ticks
    body = _legend([(n, c) for n, c, _ in series], left, 18)
    for i in range(ticks + 1):
        value = step * i
        y = top + plot_h - plot_h * i / ticks
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{value:g}</text>'
        )
    group = plot_w / len(categories)
    bar = group * 0.7 / len(series)
    for i, category in enumerate(categories):
        x0 = left + group * i + group * 0.15
        for j, (name, colour, vs) in enumerate(series):
            value = vs[i]
            h = plot_h * value / top_value
            x, y = x0 + bar * j, top + plot_h - h
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{colour}"><title>{escape(name)} {escape(category)}: {value:g}</title>'
                f'</rect><text x="{x + bar / 2:.1f}" y="{y - 3:.1f}" '
                f'text-anchor="middle">{value:g}</text>'
            )
        body.append(
            f'<text x="{left + group * (i + 0.5):.1f}" y="{top + plot_h + 18:.1f}" '
            f'text-anchor="middle">{escape(category)}</text>'
        )
    body.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        'stroke="#444"/>'
    )
    return _svg(height, title, body)


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    empty: str,
    as_percent: bool,
    lang: str = "nl",
) -> str:
    """Grouped horizontal bars: one group per label (a school, a region), one bar per series."""
    left, top, right = 230.0, 30.0, 70.0
    row = 16 * len(series) + 10
    values = [v for _, _, vs in series for v in vs]
    if not labels or not any(values):
        return _svg(80, title, [f'<text x="10" y="40">{escape(empty)}</text>'])
    height = top + row * len(labels) + 10
    plot_w = WIDTH - left - right
    top_value = max(values)
    body = _legend([(n, c) for n, c, _ in series], left, 18)
    for i, label in enumerate(labels):
        y0 = top + row * i + 5
        body.append(
            f'<text x="{left - 8}" y="{y0 + row / 2:.1f}" text-anchor="end">'
            f"{escape(label[:34])}</text>"
        )
        for j, (name, colour, vs) in enumerate(series):
            value = vs[i]
            w = plot_w * value / top_value
            y = y0 + 16 * j
            shown = decimal_point(f"{value * 100:.2f} %" if as_percent else f"{value:g}", lang)
            body.append(
                f'<rect x="{left}" y="{y:.1f}" width="{w:.1f}" height="13" fill="{colour}">'
                f"<title>{escape(name)} {escape(label)}: {shown}</title></rect>"
                f'<text x="{left + w + 4:.1f}" y="{y + 11:.1f}">{shown}</text>'
            )
    body.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - 8}" stroke="#444"/>')
    return _svg(height, title, body)


def mix_chart(
    title: str, rows: Sequence[tuple[str, Mapping[str, int]]], empty: str, lang: str = "nl"
) -> str:
    """100 % stacked bars: the outcome mix of each row, counts in the segments."""
    names = {o: say(lang, f"outcome.{o}") for o in OUTCOMES}
    left, top, row = 120.0, 30.0, 30.0
    if not any(sum(counts.values()) for _, counts in rows):
        return _svg(80, title, [f'<text x="10" y="40">{escape(empty)}</text>'])
    height = top + row * len(rows) + 10
    plot_w = WIDTH - left - 20
    body = _legend([(names[o], COLOURS[o]) for o in OUTCOMES], left, 18)
    for i, (label, counts) in enumerate(rows):
        y = top + row * i + 4
        total = sum(counts.values())
        body.append(
            f'<text x="{left - 8}" y="{y + 15:.1f}" text-anchor="end">{escape(label)}</text>'
        )
        if not total:
            none = escape(say(lang, "report.no_decisions_row"))
            body.append(f'<text x="{left}" y="{y + 15:.1f}" class="note">{none}</text>')
            continue
        x = left
        for outcome in OUTCOMES:
            count = counts.get(outcome, 0)
            w = plot_w * count / total
            if w <= 0:
                continue
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="22" '
                f'fill="{COLOURS[outcome]}"><title>{escape(label)} {names[outcome]}: '
                f"{say(lang, 'report.count_of', count=count, total=total)}</title></rect>"
            )
            if w > 28:
                body.append(
                    f'<text x="{x + w / 2:.1f}" y="{y + 15:.1f}" text-anchor="middle" '
                    f'style="fill:#fff">{count}</text>'
                )
            x += w
    return _svg(height, title, body)
